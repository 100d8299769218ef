/**
 * Isolation costs and guarantees (`npm run bench -- isolation`), on the
 * devbox runtime in this process: how long a hardened devbox takes to start
 * (first start makes its disk image; a restart reuses it), and how long a
 * shutdown takes while a fork bomb fills the devbox's pids limit under its
 * smallest CPU quota, and how the API answers meanwhile (on the shared bench
 * server, over HTTP). Reports; never fails.
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

/** `GET /v1/devboxes/{id}` latency (p50, p99) while that devbox runs a fork bomb, and its shutdown time, over HTTP. */
async function apiUnderForkBomb(ctx: BenchContext): Promise<ResultRow[]> {
  const created = await ctx.raw.json('POST', '/v1/devboxes', {
    name: 'bench-bomb',
    launch_parameters: { resource_size_request: 'X_SMALL' },
  });
  const id = created.id as string;
  try {
    for (let view = created; view.status !== 'running';) {
      view = await ctx.raw
        .json('POST', `/v1/devboxes/${id}/wait_for_status`, { statuses: ['running', 'failure'] })
        .catch(() => view);
      if (view.status === 'failure') throw new Error('bench devbox failed to start');
    }
    await ctx.raw.json('POST', `/v1/devboxes/${id}/execute_async`, { command: FORK_BOMB });
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    const latencies: number[] = [];
    for (let i = 0; i < 200; i++) {
      const started = performance.now();
      await ctx.raw.json('GET', `/v1/devboxes/${id}`);
      latencies.push(performance.now() - started);
    }
    const [p50, p99] = [quantile(latencies, 0.5), quantile(latencies, 0.99)];
    const down = performance.now();
    await ctx.raw.json('POST', `/v1/devboxes/${id}/shutdown`);
    const downMs = performance.now() - down;
    return [
      {
        benchmark: 'isolation: GET /v1/devboxes/{id} during a fork bomb in it, p50 / p99 ms, n=200',
        rx: `${fmt(p50, 1)} / ${fmt(p99, 1)}`,
        official: '-',
        floor: '-',
        ahead: '-',
        target: 'p99 < 200 ms',
        verdict: p99 < 200 ? 'met' : 'MISSED',
      },
      {
        benchmark: 'isolation: POST /shutdown of that devbox, ms',
        rx: fmt(downMs, 0),
        official: '-',
        floor: '-',
        ahead: '-',
        target: '< 2000 ms',
        verdict: downMs < 2000 ? 'met' : 'MISSED',
      },
    ];
  } finally {
    await ctx.raw.json('POST', `/v1/devboxes/${id}/shutdown`).catch(() => undefined);
  }
}

/** @example const rows = await benchIsolation(ctx); */
export async function benchIsolation(ctx: BenchContext): Promise<ResultRow[]> {
  const overHttp = await apiUnderForkBomb(ctx);
  const dataDir = await mkdtemp(join(tmpdir(), 'runloop-bench-isolation-'));
  let runtime: DevboxRuntime | undefined;
  try {
    runtime = await createRuntime({ mode: 'namespaces', dataDir });
    const rt = runtime;
    const spec = (id: string, size = 'SMALL') => ({
      id,
      stateDir: join(dataDir, id),
      layers: [],
      limits: limitsFor({ resource_size_request: size as 'SMALL' }),
      network: 'isolated' as const,
    });
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
    // What outbound networking adds: restarts of the same devbox, alternating an isolated network
    // (slirp4netns and the egress filter) with the host's (neither), side by side.
    const withNet: number[] = [];
    const hostNet: number[] = [];
    for (let i = 0; i < STARTS; i++) {
      for (const [network, samples] of [
        ['isolated', withNet],
        ['host', hostNet],
      ] as const) {
        const [devbox, ms] = await timed(() => rt.start({ ...spec('dbx_net'), network }));
        samples.push(ms);
        await devbox.stop();
      }
    }
    // What a network policy adds on top: its DNS answerer, ipset and chains (same devbox, alternating).
    const withPolicy: number[] = [];
    const noPolicy: number[] = [];
    const egressPolicy = { allowAll: false, hostnames: ['example.com'], devboxGateway: undefined };
    for (let i = 0; rt.info.networkPolicies === true && i < STARTS; i++) {
      for (const [policy, samples] of [
        [egressPolicy, withPolicy],
        [undefined, noPolicy],
      ] as const) {
        const [devbox, ms] = await timed(() =>
          rt.start({ ...spec('dbx_policy'), ...(policy ? { egressPolicy: policy } : {}) }),
        );
        samples.push(ms);
        await devbox.stop();
      }
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
      ...overHttp,
      {
        benchmark: `isolation: devbox start, first (makes its disk image), p50 / max ms, n=${STARTS}`,
        rx: `${fmt(quantile(first, 0.5), 0)} / ${fmt(Math.max(...first), 0)}`,
        official: '-',
        floor: '-',
        ahead: '-',
        target: '-',
        verdict: '-',
      },
      {
        benchmark: `isolation: devbox restart (disk kept), p50 / max ms, n=${STARTS}`,
        rx: `${fmt(quantile(again, 0.5), 0)} / ${fmt(Math.max(...again), 0)}`,
        official: '-',
        floor: '-',
        ahead: '-',
        target: '-',
        verdict: '-',
      },
      {
        benchmark: `isolation: restart with outbound network (rx column) vs host network (floor), p50 ms, n=${STARTS}`,
        rx: fmt(quantile(withNet, 0.5), 0),
        official: '-',
        floor: fmt(quantile(hostNet, 0.5), 0),
        ahead: `+${fmt(quantile(withNet, 0.5) - quantile(hostNet, 0.5), 0)} ms`,
        target: '-',
        verdict: '-',
      },
      ...(withPolicy.length > 0
        ? [
            {
              benchmark: `isolation: restart with a network policy (rx column) vs without (floor), both with outbound network, p50 ms, n=${STARTS}`,
              rx: fmt(quantile(withPolicy, 0.5), 0),
              official: '-',
              floor: fmt(quantile(noPolicy, 0.5), 0),
              ahead: `+${fmt(quantile(withPolicy, 0.5) - quantile(noPolicy, 0.5), 0)} ms`,
              target: '-',
              verdict: '-',
            },
          ]
        : []),
      {
        benchmark: `isolation: shutdown under a fork bomb (${filled} processes, pids.max ${size.maxPids}, ${size.cpuCores} CPU), p50 / max ms, n=${BOMBS}`,
        rx: `${fmt(quantile(stops, 0.5), 0)} / ${fmt(Math.max(...stops), 0)}`,
        official: '-',
        floor: '-',
        ahead: '-',
        target: '< 2000 ms',
        verdict: Math.max(...stops) < 2000 ? 'met' : 'MISSED',
      },
    ];
  } finally {
    await runtime?.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}
