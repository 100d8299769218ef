/**
 * Isolation costs and guarantees (`npm run bench -- isolation`), on the
 * devbox runtime in this process: how long a hardened devbox takes to start
 * (first start makes its disk image; a restart reuses it), and how long a
 * shutdown takes while a fork bomb fills the devbox's pids limit under its
 * smallest CPU quota. Reports; never fails.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { limitsFor } from '../local/src/devboxes/limits.js';
import { createRuntime, type DevboxHandle, type DevboxRuntime } from '../local/src/runtime/index.js';
import type { BenchContext } from './support/context.js';
import { fmt, quantile, type ResultRow } from './support/stats.js';

const STARTS = 10;
const BOMBS = 5;
/** A bash fork bomb that also stops itself after 30 s, should the stop under test never come. */
const FORK_BOMB = 'end=$((SECONDS+30)); b() { [ $SECONDS -lt $end ] && { b | b & }; }; b; sleep 30';

async function timed<T>(work: () => Promise<T>): Promise<[T, number]> {
  const started = performance.now();
  const value = await work();
  return [value, performance.now() - started];
}

/** Counts the devbox's processes until `count` of them run (or 10 s pass). */
async function waitForProcesses(devbox: DevboxHandle, count: number): Promise<number> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const probe = devbox.spawn({ command: 'ls -d /proc/[0-9]* | wc -l' });
    probe.stdin.end();
    let out = '';
    probe.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    probe.stderr.resume();
    await probe.closed;
    const seen = Number(out.trim());
    if (seen >= count || Date.now() > deadline) return seen;
  }
}

/** @example const rows = await benchIsolation(ctx); */
export async function benchIsolation(_ctx: BenchContext): Promise<ResultRow[]> {
  const dataDir = await mkdtemp(join(tmpdir(), 'runloop-bench-isolation-'));
  let runtime: DevboxRuntime | undefined;
  try {
    runtime = await createRuntime({ mode: 'namespaces', dataDir });
    const rt = runtime;
    const spec = (id: string, size = 'SMALL') => ({ id, stateDir: join(dataDir, id), layers: [], limits: limitsFor({ resource_size_request: size as 'SMALL' }), network: 'isolated' as const });
    const first: number[] = [];
    const again: number[] = [];
    for (let i = 0; i < STARTS; i++) {
      const [devbox, firstMs] = await timed(() => rt.start(spec(`dbx_start${i}`)));
      first.push(firstMs);
      await devbox.stop();
      const [restarted, againMs] = await timed(() => rt.start(spec(`dbx_start${i}`)));
      again.push(againMs);
      await restarted.stop({ discard: true });
    }
    const stops: number[] = [];
    let filled = 0;
    for (let i = 0; i < BOMBS; i++) {
      const devbox = await rt.start(spec(`dbx_bomb${i}`, 'X_SMALL'));
      devbox.spawn({ command: FORK_BOMB }).stdin.end();
      filled = Math.max(filled, await waitForProcesses(devbox, 400));
      const [, stopMs] = await timed(() => devbox.stop({ discard: true }));
      stops.push(stopMs);
    }
    const size = limitsFor({ resource_size_request: 'X_SMALL' });
    return [
      { benchmark: `isolation: devbox start, first (makes its disk image), p50 / max ms, n=${STARTS}`, sdk: `${fmt(quantile(first, 0.5), 0)} / ${fmt(Math.max(...first), 0)}`, raw: '-', ratio: '-', target: '-', verdict: '-' },
      { benchmark: `isolation: devbox restart (disk kept), p50 / max ms, n=${STARTS}`, sdk: `${fmt(quantile(again, 0.5), 0)} / ${fmt(Math.max(...again), 0)}`, raw: '-', ratio: '-', target: '-', verdict: '-' },
      {
        benchmark: `isolation: shutdown under a fork bomb (${filled} processes, pids.max ${size.maxPids}, ${size.cpuCores} CPU), p50 / max ms, n=${BOMBS}`,
        sdk: `${fmt(quantile(stops, 0.5), 0)} / ${fmt(Math.max(...stops), 0)}`,
        raw: '-', ratio: '-', target: '< 2000 ms', verdict: Math.max(...stops) < 2000 ? 'met' : 'MISSED',
      },
    ];
  } finally {
    await runtime?.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}
