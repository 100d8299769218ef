/**
 * Memory readings from /proc: a process's resident set (the server's), the
 * host's used memory (for the cost of idle devboxes), and peak sampling.
 */
import { readFileSync } from 'node:fs';
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
export async function withRssGrowth<T>(serverPid: number, work: () => Promise<T>): Promise<{ value: T; growth: RssGrowth }> {
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
