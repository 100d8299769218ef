/**
 * A real runloop-local for the bench: a fresh temp data dir, port 0, silent;
 * `stop()` shuts its devboxes down and removes the dir.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLocalServer } from '../../src/local/server.js';

/** A running bench server. */
export interface BenchServer {
  readonly url: string;
  readonly token: string;
  readonly runtime: string;
  stop(): Promise<void>;
}

/**
 * Starts the server.
 *
 * @example
 * const server = await startBenchServer(); try { ... } finally { await server.stop(); }
 */
export async function startBenchServer(): Promise<BenchServer> {
  const dataDir = await mkdtemp(join(tmpdir(), 'runloop-bench-'));
  try {
    const server = await startLocalServer({ port: 0, host: '127.0.0.1', dataDir, log: false, token: `bench_${randomBytes(12).toString('hex')}` });
    return {
      url: server.url,
      token: server.token,
      runtime: server.runtimeInfo ? JSON.stringify(server.runtimeInfo) : 'none',
      stop: async () => {
        await server.stop();
        await rm(dataDir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await rm(dataDir, { recursive: true, force: true });
    throw err;
  }
}
