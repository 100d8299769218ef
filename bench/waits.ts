/**
 * HTTP requests per wait, counted on both clients' own transports: waiting
 * for a new devbox to run, for a 3 s command to finish (result of an async
 * start, and a whole exec), for a suspend and a resume, and for a disk
 * snapshot. Target: runloop-rx sends no more than the official client.
 */
import { firstValueFrom, lastValueFrom } from 'rxjs';
import type { Devbox } from '../src/index.js';
import { atLeastOfficial, compareRow } from './support/compare.js';
import type { BenchContext } from './support/context.js';
import type { ResultRow } from './support/stats.js';

interface Counts {
  create: number;
  result: number;
  exec: number;
  suspended: number;
  resumed: number;
  snapshot: number;
}

const LABELS: Record<keyof Counts, string> = {
  create: 'create devbox + await running (incl. the create)',
  result: "result of an async 'sleep 3'",
  exec: "exec 'sleep 3' (incl. the start)",
  suspended: 'await suspended (after the suspend call)',
  resumed: 'await running after resume (after the resume call)',
  snapshot: 'snapshot await completed (after the snapshot call)',
};

async function rxCounts(ctx: BenchContext): Promise<Counts> {
  const count = async (work: () => Promise<unknown>) => (ctx.agent.reset(), await work(), ctx.agent.total);
  let box: Devbox | undefined;
  const counts = {} as Counts;
  try {
    counts.create = await count(
      async () => (box = await firstValueFrom(ctx.sdk.devbox.create({ name: 'bench-waits-rx' }))),
    );
    const devbox = box as Devbox;
    const execution = await firstValueFrom(devbox.cmd.execAsync('sleep 3'));
    counts.result = await count(() => lastValueFrom(execution.result()));
    counts.exec = await count(() => lastValueFrom(devbox.cmd.exec('sleep 3')));
    await lastValueFrom(devbox.suspendAsync());
    counts.suspended = await count(() => lastValueFrom(devbox.awaitSuspended()));
    await lastValueFrom(devbox.resumeAsync());
    counts.resumed = await count(() => lastValueFrom(devbox.awaitRunning()));
    const snapshot = await firstValueFrom(devbox.snapshotDiskAsync({ name: 'bench-waits-rx' }));
    counts.snapshot = await count(() => lastValueFrom(snapshot.awaitCompleted()));
    await lastValueFrom(snapshot.delete());
    return counts;
  } finally {
    if (box) await lastValueFrom(box.shutdown()).catch(() => undefined);
  }
}

async function officialCounts(ctx: BenchContext): Promise<Counts> {
  const official = ctx.official;
  const count = async (work: () => Promise<unknown>) => (official.reset(), await work(), official.total());
  let box: Awaited<ReturnType<typeof official.sdk.devbox.create>> | undefined;
  const counts = {} as Counts;
  try {
    counts.create = await count(async () => (box = await official.sdk.devbox.create({ name: 'bench-waits-official' })));
    const devbox = box!;
    const execution = await devbox.cmd.execAsync('sleep 3');
    counts.result = await count(() => execution.result());
    counts.exec = await count(() => devbox.cmd.exec('sleep 3'));
    await devbox.suspend();
    counts.suspended = await count(() => devbox.awaitSuspended());
    await devbox.resumeAsync();
    counts.resumed = await count(() => devbox.awaitRunning());
    const snapshot = await devbox.snapshotDiskAsync({ name: 'bench-waits-official' });
    counts.snapshot = await count(() => snapshot.awaitCompleted());
    await snapshot.delete();
    return counts;
  } finally {
    if (box) await box.shutdown().catch(() => undefined);
  }
}

/** @example const rows = await benchWaits(ctx); */
export async function benchWaits(ctx: BenchContext): Promise<ResultRow[]> {
  // Both clients at once (each has its own counter): it halves the wall time, and the waits are long-polls either way.
  const [rx, official] = await Promise.all([rxCounts(ctx), officialCounts(ctx)]);
  return (Object.keys(LABELS) as (keyof Counts)[]).map((key) =>
    compareRow({
      benchmark: `requests per wait: ${LABELS[key]}`,
      unit: 'requests',
      rx: [rx[key]],
      official: [official[key]],
      targets: [atLeastOfficial('requests')],
    }),
  );
}
