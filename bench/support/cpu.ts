/**
 * CPU time readings from /proc and the devboxes' cgroups: where a piece of
 * work spends its CPU, by process (this client, the server, the devbox with
 * its agent and commands). On 2 cores they all compete, so CPU per megabyte
 * says more than a rate does.
 */
import { readFileSync } from 'node:fs';
import { runtimeInstanceName } from '../../local/src/runtime/instance.js';

/** Clock ticks per second of /proc/<pid>/stat (USER_HZ, 100 on Linux). */
const TICKS_PER_SECOND = 100;

/**
 * User + system CPU seconds of process `pid` so far (its own threads, not its children); NaN when it is gone.
 *
 * @example
 * const before = cpuSecondsOfPid(server.pid);
 */
export function cpuSecondsOfPid(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // Fields 14 and 15 of stat(5) (utime, stime); the slice starts at field 3.
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return Number.NaN;
  }
}

/**
 * CPU seconds used so far by everything in devbox `devboxId` of the server on `dataDir` (its agent and
 * commands), from its cgroup v2 `cpu.stat` (hybrid or pure v2 host); NaN when not found.
 *
 * @example
 * const before = devboxCpuSeconds(server.dataDir, devbox.id);
 */
export function devboxCpuSeconds(dataDir: string, devboxId: string): number {
  const instance = runtimeInstanceName(dataDir);
  for (const root of ['/sys/fs/cgroup/unified', '/sys/fs/cgroup']) {
    try {
      const text = readFileSync(`${root}/${instance}/${devboxId}/cpu.stat`, 'utf8');
      const match = /^usage_usec (\d+)$/m.exec(text);
      if (match) return Number(match[1]) / 1e6;
    } catch {
      // Not this layout.
    }
  }
  return Number.NaN;
}

/** CPU seconds a piece of work took, by process. */
export interface CpuSplit {
  readonly client: number;
  readonly server: number;
  readonly devbox: number;
}

/**
 * Runs `work` and returns its value and the CPU seconds it took in this process, the server and the devbox.
 *
 * @example
 * const { value, cpu } = await withCpu(server, devbox.id, () => stream());
 */
export async function withCpu<T>(
  server: { readonly pid: number; readonly dataDir: string },
  devboxId: string,
  work: () => Promise<T>,
): Promise<{ value: T; cpu: CpuSplit }> {
  const read = () => {
    const own = process.cpuUsage();
    return {
      client: (own.user + own.system) / 1e6,
      server: cpuSecondsOfPid(server.pid),
      devbox: devboxCpuSeconds(server.dataDir, devboxId),
    };
  };
  const before = read();
  const value = await work();
  const after = read();
  return {
    value,
    cpu: {
      client: after.client - before.client,
      server: after.server - before.server,
      devbox: after.devbox - before.devbox,
    },
  };
}
