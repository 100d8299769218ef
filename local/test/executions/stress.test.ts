/**
 * Completion races under load: many short commands across two devboxes (some
 * at once), and the first command of several fresh servers. Each command's
 * output must be complete when it is reported `completed`, and a server must
 * stop promptly afterwards. STRESS_SCALE=N multiplies the counts for a heavy
 * run (see the executions report); the default stays a few seconds.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from '../../../test/support/local-server.js';
import { createRunning, exec, startDevboxServer } from '../devboxes/helpers.js';

const SCALE = Math.max(1, Number(process.env.STRESS_SCALE ?? '1') || 1);
const EXECS = 150 * SCALE;
const CONCURRENCY = 6;
const FRESH_SERVERS = 2 * SCALE;
/** A stop that waits for a forgotten execution would hang far longer than this. */
const STOP_BOUND_MS = 15_000;

/** Runs `count` tasks, `concurrency` at a time, and returns every result in order. */
async function pool<T>(count: number, concurrency: number, task: (i: number) => Promise<T>): Promise<T[]> {
  const results: T[] = new Array(count);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      const i = next++;
      results[i] = await task(i);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return results;
}

/** The execution once completed, long-polling at most ~15 s: a record stuck `running` fails here, not by hanging. */
async function settled(server: TestServer, box: string, id: string): Promise<any> {
  for (let attempt = 0; attempt < 3; attempt++) {
    const res = await server.request('POST', `/v1/devboxes/${box}/executions/${id}/wait_for_status`, {
      statuses: ['completed'],
      timeout_seconds: 5,
    });
    if (res.status === 200) return res.json;
    expect(res.status, res.text).toBe(408);
  }
  return (await server.request('GET', `/v1/devboxes/${box}/executions/${id}`)).json;
}

/** Disposes `server`, or gives up waiting after `ms` (then it is left running: the failure says why). */
async function stopWithin(server: TestServer, ms: number): Promise<'stopped' | 'hung'> {
  let timer: NodeJS.Timeout | undefined;
  const bound = new Promise<'hung'>((resolve) => (timer = setTimeout(() => resolve('hung'), ms)));
  try {
    return await Promise.race([server.dispose().then(() => 'stopped' as const), bound]);
  } finally {
    clearTimeout(timer);
  }
}

function summary(view: any): string {
  return JSON.stringify({
    status: view.status,
    exit: view.exit_status,
    out: view.stdout,
    err: view.stderr,
    trunc: [view.stdout_truncated, view.stderr_truncated],
  });
}

describe('execution completion under load', () => {
  let server: TestServer;
  let boxes: string[];
  beforeAll(async () => {
    server = await startDevboxServer();
    boxes = [(await createRunning(server)).id, (await createRunning(server)).id];
  });
  afterAll(async () => {
    await server?.dispose();
  });

  it(`reports every one of ${EXECS} short commands completed with its whole output`, async () => {
    const expected = summary({
      status: 'completed',
      exit_status: 0,
      stdout: 'out\n',
      stderr: 'err\n',
      stdout_truncated: false,
      stderr_truncated: false,
    });
    const bad = (
      await pool(EXECS, CONCURRENCY, async (i) => {
        const view = await exec(server, boxes[i % boxes.length]!, 'echo out; echo err >&2');
        return { i, got: summary(view) };
      })
    ).filter(({ got }) => got !== expected);
    expect(bad).toEqual([]);
  });

  it('answers a sync execution with both outputs while async ones run beside it', async () => {
    const results = await pool(20 * SCALE, CONCURRENCY, async (i) => {
      const box = boxes[i % boxes.length]!;
      if (i % 2 === 0) {
        const res = await server.request('POST', `/v1/devboxes/${box}/execute_sync`, {
          command: `printf 'a%s\\n' ${i}; printf 'b%s\\n' ${i} >&2`,
        });
        return { i, got: [res.json.exit_status, res.json.stdout, res.json.stderr], want: [0, `a${i}\n`, `b${i}\n`] };
      }
      const view = await exec(server, box, `printf 'a%s\\n' ${i}`);
      return { i, got: [view.exit_status, view.stdout, view.stderr], want: [0, `a${i}\n`, ''] };
    });
    expect(results.filter(({ got, want }) => JSON.stringify(got) !== JSON.stringify(want))).toEqual([]);
  });
});

describe('the first execution of a fresh server', () => {
  it(`completes with its output and lets the server stop, ${FRESH_SERVERS} servers in turn`, async () => {
    for (let n = 0; n < FRESH_SERVERS; n++) {
      const fresh = await startDevboxServer();
      try {
        const box = await createRunning(fresh);
        const first = await fresh.request('POST', `/v1/devboxes/${box.id}/execute`, {
          command: 'echo first; echo second >&2',
        });
        expect(first.status, first.text).toBe(200);
        const view =
          first.json.status === 'completed' ? first.json : await settled(fresh, box.id, first.json.execution_id);
        expect(summary(view)).toBe(
          summary({
            status: 'completed',
            exit_status: 0,
            stdout: 'first\n',
            stderr: 'second\n',
            stdout_truncated: false,
            stderr_truncated: false,
          }),
        );
      } finally {
        // Always stop, bounded: a stop that waits for a forgotten execution is the bug this looks for.
        expect(await stopWithin(fresh, STOP_BOUND_MS), `server ${n} stopped`).toBe('stopped');
      }
    }
  });
});
