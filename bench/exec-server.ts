/**
 * Where an exec round trip's time goes inside the server (`npm run bench -- exec-server`).
 * Unlike the other cases it runs runloop-local in this process, because it
 * needs the devbox's runtime handle: the layers are measured side by side
 * (interleaved, so load hits them all alike): the HTTP call, the runtime's
 * spawn through the devbox's agent, the host-side `nsenter` chain that ran
 * every command before the agent existed (the "before" of that change, kept
 * here so both are measured in one run), a bare `nsenter /bin/true`, and the
 * machine's own process-spawn floor (`/bin/true` on the host).
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import type { DevboxHandle } from '../local/src/runtime/types.js';
import { createLogger, DEFAULT_SERVICES, startLocalServer, type LocalServer, type ServerContext } from 'runloop-local';
import type { BenchContext } from './support/context.js';
import { fmt, quantile, type ResultRow } from './support/stats.js';

const ROUNDS = 200;
const WARMUP = 10;

type Layer = readonly [label: string, once: () => Promise<void>];

/** Runs every layer once per round, in turn, and returns each one's samples (ms). */
async function sideBySide(layers: readonly Layer[]): Promise<number[][]> {
  for (const [, once] of layers) for (let i = 0; i < WARMUP; i++) await once();
  const samples = layers.map(() => [] as number[]);
  for (let round = 0; round < ROUNDS; round++) {
    for (const [k, [, once]] of layers.entries()) {
      const started = performance.now();
      await once();
      samples[k]?.push(performance.now() - started);
    }
  }
  return samples;
}

/** Runs a host process to its end, output discarded. */
function run(
  file: string,
  args: readonly string[],
  options: { env?: Record<string, string>; cwd?: string } = {},
): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { ...options, stdio: ['ignore', 'ignore', 'ignore'] });
    child.once('error', reject);
    child.once('close', () => resolve());
  });
}

/** The cgroup v2 `cgroup.procs` of the devbox whose PID 1 is `pid` (hybrid or pure v2 host). */
function cgroupV2ProcsOf(pid: number): string | undefined {
  const line = readFileSync(`/proc/${pid}/cgroup`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('0::'));
  const path = line?.slice(3);
  if (path === undefined || path === '/') return undefined;
  const root = existsSync('/sys/fs/cgroup/unified') ? '/sys/fs/cgroup/unified' : '/sys/fs/cgroup';
  return `${root}${path}/cgroup.procs`;
}

async function call(server: LocalServer, method: string, path: string, body: unknown): Promise<any> {
  const res = await request(`${server.url}${path}`, {
    method: method as 'POST',
    headers: { authorization: `Bearer ${server.token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.statusCode, json: await res.body.json().catch(() => undefined) };
}

/** Creates a devbox and long-polls until it runs. */
async function createRunning(server: LocalServer): Promise<string> {
  const created = await call(server, 'POST', '/v1/devboxes/create_and_await_running', {});
  for (;;) {
    const res = await call(server, 'POST', `/v1/devboxes/${created.json?.id}/wait_for_status`, {
      statuses: ['running', 'failure', 'shutdown'],
    });
    if (res.status === 408) continue;
    if (res.json?.status !== 'running') throw new Error(`devbox did not start: ${JSON.stringify(res.json)}`);
    return res.json.id as string;
  }
}

/** The layers below HTTP; only the namespace runtime has nsenter ones. */
function runtimeLayers(handle: DevboxHandle, namespaces: boolean): Layer[] {
  const layers: Layer[] = [
    [
      'after: handle.spawn `true` through the agent (exit + close), as the server runs it',
      async () => {
        const child = handle.spawn({ command: 'true' });
        child.stdin.end();
        child.stdout.resume();
        child.stderr.resume();
        await child.closed;
      },
    ],
    ["floor: host spawn /bin/true (the machine's own process cost)", () => run('/bin/true', [])],
  ];
  if (!namespaces) return layers;
  const procs = cgroupV2ProcsOf(handle.pid);
  const enter = ['-t', String(handle.pid), '-U', '-m', '-u', '-i', '-n', '-p', '-r', '-S', '1000', '-G', '1000'];
  // The pre-agent exec path: a host sh joins the devbox's v2 cgroup, then nsenter, env -i and bash.
  const join = 'for f in $1; do echo $$ > "$f"; done; shift; exec "$@"';
  const chain = [
    '-c',
    join,
    'sh',
    procs ?? '',
    '/usr/bin/nsenter',
    ...enter,
    '--wdns=/home/user',
    '/usr/bin/env',
    '-i',
    'HOME=/home/user',
    '/bin/bash',
    '-c',
    'true',
  ];
  return [
    ...layers,
    [
      'before: host sh + nsenter + env + bash (the pre-agent exec path)',
      () => run('/bin/sh', chain, { env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' } }),
    ],
    ['floor of the before path: bare nsenter /bin/true', () => run('/usr/bin/nsenter', [...enter, '/bin/true'])],
  ];
}

/**
 * Exec latency by layer, on a runloop-local in this process (the shared bench server is not used).
 *
 * @example
 * const rows = await benchExecServer(ctx);
 */
export async function benchExecServer(_ctx: BenchContext): Promise<ResultRow[]> {
  let context: ServerContext | undefined;
  const dataDir = await mkdtemp(join(tmpdir(), 'runloop-bench-exec-'));
  // A first, route-less service only hands over the context (and with it the runtime handles).
  const capture = (c: ServerContext) => ((context = c), { name: 'bench-capture', routes: () => [] });
  const server = await startLocalServer({
    port: 0,
    host: '127.0.0.1',
    dataDir,
    token: `bench_${randomBytes(12).toString('hex')}`,
    log: createLogger('error'),
    services: [capture, ...DEFAULT_SERVICES],
  });
  try {
    const id = await createRunning(server);
    const handle = context?.services.devboxes.handle(id);
    if (handle === undefined) throw new Error(`no runtime handle for ${id}`);
    const layers: Layer[] = [
      [
        'HTTP POST /execute `true`',
        async () => {
          const res = await call(server, 'POST', `/v1/devboxes/${id}/execute`, { command: 'true' });
          if (res.json?.status !== 'completed')
            throw new Error(`execute did not complete: ${JSON.stringify(res.json)}`);
        },
      ],
      ...runtimeLayers(handle, context?.runtime?.info.mode === 'namespaces'),
    ];
    const samples = await sideBySide(layers);
    const httpP50 = quantile(samples[0] ?? [], 0.5);
    return layers.map(([label], k) => {
      const [p50, p90] = [quantile(samples[k] ?? [], 0.5), quantile(samples[k] ?? [], 0.9)];
      return {
        benchmark: `exec-server: ${label}, p50 / p90 ms, n=${ROUNDS}`,
        rx: `${fmt(p50, 2)} / ${fmt(p90, 2)}`,
        official: '-',
        floor: '-',
        ahead: `${fmt(p50 / httpP50, 2)} of HTTP`,
        target: '-',
        verdict: '-',
      };
    });
  } finally {
    await server.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}
