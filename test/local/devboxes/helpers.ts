/**
 * Helpers shared by the devbox, execution and file end-to-end tests: a real
 * server with exactly the services these tests need, and small polling-free
 * waits built on the server's own long-polls.
 */
import { expect } from 'vitest';
import { startTestServer, type TestServer, type TestServerOptions } from '../../support/local-server.js';
import { devboxServices } from './services.js';

/** A server with the devbox services and a real runtime. */
export async function startDevboxServer(options: TestServerOptions = {}): Promise<TestServer> {
  return startTestServer({ services: devboxServices(), ...options });
}

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

/** Runs a command to completion through `execute` + execution long-poll. */
export async function exec(server: TestServer, id: string, command: string, extra: Record<string, unknown> = {}): Promise<any> {
  const res = await server.request('POST', `/v1/devboxes/${id}/execute`, { command, ...extra });
  expect(res.status, res.text).toBe(200);
  let view = res.json;
  while (view.status !== 'completed') {
    const wait = await server.request('POST', `/v1/devboxes/${id}/executions/${view.execution_id}/wait_for_status`, { statuses: ['completed'] });
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
