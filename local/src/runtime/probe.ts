/**
 * Checks, on this machine and right now, whether isolated devboxes can run:
 * root, the tools (runc, the seccomp profile, mkfs.ext4 and loop devices for
 * disk images), user namespaces, a cgroup v2 tree with freeze/kill, the
 * limit controllers, and an overlay mount inside a throwaway mount namespace
 * on the data dir's filesystem. Nothing is assumed; every refusal says why.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, rmdir } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { detectCgroupLayout, enforceableLimits, type CgroupLayout } from './cgroups.js';
import { CONTAINERS_SECCOMP_PROFILE } from './oci/seccomp.js';

const run = promisify(execFile);

/**
 * Outcome of {@link probeNamespaces}.
 *
 * @example
 * const probe: NamespaceProbe = await probeNamespaces(dataDir);
 * if (!probe.ok) log.warn(`process mode: ${probe.reason}`);
 */
export type NamespaceProbe =
  | { readonly ok: true; readonly layout: CgroupLayout; readonly limits: readonly string[] }
  | { readonly ok: false; readonly reason: string };

const TOOLS = [
  '/usr/bin/crun',
  '/usr/bin/unshare',
  '/usr/bin/nsenter',
  '/usr/bin/socat',
  '/sbin/mkfs.ext4',
  '/bin/mount',
  '/bin/cp',
  '/usr/bin/du',
  '/usr/bin/truncate',
  CONTAINERS_SECCOMP_PROFILE,
  '/dev/loop-control',
];
/** Limits every devbox gets; a host that cannot enforce one of them runs no isolated devbox. */
const REQUIRED_LIMITS = ['memory', 'cpu', 'pids'];

/**
 * Probes namespace support; `scratchDir` must be on the filesystem that
 * will hold devbox state (overlay upper dirs).
 *
 * @example
 * const probe = await probeNamespaces('/var/lib/runloop-local');
 * if (!probe.ok) console.log(probe.reason);
 */
export async function probeNamespaces(scratchDir: string): Promise<NamespaceProbe> {
  if (process.platform !== 'linux') return { ok: false, reason: `not Linux (${process.platform})` };
  if (process.getuid?.() !== 0) return { ok: false, reason: 'not running as root' };
  const missingTool = TOOLS.find((tool) => !existsSync(tool));
  if (missingTool)
    return { ok: false, reason: `${missingTool} is missing (run runloop-local's scripts/setup-host.sh as root)` };
  const layout = detectCgroupLayout();
  if ('missing' in layout) return { ok: false, reason: layout.missing };
  const limits = enforceableLimits(layout);
  const unenforceable = REQUIRED_LIMITS.filter((limit) => !limits.includes(limit));
  if (unenforceable.length > 0)
    return { ok: false, reason: `cgroup controllers missing, limits not enforceable: ${unenforceable.join(', ')}` };
  if (!(await probeUserNamespace()))
    return { ok: false, reason: 'user namespaces are refused (devbox root would be host root)' };
  const cgroupProblem = await probeCgroupV2(layout.unified);
  if (cgroupProblem) return { ok: false, reason: cgroupProblem };
  const overlayProblem = await probeOverlay(scratchDir);
  if (overlayProblem) return { ok: false, reason: overlayProblem };
  return { ok: true, layout, limits };
}

/** Whether root can create a user namespace with its own mount namespace (where devbox root lives). */
async function probeUserNamespace(): Promise<boolean> {
  try {
    await run('/usr/bin/unshare', ['--user', '--mount', '--', '/bin/true']);
    return true;
  } catch {
    return false;
  }
}

async function probeCgroupV2(unified: string): Promise<string | undefined> {
  const dir = join(unified, `runloop-local-probe-${process.pid}-${Date.now()}`);
  try {
    await mkdir(dir);
  } catch (error) {
    return `cannot create a cgroup in ${unified}: ${(error as Error).message}`;
  }
  try {
    if (!existsSync(join(dir, 'cgroup.freeze'))) return 'cgroup v2 has no cgroup.freeze (kernel < 5.2)';
    if (!existsSync(join(dir, 'cgroup.kill'))) return 'cgroup v2 has no cgroup.kill (kernel < 5.14)';
    return undefined;
  } finally {
    await rmdir(dir).catch(() => undefined);
  }
}

async function probeOverlay(scratchDir: string): Promise<string | undefined> {
  await mkdir(scratchDir, { recursive: true });
  const dir = await mkdtemp(join(scratchDir, '.probe-'));
  try {
    for (const sub of ['lower', 'upper', 'work', 'merged']) await mkdir(join(dir, sub));
    await run('/usr/bin/unshare', [
      '--mount',
      '--propagation',
      'private',
      '--pid',
      '--fork',
      '--kill-child',
      '--uts',
      '--ipc',
      '--net',
      '--',
      '/bin/mount',
      '-t',
      'overlay',
      'overlay',
      '-o',
      `lowerdir=${dir}/lower,upperdir=${dir}/upper,workdir=${dir}/work`,
      `${dir}/merged`,
    ]);
    return undefined;
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr?.trim();
    return `namespaces or overlayfs refused: ${stderr || (error as Error).message}`;
  } finally {
    await rm(dir, { recursive: true, force: true }).catch(() => undefined);
  }
}
