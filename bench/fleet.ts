/**
 * Fleet: 50 devboxes created at once through the SDK, wall time until all
 * are running; then all shut down.
 */
import { catchError, forkJoin, lastValueFrom, of, toArray } from 'rxjs';
import type { Devbox } from '../src/index.js';
import type { BenchContext } from './support/context.js';
import { elapsedMs, fmt, type ResultRow } from './support/stats.js';

const FLEET = 50;

/** @example const rows = await benchFleet(ctx); */
export async function benchFleet(ctx: BenchContext): Promise<ResultRow[]> {
  const start = performance.now();
  let devboxes: Devbox[] = [];
  try {
    devboxes = await lastValueFrom(forkJoin(Array.from({ length: FLEET }, (_, i) => ctx.sdk.devbox.create({ name: `bench-fleet-${i}` }))));
    const upMs = elapsedMs(start);
    const downStart = performance.now();
    await lastValueFrom(forkJoin(devboxes.map((d) => d.shutdown())));
    const downMs = elapsedMs(downStart);
    return [
      { benchmark: `fleet: ${FLEET} devboxes to running, s`, sdk: fmt(upMs / 1000, 2), raw: '-', ratio: '-', target: '< 3 s', verdict: upMs < 3000 ? 'met' : 'MISSED' },
      { benchmark: `fleet: ${FLEET} devboxes shut down, s`, sdk: fmt(downMs / 1000, 2), raw: '-', ratio: '-', target: '-', verdict: '-' },
    ];
  } finally {
    // Whatever happened above, nothing of the fleet stays up.
    const running = await lastValueFrom(ctx.sdk.devbox.list({ status: 'running' }).pipe(toArray()));
    const ours = running.filter((d) => d.initial?.name?.startsWith('bench-fleet-'));
    if (ours.length > 0) await lastValueFrom(forkJoin(ours.map((d) => d.shutdown().pipe(catchError(() => of(null))))));
  }
}
