/**
 * One cgroup per devbox, in every hierarchy the runtime uses: the v2 tree
 * (freeze, kill, populated) and, on hybrid hosts, the v1 memory/cpu/pids
 * controllers for limits. All groups of one runtime live under
 * `runloop-local-<instance>/`, so servers with different data dirs never
 * touch each other's devboxes, and a restarted server can find its orphans.
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readFile, readdir, rmdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DevboxBusyError, RuntimeError } from './errors.js';
import type { ResourceLimits } from './types.js';

const CGROUP_ROOT = '/sys/fs/cgroup';
const POLL_MS = 2;
/** How long a freeze may take before it is given up (a healthy group freezes in milliseconds). */
const FREEZE_TIMEOUT_MS = 10_000;

/**
 * Where each needed piece of the cgroup machinery lives on this host (probed, never assumed).
 *
 * @example
 * const layout = detectCgroupLayout();
 * if ('missing' in layout) throw new Error(layout.missing);
 * console.log(layout.unified, Object.keys(layout.v1)); // '/sys/fs/cgroup/unified' ['memory', 'cpu', 'pids']
 */
export interface CgroupLayout {
  /** The cgroup v2 mount: `/sys/fs/cgroup` (pure v2) or `/sys/fs/cgroup/unified` (hybrid). */
  readonly unified: string;
  /** True when `unified` is the only hierarchy: limits then go to v2 files. */
  readonly pureV2: boolean;
  /** v1 mounts for limits on hybrid hosts, by controller; absent = not enforceable. */
  readonly v1: Readonly<Partial<Record<'memory' | 'cpu' | 'pids', string>>>;
  /** The v1 devices controller on hybrid hosts (a device allow-list); pure v2 has none without eBPF. */
  readonly devices?: string;
}

/**
 * Finds the v2 tree and the v1 limit controllers, or says what is missing.
 *
 * @example
 * const layout = detectCgroupLayout(); // { unified: '/sys/fs/cgroup/unified', pureV2: false, v1: { memory: … } }
 */
export function detectCgroupLayout(): CgroupLayout | { readonly missing: string } {
  if (existsSync(join(CGROUP_ROOT, 'cgroup.controllers'))) {
    return { unified: CGROUP_ROOT, pureV2: true, v1: {} };
  }
  const unified = join(CGROUP_ROOT, 'unified');
  if (!existsSync(join(unified, 'cgroup.procs'))) return { missing: 'no cgroup v2 tree (needed for freeze and kill)' };
  const v1: Partial<Record<'memory' | 'cpu' | 'pids', string>> = {};
  for (const controller of ['memory', 'cpu', 'pids'] as const) {
    const dir = join(CGROUP_ROOT, controller);
    if (existsSync(join(dir, 'cgroup.procs')) && !existsSync(join(dir, 'cgroup.controllers'))) v1[controller] = dir;
  }
  const devices = join(CGROUP_ROOT, 'devices');
  return existsSync(join(devices, 'devices.allow'))
    ? { unified, pureV2: false, v1, devices }
    : { unified, pureV2: false, v1 };
}

/**
 * Which limits this layout can enforce, for `info.detail`.
 *
 * @example
 * enforceableLimits(layout); // ['memory', 'cpu', 'pids']
 */
export function enforceableLimits(layout: CgroupLayout): string[] {
  if (layout.pureV2) {
    const available = readFileSync(join(layout.unified, 'cgroup.controllers'), 'utf8').split(/\s+/);
    return ['memory', 'cpu', 'pids'].filter((c) => available.includes(c));
  }
  return Object.keys(layout.v1);
}

/**
 * Devices a devbox may open or create (major, minor): what the OCI runtime
 * puts in its /dev (null, zero, full, random, urandom, tty, ptmx and the
 * pts it mounts), as runc and Docker allow by default. Everything else,
 * block devices included, is refused by the kernel even to devbox root.
 */
const ALLOWED_DEVICES = ['c 1:3', 'c 1:5', 'c 1:7', 'c 1:8', 'c 1:9', 'c 5:0', 'c 5:1', 'c 5:2', 'c 136:*'];

/**
 * The cgroups of one devbox under `/<instance>/<id>` in every hierarchy the
 * runtime uses: made and limited here before the devbox's first process
 * joins them (the OCI runtime runs with its cgroup manager off); freeze,
 * thaw and kill through the v2 group, OOM kills from the memory controller,
 * removal after the end.
 *
 * @example
 * const cg = new DevboxCgroups(layout, 'runloop-local-1a2b3c', 'dbx_1');
 * await cg.create(limits); await cg.freeze(); await cg.thaw(); await cg.kill(); await cg.remove();
 */
export class DevboxCgroups {
  private readonly unifiedDir: string;
  private readonly v1Dirs: Partial<Record<'memory' | 'cpu' | 'pids', string>>;
  private readonly devicesDir: string | undefined;
  constructor(
    private readonly layout: CgroupLayout,
    readonly instance: string,
    readonly id: string,
  ) {
    this.unifiedDir = join(layout.unified, instance, id);
    this.v1Dirs = Object.fromEntries(
      Object.entries(layout.v1).map(([controller, root]) => [controller, join(root, instance, id)]),
    );
    this.devicesDir = layout.devices && join(layout.devices, instance, id);
  }

  /** Every `cgroup.procs` of this devbox, the v2 group's first (a process joining it is frozen and killed with the devbox). */
  procsFiles(): string[] {
    return this.dirs().map((dir) => join(dir, 'cgroup.procs'));
  }

  /**
   * Makes the groups (a leftover of a crashed run is reused) and writes the
   * limits, before anything runs in them. Memory and swap together are
   * capped at `memoryBytes` (no swap beyond it), CPU as a quota per 100 ms.
   */
  async create(limits: ResourceLimits): Promise<void> {
    const period = 100_000;
    const quota = Math.max(1000, Math.round(limits.cpuCores * period));
    if (this.layout.pureV2) {
      // Controllers reach a group only through its parents' subtree_control.
      await enableV2Controllers(this.layout.unified, this.instance);
      await mkdir(this.unifiedDir, { recursive: true });
      await writeLimits(this.unifiedDir, [
        ['memory.max', String(limits.memoryBytes)],
        ['memory.swap.max', '0'],
        ['cpu.max', `${quota} ${period}`],
        ['pids.max', String(limits.maxPids)],
      ]);
      return;
    }
    await Promise.all(this.dirs().map((dir) => mkdir(dir, { recursive: true })));
    const { memory, cpu, pids } = this.v1Dirs;
    await Promise.all([
      // memsw counts memory + swap, so it may never be below the memory limit: memory first.
      memory &&
        writeLimits(memory, [
          ['memory.limit_in_bytes', String(limits.memoryBytes)],
          ...(existsSync(join(memory, 'memory.memsw.limit_in_bytes'))
            ? ([['memory.memsw.limit_in_bytes', String(limits.memoryBytes)]] as const)
            : []),
        ]),
      cpu &&
        writeLimits(cpu, [
          ['cpu.cfs_period_us', String(period)],
          ['cpu.cfs_quota_us', String(quota)],
        ]),
      pids && writeLimits(pids, [['pids.max', String(limits.maxPids)]]),
      this.devicesDir &&
        writeLimits(this.devicesDir, [
          ['devices.deny', 'a'],
          ...ALLOWED_DEVICES.map((device) => ['devices.allow', `${device} rwm`] as const),
        ]),
    ]);
  }

  /**
   * Freezes every process (and every process that joins later) and waits
   * until the kernel says so. A group that will not freeze in time (a task
   * stuck in the kernel) is thawed again, and the caller gets a
   * {@link DevboxBusyError}: never a devbox left half frozen.
   */
  async freeze(timeoutMs = FREEZE_TIMEOUT_MS): Promise<void> {
    await writeFile(join(this.unifiedDir, 'cgroup.freeze'), '1');
    try {
      await this.waitForEvent('frozen', '1', timeoutMs);
    } catch (error) {
      if (!(error instanceof RuntimeError)) throw error;
      await writeFile(join(this.unifiedDir, 'cgroup.freeze'), '0').catch(() => undefined);
      throw new DevboxBusyError(`devbox ${this.id} could not be paused within ${timeoutMs / 1000} s`);
    }
  }

  async thaw(): Promise<void> {
    await writeFile(join(this.unifiedDir, 'cgroup.freeze'), '0');
    await this.waitForEvent('frozen', '0');
  }

  /** SIGKILLs every process in the group (frozen ones too) and waits until it is empty. */
  async kill(): Promise<void> {
    if (!existsSync(this.unifiedDir)) return;
    await writeFile(join(this.unifiedDir, 'cgroup.kill'), '1').catch(ignoreMissing);
    await this.waitForEvent('populated', '0');
    // v1 groups hold the same processes, so they are empty now too.
  }

  /** How many processes the memory controller OOM-killed in this group. */
  oomKills(): number {
    try {
      const file = this.layout.pureV2
        ? join(this.unifiedDir, 'memory.events')
        : this.v1Dirs.memory && join(this.v1Dirs.memory, 'memory.oom_control');
      if (!file) return 0;
      const match = /^oom_kill (\d+)$/m.exec(readFileSync(file, 'utf8'));
      return match ? Number(match[1]) : 0;
    } catch {
      return 0;
    }
  }

  /** Removes the (empty) groups; the kernel may report EBUSY for a moment after the last exit. */
  async remove(): Promise<void> {
    for (const dir of this.dirs()) await removeCgroupDir(dir);
  }

  private dirs(): string[] {
    return [this.unifiedDir, ...Object.values(this.v1Dirs), ...(this.devicesDir ? [this.devicesDir] : [])];
  }

  private async waitForEvent(key: string, value: string, timeoutMs = 10_000): Promise<void> {
    const file = join(this.unifiedDir, 'cgroup.events');
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      let events: string;
      try {
        events = await readFile(file, 'utf8');
      } catch (error) {
        // Group gone (ENODEV: removed while we read it): nothing to wait for.
        if (isGone(error)) return;
        throw error;
      }
      if (new RegExp(`^${key} ${value}$`, 'm').test(events)) return;
      if (Date.now() > deadline) throw new RuntimeError(`cgroup ${this.id}: timed out waiting for ${key}=${value}`);
      await sleep(POLL_MS);
    }
  }
}

/**
 * Kills and removes every devbox group under `instance` in each of
 * `hierarchies` (cgroup mount points), except those in `keep` (the caller's
 * live devboxes). Returns the ids reaped.
 *
 * @example
 * await reapInstanceCgroups(['/sys/fs/cgroup/unified', '/sys/fs/cgroup/memory'], '/sys/fs/cgroup/unified', 'runloop-local-1a2b3c', new Set());
 */
export async function reapInstanceCgroups(
  hierarchies: readonly string[],
  unified: string,
  instance: string,
  keep: ReadonlySet<string>,
): Promise<string[]> {
  const ids = new Set<string>();
  for (const root of hierarchies) {
    for (const name of await readdir(join(root, instance)).catch(() => [] as string[])) {
      if (existsSync(join(root, instance, name, 'cgroup.procs')) && !keep.has(name)) ids.add(name);
    }
  }
  for (const id of ids) {
    const v2 = join(unified, instance, id);
    if (existsSync(v2)) {
      await writeFile(join(v2, 'cgroup.kill'), '1').catch(() => undefined);
      await waitUntilEmpty(join(v2, 'cgroup.events'));
    }
    for (const root of hierarchies) {
      // A group that only survived in a v1 hierarchy has no cgroup.kill: signal its members.
      await killMembers(join(root, instance, id, 'cgroup.procs'));
      await removeCgroupDir(join(root, instance, id));
    }
  }
  if (keep.size === 0) {
    for (const root of hierarchies) await removeCgroupDir(join(root, instance)).catch(() => undefined);
  }
  return [...ids];
}

/** Writes limit files in order (some depend on the one before). */
async function writeLimits(dir: string, settings: ReadonlyArray<readonly [string, string]>): Promise<void> {
  for (const [file, value] of settings) {
    try {
      await writeFile(join(dir, file), value);
    } catch (error) {
      throw new RuntimeError(`cannot set ${file} of ${dir} to ${value}`, { cause: error });
    }
  }
}

/** Pure v2: the memory, cpu and pids controllers enabled for the instance dir and its children. */
async function enableV2Controllers(root: string, instance: string): Promise<void> {
  await mkdir(join(root, instance), { recursive: true });
  for (const dir of [root, join(root, instance)]) {
    await writeFile(join(dir, 'cgroup.subtree_control'), '+memory +cpu +pids').catch((error: unknown) => {
      throw new RuntimeError(`cannot enable the memory, cpu and pids controllers in ${dir}`, { cause: error });
    });
  }
}

async function waitUntilEmpty(eventsFile: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const events = await readFile(eventsFile, 'utf8').catch(() => 'populated 0');
    if (/^populated 0$/m.test(events)) return;
    await sleep(POLL_MS);
  }
}

async function killMembers(procsFile: string): Promise<void> {
  const text = await readFile(procsFile, 'utf8').catch(() => '');
  for (const pid of text.split('\n').filter(Boolean).map(Number)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

/**
 * rmdir with a retry on EBUSY (the kernel frees a group a moment after its
 * last process exits); a missing dir is fine.
 *
 * @example
 * await removeCgroupDir('/sys/fs/cgroup/unified/runloop-local-ab12/dbx_1');
 */
export async function removeCgroupDir(dir: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await rmdir(dir);
      return;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return;
      if (code !== 'EBUSY' && code !== 'ENOTEMPTY') throw error;
      if (Date.now() > deadline) throw new RuntimeError(`cgroup ${dir} stays busy`, { cause: error });
      await sleep(10);
    }
  }
}

function ignoreMissing(error: NodeJS.ErrnoException): void {
  if (!isGone(error)) throw error;
}

/** A cgroup file of a group removed meanwhile: ENOENT on open, ENODEV on a read or write of an open one. */
function isGone(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ENODEV';
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
