/**
 * Devbox helpers for every end-to-end test against a real server: create
 * and wait through the server's own long-polls (no sleeps), run commands,
 * shut down, and poll a GET where the API offers no long-poll.
 */
import { expect } from 'vitest';
import type { TestServer } from './local-server.js';

/** Creates a devbox and waits (long-poll) until it is running; fails the test otherwise. */
export async function createRunning(server: TestServer, body: Record<string, unknown> = {}): Promise<any> {
  const created = await server.request('POST', '/v1/devboxes/create_and_await_running', body);
  expect(created.status, created.text).toBe(200);
  const view = await waitDevbox(server, created.json.id, ['running', 'failure', 'shutdown']);
  expect(view.status, JSON.stringify(view)).toBe('running');
  return view;
}

/** Long-polls a devbox until one of `statuses` (408 ⇒ ask again). */
export async function waitDevbox(server: TestServer, id: string, statuses: string[]): Promise<any> {
  for (;;) {
    const res = await server.request('POST', `/v1/devboxes/${id}/wait_for_status`, { statuses });
    if (res.status === 408) continue;
    expect(res.status, res.text).toBe(200);
    return res.json;
  }
}

/** Runs a command to completion through `execute` + the execution long-poll. */
export async function exec(
  server: TestServer,
  id: string,
  command: string,
  extra: Record<string, unknown> = {},
): Promise<any> {
  const res = await server.request('POST', `/v1/devboxes/${id}/execute`, { command, ...extra });
  expect(res.status, res.text).toBe(200);
  let view = res.json;
  while (view.status !== 'completed') {
    const wait = await server.request('POST', `/v1/devboxes/${id}/executions/${view.execution_id}/wait_for_status`, {
      statuses: ['completed'],
    });
    if (wait.status === 408) continue;
    expect(wait.status, wait.text).toBe(200);
    view = wait.json;
  }
  return view;
}

/** Shuts a devbox down, ignoring whether it was still up. */
export async function shutdown(server: TestServer, id: string): Promise<void> {
  await server.request('POST', `/v1/devboxes/${id}/shutdown`);
}

/** Polls a read until `done` holds (builds and snapshots have no long-poll). */
export async function pollUntil<T>(read: () => Promise<T>, done: (value: T) => boolean, tries = 600): Promise<T> {
  for (let i = 0; i < tries; i += 1) {
    const value = await read();
    if (done(value)) return value;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('condition not reached in time');
}
