/**
 * A real runloop-local for the bench, in its own process (as users run it),
 * so the client's numbers are not shared with the server's event loop: a
 * fresh temp data dir, port 0, quiet. `stop()` sends SIGTERM to that one
 * process (which shuts its devboxes down), waits for it, removes the dir.
 *
 * Profile the server: `BENCH_SERVER_NODE_FLAGS='--cpu-prof --cpu-prof-dir=/tmp/prof' npm run bench -- streaming`
 * (Node refuses `--cpu-prof` in NODE_OPTIONS, and the client needs its own flags anyway).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

/** A running bench server. */
export interface BenchServer {
  readonly url: string;
  readonly token: string;
  /** What the server said about itself at start-up (runtime mode). */
  readonly banner: string;
  /** The server process, for its memory. */
  readonly pid: number;
  /** Its data dir (names its devboxes' cgroups). */
  readonly dataDir: string;
  stop(): Promise<void>;
}

const READY_TIMEOUT_MS = 120_000;

/** Resolves with the server's start-up lines once it prints its URL. */
async function awaitReady(child: ChildProcess): Promise<{ url: string; banner: string }> {
  const lines: string[] = [];
  const reader = createInterface({ input: child.stdout! });
  const deadline = AbortSignal.timeout(READY_TIMEOUT_MS);
  const exited = once(child, 'exit', { signal: deadline }).then(([code]) => {
    throw new Error(`runloop-local exited (${String(code)}) before it was ready:\n${lines.join('\n')}`);
  });
  const ready = (async () => {
    for await (const line of reader) {
      lines.push(line);
      const match = /listening on (http:\/\/\S+)/.exec(line);
      if (match?.[1]) return { url: match[1], banner: lines.join(' ') };
    }
    throw new Error('runloop-local closed its output before it was ready');
  })();
  try {
    return await Promise.race([ready, exited]);
  } finally {
    exited.catch(() => undefined);
  }
}

/**
 * Starts the server process.
 *
 * @example
 * const server = await startBenchServer(); try { ... } finally { await server.stop(); }
 */
export async function startBenchServer(): Promise<BenchServer> {
  const dataDir = await mkdtemp(join(tmpdir(), 'runloop-bench-'));
  const token = `bench_${randomBytes(12).toString('hex')}`;
  const nodeFlags = (process.env['BENCH_SERVER_NODE_FLAGS'] ?? '').split(' ').filter((flag) => flag !== '');
  const child = spawn(
    process.execPath,
    [
      ...nodeFlags,
      '--import',
      'tsx',
      'local/src/cli.ts',
      '--port',
      '0',
      '--data-dir',
      dataDir,
      '--token',
      token,
      '--quiet',
    ],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
    }
    await rm(dataDir, { recursive: true, force: true });
  };
  try {
    const { url, banner } = await awaitReady(child);
    child.stdout?.resume();
    return { url, token, banner, pid: child.pid as number, dataDir, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
