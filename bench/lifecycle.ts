/**
 * A devbox's life, step by step: create (until running) → exec → suspend
 * (until suspended) → resume (until running) → shutdown, through runloop-rx
 * and the official client in interleaved rounds: each step's median time
 * and the HTTP requests it sent.
 */
import { firstValueFrom, lastValueFrom } from 'rxjs';
import type { OwnedDevbox } from '../src/index.js';
import { atLeastOfficial, compareRow } from './support/compare.js';
import type { BenchContext } from './support/context.js';
import { elapsedMs, interleave, type ResultRow } from './support/stats.js';

const ROUNDS = 3;
const STEPS = ['create', 'exec', 'suspend', 'resume', 'shutdown'] as const;
type Step = (typeof STEPS)[number];
type Measured = Record<Step, { readonly ms: number; readonly requests: number }>;

/** Runs the steps in order, timing and counting each. */
async function lifecycle(
  counter: { reset(): void; total(): number },
  steps: Record<Step, () => Promise<unknown>>,
): Promise<Measured> {
  const measured = {} as Record<Step, { ms: number; requests: number }>;
  for (const step of STEPS) {
    counter.reset();
    const start = performance.now();
    await steps[step]();
    measured[step] = { ms: elapsedMs(start), requests: counter.total() };
  }
  return measured;
}

async function rxLifecycle(ctx: BenchContext): Promise<Measured> {
  let devbox: OwnedDevbox | undefined;
  try {
    return await lifecycle(
      { reset: () => ctx.agent.reset(), total: () => ctx.agent.total },
      {
        create: async () => (devbox = await firstValueFrom(ctx.sdk.devbox.create({ name: 'bench-life-rx' }))),
        exec: () => lastValueFrom(devbox!.cmd.exec('echo hi')),
        suspend: () => lastValueFrom(devbox!.suspend()),
        resume: () => lastValueFrom(devbox!.resume()),
        shutdown: () => lastValueFrom(devbox!.shutdown()),
      },
    );
  } catch (error) {
    if (devbox) await lastValueFrom(devbox.shutdown()).catch(() => undefined);
    throw error;
  }
}

async function officialLifecycle(ctx: BenchContext): Promise<Measured> {
  const official = ctx.official;
  let devbox: Awaited<ReturnType<typeof official.sdk.devbox.create>> | undefined;
  try {
    return await lifecycle(official, {
      create: async () => (devbox = await official.sdk.devbox.create({ name: 'bench-life-official' })),
      exec: () => devbox!.cmd.exec('echo hi'),
      suspend: async () => (await devbox!.suspend(), await devbox!.awaitSuspended()),
      resume: () => devbox!.resume(),
      shutdown: () => devbox!.shutdown(),
    });
  } catch (error) {
    if (devbox) await devbox.shutdown().catch(() => undefined);
    throw error;
  }
}

/** @example const rows = await benchLifecycle(ctx); */
export async function benchLifecycle(ctx: BenchContext): Promise<ResultRow[]> {
  const runs = await interleave(ROUNDS, { rx: () => rxLifecycle(ctx), official: () => officialLifecycle(ctx) });
  return STEPS.flatMap((step) => [
    compareRow({
      benchmark: `lifecycle: ${step}, n=${ROUNDS}`,
      unit: 'ms',
      digits: 0,
      rx: runs.rx.map((r) => r[step].ms),
      official: runs.official.map((r) => r[step].ms),
    }),
    compareRow({
      benchmark: `lifecycle: ${step}, HTTP requests`,
      unit: 'requests',
      rx: runs.rx.map((r) => r[step].requests),
      official: runs.official.map((r) => r[step].requests),
      targets: [atLeastOfficial('requests')],
    }),
  ]);
}
