/**
 * Snapshot and restore of 100 MB: a devbox holds a 100 MB file; runloop-rx
 * and the official client each snapshot its disk (until complete) and start
 * a devbox from that snapshot (until running), interleaved. The restored
 * devbox must hold the whole file; it and the snapshot are removed after.
 */
import { firstValueFrom, lastValueFrom } from 'rxjs';
import { atLeastOfficial, compareRow } from './support/compare.js';
import type { BenchContext } from './support/context.js';
import { elapsedMs, interleave, type ResultRow } from './support/stats.js';

const ROUNDS = 2;
const SIZE = 100 * 1024 * 1024;
const CHECK = 'stat -c %s ~/payload.bin';

interface Timing {
  readonly snapshotMs: number;
  readonly restoreMs: number;
}

async function rxRound(ctx: BenchContext, sourceId: string, round: number): Promise<Timing> {
  const source = ctx.sdk.devbox.attach(sourceId);
  let start = performance.now();
  const snapshot = await lastValueFrom(source.snapshotDisk({ name: `bench-snap-rx-${round}` }));
  const snapshotMs = elapsedMs(start);
  start = performance.now();
  const restored = await firstValueFrom(snapshot.createDevbox());
  const restoreMs = elapsedMs(start);
  try {
    const size = await firstValueFrom((await lastValueFrom(restored.cmd.exec(CHECK))).stdout());
    if (Number(size) !== SIZE) throw new Error(`restored devbox holds ${size.trim()} bytes`);
  } finally {
    await lastValueFrom(restored.shutdown());
    await lastValueFrom(snapshot.delete());
  }
  return { snapshotMs, restoreMs };
}

async function officialRound(ctx: BenchContext, sourceId: string, round: number): Promise<Timing> {
  const source = ctx.official.sdk.devbox.fromId(sourceId);
  let start = performance.now();
  const snapshot = await source.snapshotDisk({ name: `bench-snap-official-${round}` });
  const snapshotMs = elapsedMs(start);
  start = performance.now();
  const restored = await snapshot.createDevbox();
  const restoreMs = elapsedMs(start);
  try {
    const size = await (await restored.cmd.exec(CHECK)).stdout();
    if (Number(size) !== SIZE) throw new Error(`restored devbox holds ${size.trim()} bytes`);
  } finally {
    await restored.shutdown();
    await snapshot.delete();
  }
  return { snapshotMs, restoreMs };
}

/** @example const rows = await benchSnapshot(ctx); */
export async function benchSnapshot(ctx: BenchContext): Promise<ResultRow[]> {
  const source = await firstValueFrom(ctx.sdk.devbox.create({ name: 'bench-snap-source' }));
  try {
    const written = await lastValueFrom(source.cmd.exec(`head -c ${SIZE} /dev/urandom > ~/payload.bin`));
    if (written.exitCode !== 0) throw new Error(`cannot write the payload (exit ${written.exitCode})`);
    let round = 0;
    const runs = await interleave(ROUNDS, {
      rx: () => rxRound(ctx, source.id, round++),
      official: () => officialRound(ctx, source.id, round++),
    });
    return [
      compareRow({
        benchmark: `snapshot of a devbox holding 100 MB, until complete, n=${ROUNDS}`,
        unit: 'ms',
        digits: 0,
        rx: runs.rx.map((t) => t.snapshotMs),
        official: runs.official.map((t) => t.snapshotMs),
        targets: [atLeastOfficial('ms')],
      }),
      compareRow({
        benchmark: `restore: devbox from that snapshot, until running, n=${ROUNDS}`,
        unit: 'ms',
        digits: 0,
        rx: runs.rx.map((t) => t.restoreMs),
        official: runs.official.map((t) => t.restoreMs),
        targets: [atLeastOfficial('ms')],
      }),
    ];
  } finally {
    await lastValueFrom(source.shutdown());
  }
}
