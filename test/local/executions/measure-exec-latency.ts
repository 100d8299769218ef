/**
 * Measures exec round-trip latency (not a test: run it by hand).
 *
 *   npx tsx test/local/executions/measure-exec-latency.ts [count]
 *
 * Prints p50/p90 of: `POST /v1/devboxes/:id/execute` of `true` over HTTP,
 * the runtime alone (`handle.spawn` → exit and pipes closed), and the cost of
 * its parts (bare nsenter; sh joining the cgroups then nsenter).
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
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
  await measure('HTTP execute `true`', async () => {
    const res = await server.request('POST', `/v1/devboxes/${box.id}/execute`, { command: 'true' });
    if (res.json?.status !== 'completed') throw new Error(res.text);
  });
  const rows = (globalThis as any).__rows as Array<Record<string, number>> | undefined;
  if (rows) {
    const keys = Object.keys(rows[rows.length - 1]!);
    for (const k of keys) { const xs = rows.map((r) => r[k] ?? 0).sort((a, b) => a - b); console.log('  phase', k.padEnd(10), 'p50', xs[Math.floor(xs.length / 2)]!.toFixed(2), 'p90', xs[Math.floor(xs.length * 0.9)]!.toFixed(2)); }
  }
  if (handle !== undefined) {
    await measure('runtime handle.spawn `true` (exit + close)', () => new Promise<void>((resolve) => {
      const child = handle.spawn({ command: 'true' });
      child.stdin.end();
      child.stdout.resume();
      child.stderr.resume();
      child.once('close', () => resolve());
    }));
    const pid = String(handle.pid);
    const procs = cgroupProcsOf(handle.pid);
    const parts = (cgroupProcs: string[], argv: string[]) => {
      const { file, args } = insideCommand({ initPid: handle.pid, userns: true, cgroupProcs, uid: 1000, gid: 1000, cwd: '/home/user', env: { HOME: '/home/user' }, argv });
      return () => run(file, args);
    };
    await measure(`sh joins ${procs.length} cgroups, nsenter, env, bash`, parts(procs, ['/bin/bash', '-c', 'true']));
    await measure('sh joins the v2 cgroup only, nsenter, env, bash', parts(procs.slice(0, 1), ['/bin/bash', '-c', 'true']));
    await measure('no cgroup join: nsenter, env, bash', parts([], ['/bin/bash', '-c', 'true']));
    await measure('no cgroup join: nsenter, env, true', parts([], ['/bin/true']));
    await measure('bare nsenter bash -c true', () => run('/usr/bin/nsenter', ['-t', pid, '-U', '-m', '-u', '-i', '-n', '-p', '-r', '-S', '1000', '-G', '1000', '/bin/bash', '-c', 'true']));
    await measure('bare nsenter -U -m -u -i -n -p -r true', () => run('/usr/bin/nsenter', ['-t', pid, '-U', '-m', '-u', '-i', '-n', '-p', '-r', '-S', '1000', '-G', '1000', '/bin/true']));
  } else {
    console.log('(runtime handle not reachable from the server object: runtime rows skipped)');
  }
} finally {
  await server.dispose();
}
