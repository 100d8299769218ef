/**
 * runloop-local's devbox runtime: the only entry point other areas import.
 *
 * @example
 * import { createRuntime } from './runtime/index.js';
 * const runtime = await createRuntime({ dataDir, log: console.log });
 */
export type {
  DevboxHandle,
  DevboxRuntime,
  DevboxSpec,
  ExecSpec,
  DevboxProcess,
  ResourceLimits,
  RuntimeInfo,
  EgressPolicy,
} from './types.js';
export { hostnamePatternProblem, hostnameAllowed, MAX_HOSTNAME_CHARS } from './network/hostnames.js';
export { TUNNEL_GATEWAY_ADDRESS } from './network/devbox-egress.js';
export type { DnsUpstream } from './network/dns-answerer.js';
export {
  createRuntime,
  checkRuntimeMode,
  formatRuntimeInfo,
  DEFAULT_ID_RANGE,
  type CreateRuntimeOptions,
} from './create-runtime.js';
export { ensureBaseRootfs, defaultRootfsCacheDir, ROOTFS_VERSION, type EnsureRootfsOptions } from './rootfs.js';
export {
  RuntimeError,
  RuntimeInputError,
  RuntimeUnavailableError,
  RuntimeFileError,
  DevboxStartError,
  DevboxNotRunningError,
  DevboxBusyError,
  type RuntimeFileErrorCode,
} from './errors.js';
export { runtimeInstanceName, devboxHostname } from './instance.js';
export { exitOf, exitStatusOf, groupExists, signalGroup } from './process-group.js';
