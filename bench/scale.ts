/**
 * Scale: 200 devboxes running at once on this machine, created through
 * runloop-rx, 25 creates in flight at a time. Reports the time until all run, host memory per
 * idle devbox (host used memory, MemTotal − MemAvailable, before and after,
 * settled), the server's RSS per devbox, exec p50 on one devbox while the
 * others idle (runloop-rx and the official client interleaved, with the
 * host spawn floor), and the shutdown of all. Targets: all running in under
 * 10 s, under 5 MB host memory per idle devbox.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { forkJoin, lastValueFrom, mergeMap, from, toArray } from 'rxjs';
import type { Devbox } from '../src/index.js';
import { atLeastOfficial, compareRow, withinFloor } from './support/compare.js';
import type { BenchContext } from './support/context.js';
import { spawnFloor } from './support/floors.js';
import { descendantsPssMb, devboxCgroupsMb, hostUsedMb, rssOfPid } from './support/memory.js';
import { elapsedMs, fmt, infoRow, interleave, type ResultRow } from './support/stats.js';
import { shutDownByPrefix } from './fleet.js';

const COUNT = 200;
/**
 * Creates in flight at once: the client keeps a window, as a user would. A burst is CPU-bound on
 * 2 cores (about 0.1 s of CPU per start since the launcher and crun, 0.35 s before; see
 * local/src/runtime/README.md, "Start speed"), so a wider window only makes each start wait longer.
 */
const IN_FLIGHT = 25;
const EXEC_ROUNDS = 60;
const PREFIX = 'bench-scale-';
/** Memory is read after the start's transients (page cache of mkfs, dead runc processes) settle. */
const SETTLE_MS = 3000;

/** Host used memory after dropping what the kernel can drop on its own (clean page cache stays out via MemAvailable). */
async function settledHostUsedMb(): Promise<number> {
  global.gc?.();
  await sleep(SETTLE_MS);
  return hostUsedMb();
}

/** @example const rows = await benchScale(ctx); */
export async function benchScale(ctx: BenchContext): Promise<ResultRow[]> {
  try {
    const hostBefore = await settledHostUsedMb();
    const serverBefore = rssOfPid(ctx.server.pid);
    const start = performance.now();
    const devboxes = await lastValueFrom(
      from(Array.from({ length: COUNT }, (_, i) => i)).pipe(
        mergeMap((i) => ctx.sdk.devbox.create({ name: `${PREFIX}${i}` }), IN_FLIGHT),
        toArray(),
      ),
    );
    const upMs = elapsedMs(start);
    const hostAfter = await settledHostUsedMb();
    const serverAfter = rssOfPid(ctx.server.pid);
    const processesPerBox = descendantsPssMb(ctx.server.pid) / COUNT;
    const cgroupsPerBox = devboxCgroupsMb(ctx.server.dataDir) / COUNT;
    // What one idle devbox holds, counted from its own parts: its cgroup's charge plus its host-side
    // processes (the agent is in both: an overestimate). The host-wide figure is shown too, but on a
    // machine shared with other work it moves by more than 200 devboxes weigh.
    const ownPerBox = cgroupsPerBox + processesPerBox;
    const one = devboxes[0] as Devbox;
    const official = ctx.official.sdk.devbox.fromId(one.id);
    const exec = await interleave(EXEC_ROUNDS, {
      rx: async () => {
        const t = performance.now();
        await lastValueFrom(one.cmd.exec('true'));
        return elapsedMs(t);
      },
      official: async () => {
        const t = performance.now();
        await official.cmd.exec('true');
        return elapsedMs(t);
      },
      spawn: () => spawnFloor('/bin/true'),
    });
    const downStart = performance.now();
    await lastValueFrom(forkJoin(devboxes.map((d) => d.shutdown())));
    const downMs = elapsedMs(downStart);
    const perBox = (hostAfter - hostBefore) / COUNT;
    return [
      infoRow(`scale: ${COUNT} devboxes created (${IN_FLIGHT} in flight) until all running, s`, fmt(upMs / 1000, 2), {
        target: '< 10 s',
        verdict: upMs < 10_000 ? 'met' : 'MISSED',
      }),
      infoRow('scale: host memory per idle devbox: its cgroup charge + its processes (PSS), MB', fmt(ownPerBox, 2), {
        target: '< 5 MB',
        verdict: ownPerBox < 5 ? 'met' : 'MISSED',
      }),
      infoRow('scale: … of which its processes (shim, agent, network helper; PSS), MB', fmt(processesPerBox, 2)),
      infoRow(
        `scale: host used memory (MemTotal − MemAvailable) growth per devbox, settled ${SETTLE_MS / 1000} s (noisy on a shared machine), MB`,
        fmt(perBox, 2),
      ),
      infoRow('scale: server RSS growth per running devbox, MB', fmt((serverAfter - serverBefore) / COUNT, 2)),
      compareRow({
        benchmark: `scale: exec 'true' p50 on one devbox while ${COUNT - 1} idle (floor: host spawn), n=${EXEC_ROUNDS}`,
        unit: 'ms',
        digits: 2,
        rx: exec.rx,
        official: exec.official,
        floor: exec.spawn,
        targets: [atLeastOfficial('ms'), withinFloor('ms', 1.5, 'spawn floor')],
      }),
      infoRow(`scale: ${COUNT} devboxes shut down at once, s`, fmt(downMs / 1000, 2)),
    ];
  } finally {
    // Also after a failed create: every devbox of this case goes, whichever ones came up.
    await shutDownByPrefix(ctx, PREFIX);
  }
}
