/**
 * Chooses and builds the devbox runtime: namespaces where this machine
 * allows them (probed now, never assumed), the plain-process fallback
 * otherwise, and says plainly which one is in force and why.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { RuntimeUnavailableError } from './errors.js';
import { NamespaceRuntime } from './namespace-runtime.js';
import { probeNamespaces } from './probe.js';
import { prepareRuntimeDir } from './runtime-dir.js';
import { ProcessRuntime } from './process-runtime.js';
import { COMPLETE_MARKER, ROOTFS_VERSION, defaultRootfsCacheDir, ensureBaseRootfs } from './rootfs.js';
import type { DevboxRuntime, RuntimeInfo } from './types.js';

/**
 * Options of {@link createRuntime}.
 *
 * @example
 * const options: CreateRuntimeOptions = { mode: 'auto', dataDir: '/var/lib/runloop-local', log: console.log };
 */
export interface CreateRuntimeOptions {
  /** `auto` (default) prefers namespaces; `namespaces` fails if unavailable; `process` forces the fallback. */
  readonly mode?: 'auto' | 'namespaces' | 'process';
  /** The server's data dir: names this runtime's cgroups (so servers with different dirs never collide). */
  readonly dataDir: string;
  readonly log?: (line: string) => void;
  /** Use this base rootfs instead of the cached one (tests, custom images). */
  readonly rootfsDir?: string;
  /** Cache for the base rootfs; see `ensureBaseRootfs`. */
  readonly cacheDir?: string;
  /**
   * Confine devbox root to a user namespace (default: whenever the host allows it).
   * `false` gives devbox root the host's capabilities: only for trusted workloads.
   */
  readonly userNamespaces?: boolean;
}

const NAMESPACE_DETAIL =
  'Linux namespaces (mount, pid, uts, ipc, net) with an overlayfs root over Debian bookworm, tini as PID 1, ' +
  'cgroup v2 freeze/kill';

/**
 * Builds the runtime for a server. In namespace mode it makes sure the base
 * rootfs exists (building it once, ~40 s) and logs one line saying what is
 * in force. Call `reapOrphans()` next to clean up after a crashed server.
 *
 * @example
 * const runtime = await createRuntime({ dataDir: '/var/lib/runloop-local', log: console.log });
 * await runtime.reapOrphans();
 * const devbox = await runtime.start({ id: 'dbx_1', stateDir: '/var/lib/runloop-local/dbx_1', layers: [], limits: {}, network: 'isolated' });
 */
export async function createRuntime(options: CreateRuntimeOptions): Promise<DevboxRuntime> {
  const mode = options.mode ?? 'auto';
  const log = options.log ?? (() => undefined);
  const fallback = (why: string): DevboxRuntime => {
    const info: RuntimeInfo = { mode: 'process', detail: processDetail(why) };
    log(formatRuntimeInfo(info));
    return new ProcessRuntime(info);
  };
  if (mode === 'process') return fallback("forced by mode: 'process'");

  const probe = await probeNamespaces(join(options.dataDir, '.runtime'));
  if (!probe.ok) {
    if (mode === 'namespaces') throw new RuntimeUnavailableError(`namespace devboxes are unavailable: ${probe.reason}`);
    return fallback(probe.reason);
  }
  let rootfs: string;
  try {
    rootfs = options.rootfsDir ?? (await ensureBaseRootfs({ cacheDir: options.cacheDir, log }));
  } catch (error) {
    if (mode === 'namespaces') throw error;
    return fallback(`no base root filesystem: ${(error as Error).message}`);
  }
  const limits = probe.limits.length > 0 ? `limits: ${probe.limits.join(', ')}` : 'no resource limits (controllers missing)';
  const userns = probe.userns && options.userNamespaces !== false;
  const rootNote = userns
    ? 'devbox root is confined to a user namespace'
    : `${probe.userns ? 'user namespaces disabled by option' : 'no user namespaces here'}: devbox root keeps host capabilities (trusted workloads only)`;
  const info: RuntimeInfo = {
    mode: 'namespaces',
    detail: `${NAMESPACE_DETAIL}; ${limits}; ${rootNote}; isolated devboxes have loopback only (no outbound internet)`,
  };
  const runtimeDir = join(options.dataDir, '.runtime');
  await prepareRuntimeDir(runtimeDir);
  log(formatRuntimeInfo(info));
  return new NamespaceRuntime({ dataDir: options.dataDir, runtimeDir, rootfs, layout: probe.layout, info, userns });
}

function processDetail(why: string): string {
  return `plain processes in a per-devbox directory (${why}): no filesystem, PID or network isolation, no resource limits`;
}

/**
 * One line for a CLI banner.
 *
 * @example
 * formatRuntimeInfo(runtime.info); // 'runloop-local: devboxes run as namespaces — Linux namespaces (…)'
 */
export function formatRuntimeInfo(info: RuntimeInfo): string {
  return `runloop-local: devboxes run as ${info.mode} — ${info.detail}`;
}

/**
 * Checks which mode `createRuntime` would pick, without building anything
 * (for a CLI banner or `--check`): probes namespaces and looks for a cached
 * base rootfs.
 *
 * @example
 * console.log(formatRuntimeInfo(await checkRuntimeMode({ dataDir })));
 */
export async function checkRuntimeMode(options: { readonly dataDir: string; readonly cacheDir?: string }): Promise<RuntimeInfo> {
  const probe = await probeNamespaces(join(options.dataDir, '.runtime'));
  if (!probe.ok) return { mode: 'process', detail: processDetail(probe.reason) };
  const cached = existsSync(join(options.cacheDir ?? defaultRootfsCacheDir(), ROOTFS_VERSION, COMPLETE_MARKER));
  return {
    mode: 'namespaces',
    detail: `${NAMESPACE_DETAIL}; limits: ${probe.limits.join(', ') || 'none'}; base rootfs ${cached ? 'cached' : 'not built yet (~40 s on first start)'}`,
  };
}
