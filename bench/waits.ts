/**
 * HTTP requests per wait, counted by the SDK's dispatcher: waiting for a new
 * devbox to run, for a 3 s command to finish, for a suspend and a resume,
 * and (fixed-interval polling) for a disk snapshot.
 */
import { firstValueFrom, lastValueFrom, switchMap } from 'rxjs';
import type { Devbox } from '../src/index.js';
import type { BenchContext } from './support/context.js';
import type { ResultRow } from './support/stats.js';

const TARGET = 3;

/** Counts the requests `work` sends through the SDK. */
async function count(ctx: BenchContext, work: () => Promise<unknown>): Promise<number> {
  ctx.agent.reset();
  await work();
  return ctx.agent.total;
}

function row(label: string, requests: number, note = ''): ResultRow {
  return { benchmark: `requests per wait: ${label}`, sdk: String(requests), raw: '-', ratio: '-', target: `<= ${TARGET}${note}`, verdict: requests <= TARGET ? 'met' : 'MISSED' };
}

/** @example const rows = await benchWaits(ctx); */
export async function benchWaits(ctx: BenchContext): Promise<ResultRow[]> {
  let devboxId: string | undefined;
  try {
    const rows: ResultRow[] = [];
    let devbox: Devbox | undefined;
    rows.push(row('create devbox + await running', await count(ctx, async () => (devbox = await firstValueFrom(ctx.sdk.devbox.create({ name: 'bench-waits' })))), ' (incl. the create)'));
    if (devbox === undefined) throw new Error('no devbox');
    const box = devbox;
    devboxId = box.id;
    const execution = await firstValueFrom(box.cmd.execAsync('sleep 3'));
    rows.push(row("execution.result() of 'sleep 3'", await count(ctx, () => lastValueFrom(execution.result()))));
    rows.push(row("cmd.exec('sleep 3')", await count(ctx, () => lastValueFrom(box.cmd.exec('sleep 3'))), ' (incl. the start)'));
    await lastValueFrom(box.suspendAsync());
    rows.push(row('awaitSuspended()', await count(ctx, () => lastValueFrom(box.awaitSuspended()))));
    await lastValueFrom(box.resumeAsync());
    rows.push(row('awaitRunning() after resume', await count(ctx, () => lastValueFrom(box.awaitRunning()))));
    const snapshot = await firstValueFrom(box.snapshotDiskAsync({ name: 'bench-waits' }));
    rows.push(row('snapshot.awaitCompleted() (1 s polling)', await count(ctx, () => lastValueFrom(snapshot.awaitCompleted()))));
    await lastValueFrom(snapshot.delete().pipe(switchMap(() => box.shutdown())));
    devboxId = undefined;
    return rows;
  } finally {
    if (devboxId !== undefined) await lastValueFrom(ctx.sdk.devbox.attach(devboxId).shutdown()).catch(() => undefined);
  }
}
