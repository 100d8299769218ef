/**
 * Runs short host commands (today: the `umount` of a disk that a killed
 * launcher left mounted) from worker threads instead of the server's main
 * thread. Devbox starts fork nothing from the server (see
 * launcher/README.md); this is for what is left.
 *
 * Why: Node's spawn is synchronous up to the child's exec: the calling thread
 * forks the whole server process (page tables of a ~150 MB heap) and waits
 * until the child has exec'd. On a busy 2-core VM that is 30–80 ms per spawn
 * (measured: 80 `/bin/true` from a 150 MB node took 4.4–5.9 s, with the event
 * loop stalled the whole time; from 4 workers the loop stalled at most 0.2 s).
 * A devbox start runs several such commands, so a burst of creates stalled
 * the server long enough for clients' connects to time out. From a worker,
 * only that worker waits; HTTP, agent events and timers go on.
 *
 * The interface is promisified `execFile`'s: resolves with stdout and
 * stderr, rejects with an Error carrying `stderr` and `code`.
 */
import { Worker } from 'node:worker_threads';

/**
 * What a command printed.
 *
 * @example
 * const { stdout }: HostRunResult = await hostRun('losetup', ['-j', image], { env: PATH_ENV });
 */
export interface HostRunResult {
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * A failed command: like execFile's error, with what it said.
 *
 * @example
 * catch (e) { log((e as HostRunError).stderr); }
 */
export interface HostRunError extends Error {
  readonly stderr: string;
  readonly stdout: string;
  readonly code: number | string | undefined;
}

interface Job {
  readonly resolve: (result: HostRunResult) => void;
  readonly reject: (error: HostRunError) => void;
  readonly worker: PooledWorker;
}

interface PooledWorker {
  readonly thread: Worker;
  pending: number;
}

type Reply = {
  id: number;
  stdout: string;
  stderr: string;
  error?: { message: string; code: number | string | undefined };
};

// CommonJS on purpose: an eval'd worker runs without the server's loader (tsx, vitest).
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { execFile } = require('node:child_process');
parentPort.on('message', ({ id, file, args, env }) => {
  execFile(file, args, { env, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
    parentPort.postMessage({ id, stdout: String(stdout), stderr: String(stderr), error: error ? { message: error.message, code: error.code } : undefined });
  });
});
`;

/** Two threads: spawns overlap with each other as well as with the main thread, on a 2-core host. */
const POOL_SIZE = 2;
const pool: PooledWorker[] = [];
const jobs = new Map<number, Job>();
let nextId = 0;

function leastBusyWorker(): PooledWorker {
  if (pool.length < POOL_SIZE) {
    const worker: PooledWorker = { thread: new Worker(WORKER_SOURCE, { eval: true }), pending: 0 };
    worker.thread.on('message', (reply: Reply) => settle(worker, reply));
    worker.thread.on('error', (error) => failAll(worker, error));
    // An idle pool never keeps the process alive; a busy one does (see hostRun).
    worker.thread.unref();
    pool.push(worker);
    return worker;
  }
  return pool.reduce((best, worker) => (worker.pending < best.pending ? worker : best));
}

function settle(worker: PooledWorker, reply: Reply): void {
  const job = jobs.get(reply.id);
  if (job === undefined) return;
  jobs.delete(reply.id);
  if (--worker.pending === 0) worker.thread.unref();
  if (reply.error === undefined) job.resolve({ stdout: reply.stdout, stderr: reply.stderr });
  else
    job.reject(
      Object.assign(new Error(reply.error.message), {
        stdout: reply.stdout,
        stderr: reply.stderr,
        code: reply.error.code,
      }),
    );
}

/** A worker that died takes its jobs with it (they fail, as a failed spawn would) and leaves the pool. */
function failAll(worker: PooledWorker, error: Error): void {
  pool.splice(pool.indexOf(worker), 1);
  for (const [id, job] of jobs) {
    if (job.worker !== worker) continue;
    jobs.delete(id);
    job.reject(
      Object.assign(new Error(`host command runner failed: ${error.message}`), {
        stdout: '',
        stderr: '',
        code: undefined,
      }),
    );
  }
}

/**
 * Runs `file` with `args` (no shell) in a worker thread; resolves with its output, rejects when it fails.
 *
 * @example
 * await hostRun('mount', ['-t', 'ext4', '-o', 'loop', image, mountPoint], { env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' } });
 */
export function hostRun(
  file: string,
  args: readonly string[],
  options: { readonly env: Readonly<Record<string, string>> },
): Promise<HostRunResult> {
  return new Promise((resolve, reject) => {
    const worker = leastBusyWorker();
    const id = nextId++;
    jobs.set(id, { resolve, reject, worker });
    if (worker.pending++ === 0) worker.thread.ref();
    worker.thread.postMessage({ id, file, args: [...args], env: { ...options.env } });
  });
}
