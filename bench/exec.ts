/**
 * Exec round trip on a running devbox: runloop-rx `cmd.exec('true')`, the
 * official client's `cmd.exec('true')`, a raw undici POST /execute, and the
 * machine's process-spawn floor (`/bin/true` on the host), interleaved.
 */
import { firstValueFrom, lastValueFrom, timeout } from 'rxjs';
import { uuidv7 } from '../src/index.js';
import type { Devbox } from '../src/index.js';
import { atLeastOfficial, compareRow, withinFloor } from './support/compare.js';
import type { BenchContext } from './support/context.js';
import { spawnFloor } from './support/floors.js';
import { elapsedMs, interleave, quantile, type ResultRow } from './support/stats.js';

const ROUNDS = 150;
const WARMUP = 15;
/** A command that never finishes (seen on this runtime) must not stall the bench. */
const HANG_MS = 10_000;

async function rxExec(devbox: Devbox): Promise<number> {
  const start = performance.now();
  await lastValueFrom(devbox.cmd.exec('true').pipe(timeout(HANG_MS)));
  return elapsedMs(start);
}

async function officialExec(ctx: BenchContext, id: string): Promise<number> {
  const start = performance.now();
  await ctx.official.sdk.devbox.fromId(id).cmd.exec('true');
  return elapsedMs(start);
}

async function rawExec(ctx: BenchContext, devboxId: string): Promise<number> {
  const start = performance.now();
  const view = await ctx.raw.json(
    'POST',
    `/v1/devboxes/${devboxId}/execute`,
    { command: 'true', command_id: uuidv7() },
    AbortSignal.timeout(HANG_MS),
  );
  if (view?.status !== 'completed') throw new Error(`raw exec: ${JSON.stringify(view).slice(0, 200)}`);
  return elapsedMs(start);
}

/** @example const rows = await benchExec(ctx); */
export async function benchExec(ctx: BenchContext): Promise<ResultRow[]> {
  const devbox = await firstValueFrom(ctx.sdk.devbox.create({ name: 'bench-exec' }));
  try {
    const sides = {
      rx: () => rxExec(devbox),
      official: () => officialExec(ctx, devbox.id),
      raw: () => rawExec(ctx, devbox.id),
      spawn: () => spawnFloor('/bin/true'),
    };
    await interleave(WARMUP, sides);
    const runs = await interleave(ROUNDS, sides);
    const p90 = (xs: number[]) => [quantile(xs, 0.9)];
    return [
      compareRow({
        benchmark: `exec 'true' round trip p50 (floor: host spawn /bin/true), n=${ROUNDS}`,
        unit: 'ms',
        digits: 2,
        rx: runs.rx,
        official: runs.official,
        floor: runs.spawn,
        targets: [atLeastOfficial('ms'), withinFloor('ms', 1.5, 'spawn floor')],
      }),
      compareRow({
        benchmark: `exec 'true' round trip p90`,
        unit: 'ms',
        digits: 2,
        rx: p90(runs.rx),
        official: p90(runs.official),
        floor: p90(runs.spawn),
      }),
      compareRow({
        benchmark: `exec 'true' p50, raw undici POST /execute in the rx column (the HTTP floor)`,
        unit: 'ms',
        digits: 2,
        rx: runs.raw,
        official: runs.official,
        floor: runs.spawn,
      }),
    ];
  } finally {
    await lastValueFrom(devbox.shutdown());
  }
}
