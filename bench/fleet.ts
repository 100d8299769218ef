/**
 * Fleet: 20 devboxes created at once, wall time until all are running, then
 * all shut down; runloop-rx and the official client take turns (interleaved
 * rounds). A fleet of either client is always shut down, whatever happened.
 */
import { catchError, forkJoin, lastValueFrom, of, toArray } from 'rxjs';
import type { Devbox } from '../src/index.js';
import { atLeastOfficial, compareRow } from './support/compare.js';
import type { BenchContext } from './support/context.js';
import { elapsedMs, interleave, type ResultRow } from './support/stats.js';

const FLEET = 20;
const ROUNDS = 2;
const PREFIX = 'bench-fleet-';

interface FleetTiming {
  readonly upMs: number;
  readonly downMs: number;
}

async function rxFleet(ctx: BenchContext): Promise<FleetTiming> {
  const start = performance.now();
  const devboxes: Devbox[] = await lastValueFrom(
    forkJoin(Array.from({ length: FLEET }, (_, i) => ctx.sdk.devbox.create({ name: `${PREFIX}rx-${i}` }))),
  );
  const upMs = elapsedMs(start);
  const down = performance.now();
  await lastValueFrom(forkJoin(devboxes.map((d) => d.shutdown())));
  return { upMs, downMs: elapsedMs(down) };
}

async function officialFleet(ctx: BenchContext): Promise<FleetTiming> {
  const start = performance.now();
  const devboxes = await Promise.all(
    Array.from({ length: FLEET }, (_, i) => ctx.official.sdk.devbox.create({ name: `${PREFIX}official-${i}` })),
  );
  const upMs = elapsedMs(start);
  const down = performance.now();
  await Promise.all(devboxes.map((d) => d.shutdown()));
  return { upMs, downMs: elapsedMs(down) };
}

/**
 * Shuts down every running devbox whose name starts with `prefix` (after a failed round).
 *
 * @example
 * await shutDownByPrefix(ctx, 'bench-fleet-');
 */
export async function shutDownByPrefix(ctx: BenchContext, prefix: string): Promise<void> {
  const running = await lastValueFrom(ctx.sdk.devbox.list({ status: 'running' }).pipe(toArray()));
  const ours = running.filter((d) => d.initial?.name?.startsWith(prefix));
  if (ours.length > 0) await lastValueFrom(forkJoin(ours.map((d) => d.shutdown().pipe(catchError(() => of(null))))));
}

/** @example const rows = await benchFleet(ctx); */
export async function benchFleet(ctx: BenchContext): Promise<ResultRow[]> {
  try {
    const runs = await interleave(ROUNDS, { rx: () => rxFleet(ctx), official: () => officialFleet(ctx) });
    return [
      compareRow({
        benchmark: `fleet: ${FLEET} devboxes created at once, until all running, n=${ROUNDS}`,
        unit: 'ms',
        digits: 0,
        rx: runs.rx.map((t) => t.upMs),
        official: runs.official.map((t) => t.upMs),
        targets: [atLeastOfficial('ms')],
      }),
      compareRow({
        benchmark: `fleet: ${FLEET} devboxes shut down at once`,
        unit: 'ms',
        digits: 0,
        rx: runs.rx.map((t) => t.downMs),
        official: runs.official.map((t) => t.downMs),
      }),
    ];
  } finally {
    await shutDownByPrefix(ctx, PREFIX);
  }
}
