/**
 * Chooses and builds the devbox runtime: isolated devboxes under runc where
 * this machine allows them (probed now, never assumed), the plain-process
 * fallback otherwise, and says plainly which one is in force and why. The
 * fallback is no sandbox: it is announced as such, loudly.
 */
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { ensureStaticBinary } from './static-binary.js';
import { RuntimeUnavailableError } from './errors.js';
import { DEFAULT_CAPABILITIES, type IdRange } from './oci/config.js';
import { ensureShiftedRootfs } from './oci/id-shift.js';
import { EgressFilter, egressFilterAvailable, hostResolvers, networkPoliciesAvailable } from './oci/network.js';
import type { DnsUpstream } from './network/dns-answerer.js';
import { OciRuntime } from './oci/runtime.js';
import { runtimeInstanceName } from './instance.js';
import { CONTAINERS_SECCOMP_PROFILE, loadSeccompProfile } from './oci/seccomp.js';
import { probeNamespaces } from './probe.js';
import { ProcessRuntime } from './process-runtime.js';
import { COMPLETE_MARKER, ROOTFS_VERSION, defaultRootfsCacheDir, ensureBaseRootfs } from './rootfs.js';
import { prepareInitLayer } from './runtime-dir.js';
import type { DevboxRuntime, RuntimeInfo } from './types.js';

/**
 * The host ids devboxes run as by default: devbox uid n is host uid 100000 + n.
 *
 * @example
 * await createRuntime({ dataDir, ids: DEFAULT_ID_RANGE });
 */
export const DEFAULT_ID_RANGE: IdRange = { hostStart: 100_000, size: 65_536 };

/**
 * Options of {@link createRuntime}.
 *
 * @example
 * const options: CreateRuntimeOptions = { mode: 'auto', dataDir: '/var/lib/runloop-local', log: console.log };
 */
export interface CreateRuntimeOptions {
  /** `auto` (default) prefers isolation; `namespaces` fails if it is unavailable; `process` forces the unisolated fallback. */
  readonly mode?: 'auto' | 'namespaces' | 'process';
  /** The server's data dir: names this runtime's cgroups (so servers with different dirs never collide). */
  readonly dataDir: string;
  readonly log?: (line: string) => void;
  /** Use this base rootfs (owned by real ids: 0, 1000…) instead of the cached one. */
  readonly rootfsDir?: string;
  /** Cache for the base rootfs and the agent; see `ensureBaseRootfs`. */
  readonly cacheDir?: string;
  /** The host id range devbox ids map to; no host account may use it. Default {@link DEFAULT_ID_RANGE}. */
  readonly ids?: IdRange;
  /** Resolvers that devboxes under a network policy get their allowed names from; default: the host's (resolv.conf, port 53). */
  readonly dnsUpstreams?: readonly DnsUpstream[];
}

const ISOLATED_DETAIL =
  'crun containers: user namespace (devbox root = host uid {start}), pid/mount/uts/ipc/net/cgroup namespaces, ' +
  "Docker's capability set, seccomp (containers-common profile, no user namespaces inside), masked /proc, " +
  'an agent inside as PID 1 (no host binary reachable), a disk image per devbox';

/**
 * Builds the runtime for a server. In isolated mode it makes sure the base
 * rootfs (once ~40 s), its id-shifted copy (once, seconds) and the agent
 * (once, ~1 s) exist, and logs what is in force. Call `reapOrphans()` next
 * to clean up after a crashed server.
 *
 * @example
 * const runtime = await createRuntime({ dataDir: '/var/lib/runloop-local', log: console.log });
 * await runtime.reapOrphans();
 */
export async function createRuntime(options: CreateRuntimeOptions): Promise<DevboxRuntime> {
  const mode = options.mode ?? 'auto';
  const log = options.log ?? (() => undefined);
  const fallback = (why: string): DevboxRuntime => {
    // Plain processes share the host's network: they reach whatever the host reaches.
    const info: RuntimeInfo = { mode: 'process', detail: processDetail(why), outboundNetwork: true };
    log(formatRuntimeInfo(info));
    return new ProcessRuntime(info);
  };
  if (mode === 'process') return fallback("forced by mode: 'process'");

  const runtimeDir = join(options.dataDir, '.runtime');
  const probe = await probeNamespaces(runtimeDir);
  const ids = options.ids ?? DEFAULT_ID_RANGE;
  const problem = probe.ok ? await idRangeProblem(ids) : probe.reason;
  if (problem !== undefined || !probe.ok) {
    if (mode === 'namespaces') throw new RuntimeUnavailableError(`isolated devboxes are unavailable: ${problem}`);
    return fallback(problem ?? 'unknown');
  }
  // A data dir of another format is refused whatever the mode: falling back would run unsandboxed.
  await secureDataDir(options.dataDir);
  await checkDataDirFormat(options.dataDir, runtimeDir, ids);
  try {
    const cacheDir = options.cacheDir ?? defaultRootfsCacheDir();
    const base = options.rootfsDir ?? (await ensureBaseRootfs({ cacheDir, log }));
    const rootfs = await ensureShiftedRootfs(base, ids);
    const [agent, launcher] = await Promise.all([
      ensureStaticBinary('runloop-agent', dirname(cacheDir)),
      ensureStaticBinary('runloop-launcher', dirname(cacheDir)),
    ]);
    const initLayer = await prepareInitLayer(runtimeDir, agent, basename(dirname(agent)));
    const seccomp = await loadSeccompProfile(CONTAINERS_SECCOMP_PROFILE, DEFAULT_CAPABILITIES);
    // Both probes at once: each is a handful of iptables runs.
    const [noEgress, policyProblem] = await Promise.all([
      existsSync('/usr/bin/slirp4netns') ? egressFilterAvailable() : 'slirp4netns is missing',
      networkPoliciesAvailable(),
    ]);
    const instance = runtimeInstanceName(options.dataDir);
    const noPolicies = noEgress ?? policyProblem;
    const egress =
      noEgress === undefined ? new EgressFilter(instance, probe.layout.unified, noPolicies === undefined) : undefined;
    const network = egress
      ? 'isolated devboxes reach the internet through slirp4netns; the host, private and link-local networks are refused'
      : `isolated devboxes have loopback only (${noEgress})`;
    if (noPolicies !== undefined && egress !== undefined)
      log(`runloop-local: ${noPolicies}; devboxes under a network policy are refused`);
    const networkPolicies = noPolicies === undefined;
    const info: RuntimeInfo = {
      mode: 'namespaces',
      outboundNetwork: egress !== undefined,
      idRange: ids,
      networkPolicies,
      detail: `${ISOLATED_DETAIL.replace('{start}', String(ids.hostStart))}; limits always on: ${probe.limits.join(', ')}, /dev/shm, disk; ${network}`,
    };
    log(formatRuntimeInfo(info));
    const dnsUpstreams = options.dnsUpstreams ?? (await hostResolvers()).map((host) => ({ host, port: 53 }));
    return new OciRuntime({
      dataDir: options.dataDir,
      runtimeDir,
      rootfs,
      initLayer,
      launcher,
      layout: probe.layout,
      info,
      ids,
      seccomp,
      egress,
      dnsUpstreams,
    });
  } catch (error) {
    if (mode === 'namespaces') throw error;
    return fallback((error as Error).message);
  }
}

function processDetail(why: string): string {
  return (
    `plain processes in a per-devbox directory (${why}). ` +
    'WARNING: NOT A SANDBOX: commands run as the server user with no filesystem, PID, network or resource isolation; run only trusted code'
  );
}

/** The data dir holds devbox files (setuid ones too): no other host user may even look inside. */
async function secureDataDir(dataDir: string): Promise<void> {
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  await chmod(dataDir, 0o700);
}

/**
 * The data dir's layout and id range, written on first use. Files of
 * devboxes, blueprints and snapshots are owned inside the id range, so a data
 * dir made for another range, or by an older runloop-local (host-owned files,
 * no disk images), cannot be used as it is.
 */
async function checkDataDirFormat(dataDir: string, runtimeDir: string, ids: IdRange): Promise<void> {
  const expected = `runloop-local data dir 2: runc devboxes, ids ${ids.hostStart}+${ids.size}\n`;
  const file = join(runtimeDir, 'format');
  const found = await readFile(file, 'utf8').catch(() => undefined);
  if (found === expected) return;
  if (found !== undefined) {
    throw new RuntimeUnavailableError(
      `data dir ${dataDir} was made for ${found.trim()}, not ${expected.trim()}: use another --data-dir`,
    );
  }
  const used = (
    await Promise.all(['devboxes', 'blueprints', 'snapshots'].map((dir) => readdir(join(dataDir, dir)).catch(() => [])))
  ).some((names) => names.length > 0);
  if (used) {
    throw new RuntimeUnavailableError(
      `data dir ${dataDir} was made by an older runloop-local (devbox files owned by host ids, no disk images): ` +
        'start with a new --data-dir, or remove this one',
    );
  }
  await mkdir(runtimeDir, { recursive: true, mode: 0o700 });
  await writeFile(file, expected);
}

/** A host account inside the devboxes' range would own every devbox's files. */
async function idRangeProblem(ids: IdRange): Promise<string | undefined> {
  for (const file of ['/etc/passwd', '/etc/group']) {
    const text = await readFile(file, 'utf8').catch(() => '');
    for (const line of text.split('\n')) {
      const [name, , id] = line.split(':');
      const number = Number(id);
      if (Number.isInteger(number) && number >= ids.hostStart && number < ids.hostStart + ids.size) {
        return `host account ${name} (${file}) uses id ${number}, inside the devbox id range ${ids.hostStart}–${ids.hostStart + ids.size - 1}`;
      }
    }
  }
  return undefined;
}

/**
 * One line for a CLI banner.
 *
 * @example
 * formatRuntimeInfo(runtime.info); // 'runloop-local: devboxes run as namespaces — runc containers (…)'
 */
export function formatRuntimeInfo(info: RuntimeInfo): string {
  return `runloop-local: devboxes run as ${info.mode} — ${info.detail}`;
}

/**
 * Checks which mode `createRuntime` would pick, without building anything
 * (for a CLI banner or `--check`): probes the host and looks for a cached
 * base rootfs.
 *
 * @example
 * console.log(formatRuntimeInfo(await checkRuntimeMode({ dataDir })));
 */
export async function checkRuntimeMode(options: {
  readonly dataDir: string;
  readonly cacheDir?: string;
}): Promise<RuntimeInfo> {
  const probe = await probeNamespaces(join(options.dataDir, '.runtime'));
  if (!probe.ok) return { mode: 'process', detail: processDetail(probe.reason) };
  const cached = existsSync(join(options.cacheDir ?? defaultRootfsCacheDir(), ROOTFS_VERSION, COMPLETE_MARKER));
  return {
    mode: 'namespaces',
    detail: `${ISOLATED_DETAIL.replace('{start}', String(DEFAULT_ID_RANGE.hostStart))}; limits: ${probe.limits.join(', ')}; base rootfs ${cached ? 'cached' : 'not built yet (~40 s on first start)'}`,
  };
}
