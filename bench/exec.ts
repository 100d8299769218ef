/**
 * Exec round trip on a running devbox: SDK `cmd.exec('true')` against a raw
 * undici POST /execute, interleaved (alternating order) so noise hits both.
 */
import { firstValueFrom, lastValueFrom, timeout } from 'rxjs';
import { uuidv7 } from '../src/index.js';
import type { Devbox } from '../src/index.js';
import type { BenchContext } from './support/context.js';
import { elapsedMs, fmt, quantile, sideBySide, type ResultRow } from './support/stats.js';

const ROUNDS = 300;
const WARMUP = 20;
/** A command that never finishes (seen on this runtime) must not stall the bench. */
const HANG_MS = 10_000;

async function sdkExec(devbox: Devbox): Promise<number | undefined> {
  const start = performance.now();
  try {
    await lastValueFrom(devbox.cmd.exec('true').pipe(timeout(HANG_MS)));
    return elapsedMs(start);
  } catch {
    return undefined;
  }
}

async function rawExec(ctx: BenchContext, devboxId: string): Promise<number | undefined> {
  const start = performance.now();
  try {
    const view = await ctx.raw.json('POST', `/v1/devboxes/${devboxId}/execute`, { command: 'true', command_id: uuidv7() }, AbortSignal.timeout(HANG_MS));
    return view?.status === 'completed' ? elapsedMs(start) : undefined;
  } catch {
    return undefined;
  }
}

/** @example const rows = await benchExec(ctx); */
export async function benchExec(ctx: BenchContext): Promise<ResultRow[]> {
  const devbox = await firstValueFrom(ctx.sdk.devbox.create({ name: 'bench-exec' }));
  try {
    for (let i = 0; i < WARMUP; i++) {
      await sdkExec(devbox);
      await rawExec(ctx, devbox.id);
    }
    const runs = await sideBySide(ROUNDS, () => sdkExec(devbox), () => rawExec(ctx, devbox.id));
    // A run that did not complete in time is counted, not timed.
    const completed = (ms: number | undefined): ms is number => ms !== undefined;
    const sdk = runs.sdk.filter(completed);
    const raw = runs.raw.filter(completed);
    const sdkMisses = runs.sdk.length - sdk.length;
    const rawMisses = runs.raw.length - raw.length;
    const [s50, s90, r50, r90] = [quantile(sdk, 0.5), quantile(sdk, 0.9), quantile(raw, 0.5), quantile(raw, 0.9)];
    const misses = sdkMisses + rawMisses > 0 ? ` (${sdkMisses} sdk / ${rawMisses} raw runs did not complete in ${HANG_MS / 1000} s)` : '';
    return [
      {
        benchmark: `exec 'true' p50 ms, n=${ROUNDS}${misses}`,
        sdk: fmt(s50, 2),
        raw: fmt(r50, 2),
        ratio: fmt(s50 / r50, 3),
        target: 'p50 < 25 ms, ratio <= 1.10',
        verdict: s50 < 25 && s50 / r50 <= 1.1 ? 'met' : 'MISSED',
      },
      { benchmark: 'exec p90 ms', sdk: fmt(s90, 2), raw: fmt(r90, 2), ratio: fmt(s90 / r90, 3), target: '-', verdict: '-' },
    ];
  } finally {
    await lastValueFrom(devbox.shutdown());
  }
}
