/**
 * Measures exec round-trip latency (not a test: run it by hand).
 *
 *   npx tsx test/local/executions/measure-exec-latency.ts [count]
 *
 * Prints p50/p90, interleaved so that both sides share the load, of
 * `POST /v1/devboxes/:id/execute` of `true` on a devbox whose commands start
 * the old way (Node spawns `sh`, which joins every cgroup, then nsenter) and
 * on one using the warm spawner; then the runtime alone: the old chain, the
 * chain without v1 joins, `handle.spawn`, and bare nsenter as the floor.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, rmdirSync } from 'node:fs';
import { insideCommand } from '../../../src/local/runtime/namespace-launch.js';
import type { ServerContext } from '../../../src/local/context.js';
import { startTestServer, type TestServer } from '../../support/local-server.js';
import { devboxServices } from '../devboxes/services.js';

const COUNT = Number(process.argv[2] ?? '200');

function percentiles(samples: number[]): string {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!.toFixed(1);
  return `p50 ${at(0.5)} ms  p90 ${at(0.9)} ms  (n=${sorted.length})`;
}

async function measureSideBySide(cases: Array<[string, () => Promise<unknown>]>): Promise<void> {
  for (const [, once] of cases) for (let i = 0; i < 10; i++) await once(); // warm-up
  const samples = cases.map(() => [] as number[]);
  for (let i = 0; i < COUNT; i++) {
    for (const [k, [, once]] of cases.entries()) {
      const t0 = performance.now();
      await once();
      samples[k]!.push(performance.now() - t0);
    }
  }
  for (const [k, [label]] of cases.entries()) console.log(`${label.padEnd(60)} ${percentiles(samples[k]!)}`);
}

async function measure(label: string, once: () => Promise<unknown>): Promise<void> {
  for (let i = 0; i < 10; i++) await once(); // warm-up
  const samples: number[] = [];
  for (let i = 0; i < COUNT; i++) {
    const t0 = performance.now();
    await once();
    samples.push(performance.now() - t0);
  }
  console.log(`${label.padEnd(44)} ${percentiles(samples)}`);
}

/** The cgroup.procs files of the devbox whose PID 1 is `pid` (v2 first). */
function cgroupProcsOf(pid: number): string[] {
  const files: string[] = [];
  for (const line of readFileSync(`/proc/${pid}/cgroup`, 'utf8').split('\n')) {
    const [, controllers, path] = line.split(':');
    if (path === undefined || !path.includes('runloop-local-')) continue;
    if (controllers === '') files.unshift(`/sys/fs/cgroup/unified${path}/cgroup.procs`);
    else if (['memory', 'cpu,cpuacct', 'pids'].includes(controllers!)) files.push(`/sys/fs/cgroup/${controllers === 'cpu,cpuacct' ? 'cpu' : controllers}${path}/cgroup.procs`);
  }
  return files;
}

/** The devbox helpers import vitest, which a plain script cannot: create and long-poll here. */
async function createRunning(server: TestServer): Promise<{ id: string }> {
  const created = await server.request('POST', '/v1/devboxes/create_and_await_running', {});
  for (;;) {
    const res = await server.request('POST', `/v1/devboxes/${created.json.id}/wait_for_status`, { statuses: ['running', 'failure', 'shutdown'] });
    if (res.status === 408) continue;
    if (res.json?.status !== 'running') throw new Error(`devbox did not start: ${res.text}`);
    return res.json;
  }
}

function run(file: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { stdio: 'pipe' });
    child.stdin.end();
    child.stdout.resume();
    child.stderr.resume();
    child.once('error', reject);
    child.once('close', () => resolve());
  });
}

let ctx: ServerContext | undefined;
// A first no-op service only to get hold of the context (and so the runtime handle).
const server = await startTestServer({ services: [(c) => ((ctx = c), { name: 'measure', routes: () => [] }), ...devboxServices()] });
try {
  const box = await createRunning(server);
  const handle = ctx?.services.devboxes.handle(box.id);
  const execute = (id: string) => async () => {
    const res = await server.request('POST', `/v1/devboxes/${id}/execute`, { command: 'true' });
    if (res.json?.status !== 'completed') throw new Error(res.text);
  };
  // A second devbox whose commands start the way they did before the warm spawner:
  // Node spawns `sh`, which joins the v2 group and every v1 group, then execs nsenter.
  const old = await createRunning(server);
  const oldHandle = ctx?.services.devboxes.handle(old.id);
  const oldV1 = ['memory', 'cpu', 'pids'].map((c) => `/sys/fs/cgroup/${c}/rl-measure-http-${process.pid}`);
  if (oldHandle !== undefined) {
    for (const dir of oldV1) mkdirSync(dir, { recursive: true });
    const procs = [cgroupProcsOf(oldHandle.pid)[0]!, ...oldV1.map((d) => `${d}/cgroup.procs`)];
    oldHandle.spawn = (exec) => {
      const { file, args, options } = insideCommand({
        initPid: oldHandle.pid, userns: true, cgroupProcs: procs, uid: 1000, gid: 1000, cwd: '/home/user',
        env: { HOME: '/home/user', PATH: '/usr/bin:/bin' }, argv: ['/bin/bash', '-c', exec.command],
      });
      return spawn(file, args, { ...options, detached: true, stdio: 'pipe' });
    };
  }
  try {
    await measureSideBySide([
      ['HTTP execute `true`, before (sh joins v2 + 3 v1, then nsenter)', execute(old.id)],
      ['HTTP execute `true`, after (warm spawner, v2 only)', execute(box.id)],
    ]);
  } finally {
    await server.request('POST', `/v1/devboxes/${old.id}/shutdown`);
    for (const dir of oldV1) rmdirSync(dir);
  }
  if (handle !== undefined) {
    const pid = String(handle.pid);
    const v2 = cgroupProcsOf(handle.pid)[0]!;
    // Before: every command also joined the v1 memory, cpu and pids groups, limited or not.
    const v1 = ['memory', 'cpu', 'pids'].map((c) => `/sys/fs/cgroup/${c}/rl-measure-${process.pid}`);
    for (const dir of v1) mkdirSync(dir, { recursive: true });
    try {
      const chain = (cgroupProcs: string[]) => {
        const { file, args } = insideCommand({ initPid: handle.pid, userns: true, cgroupProcs, uid: 1000, gid: 1000, cwd: '/home/user', env: { HOME: '/home/user' }, argv: ['/bin/bash', '-c', 'true'] });
        return () => run(file, args);
      };
      // Interleaved, so both see the same load.
      await measureSideBySide([
        ['before: sh joins v2 + 3 v1 groups, nsenter, env, bash', chain([v2, ...v1.map((d) => `${d}/cgroup.procs`)])],
        ['after (unlimited devbox): sh joins v2, nsenter, env, bash', chain([v2])],
        ['handle.spawn `true` (exit + close), as the server runs it', () => new Promise<void>((resolve) => {
          const child = handle.spawn({ command: 'true' });
          child.stdin.end();
          child.stdout.resume();
          child.stderr.resume();
          child.once('close', () => resolve());
        })],
        ['floor: bare nsenter, /bin/true', () => run('/usr/bin/nsenter', ['-t', pid, '-U', '-m', '-u', '-i', '-n', '-p', '-r', '-S', '1000', '-G', '1000', '/bin/true'])],
      ]);
    } finally {
      for (const dir of v1) rmdirSync(dir);
    }
  }
} finally {
  await server.dispose();
}
