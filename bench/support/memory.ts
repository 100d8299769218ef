/**
 * Memory readings from /proc: a process's resident set (the server's), the
 * host's used memory (for the cost of idle devboxes), and peak sampling.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { runtimeInstanceName } from '../../local/src/runtime/instance.js';
import { rssMb } from './stats.js';

/**
 * Resident set of process `pid` in MB; NaN when it is gone.
 *
 * @example
 * rssOfPid(server.pid); // 92.4
 */
export function rssOfPid(pid: number): number {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) / 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

/**
 * Host memory in use, MB: MemTotal − MemAvailable (what the kernel could not hand out now).
 *
 * @example
 * const before = hostUsedMb(); startMany(); const perBox = (hostUsedMb() - before) / n;
 */
export function hostUsedMb(): number {
  const text = readFileSync('/proc/meminfo', 'utf8');
  const kb = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? Number.NaN);
  return (kb('MemTotal') - kb('MemAvailable')) / 1024;
}

/** Growth of the client's and the server's RSS over a piece of work, MB (peak − start). */
export interface RssGrowth {
  readonly clientMb: number;
  readonly serverMb: number;
}

/**
 * Runs `work` while sampling both RSS values every 25 ms; returns its value and the peak growth.
 *
 * @example
 * const { value, growth } = await withRssGrowth(server.pid, () => upload());
 */
export async function withRssGrowth<T>(
  serverPid: number,
  work: () => Promise<T>,
): Promise<{ value: T; growth: RssGrowth }> {
  global.gc?.();
  const start = { client: rssMb(), server: rssOfPid(serverPid) };
  const peak = { ...start };
  const sample = () => {
    peak.client = Math.max(peak.client, rssMb());
    peak.server = Math.max(peak.server, rssOfPid(serverPid));
  };
  const sampler = setInterval(sample, 25);
  try {
    const value = await work();
    sample();
    return { value, growth: { clientMb: peak.client - start.client, serverMb: peak.server - start.server } };
  } finally {
    clearInterval(sampler);
  }
}

/**
 * Proportional set size (shared pages split among their users) of every
 * process below `pid`, not `pid` itself, in MB: what the server's devboxes
 * (shims, agents, network helpers, everything run inside) hold in memory.
 *
 * @example
 * descendantsPssMb(server.pid) / devboxCount;
 */
export function descendantsPssMb(pid: number): number {
  const parentOf = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      parentOf.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // Gone meanwhile.
    }
  }
  const below = (p: number): boolean => {
    for (let up = parentOf.get(p); up !== undefined && up > 1; up = parentOf.get(up)) if (up === pid) return true;
    return false;
  };
  let kb = 0;
  for (const p of parentOf.keys()) {
    if (!below(p)) continue;
    try {
      kb += Number(/^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${p}/smaps_rollup`, 'utf8'))?.[1] ?? 0);
    } catch {
      // Gone meanwhile.
    }
  }
  return kb / 1024;
}

/**
 * Memory charged to all devbox cgroups of the server on `dataDir` (their
 * processes, page cache and, where the kernel accounts it, kernel memory), MB;
 * NaN when the memory controller is not found.
 *
 * @example
 * devboxCgroupsMb(server.dataDir) / devboxCount;
 */
export function devboxCgroupsMb(dataDir: string): number {
  const instance = runtimeInstanceName(dataDir);
  for (const file of [
    `/sys/fs/cgroup/memory/${instance}/memory.usage_in_bytes`,
    `/sys/fs/cgroup/${instance}/memory.current`,
  ]) {
    if (existsSync(file)) return Number(readFileSync(file, 'utf8')) / 1024 / 1024;
  }
  return Number.NaN;
}
