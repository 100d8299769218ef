/**
 * Helpers for the snapshot, blueprint, tunnel and SSH end-to-end tests: a
 * real server with the devbox services plus this area's services.
 */
import { expect } from 'vitest';
import { createService as createBlueprintsService } from '../../../src/local/blueprints/index.js';
import type { ServiceFactory } from '../../../src/local/context.js';
import { createService as createDevboxesService } from '../../../src/local/devboxes/index.js';
import { createService as createExecutionsService } from '../../../src/local/executions/index.js';
import { createService as createFilesService } from '../../../src/local/files/index.js';
import { createObjectsService } from '../../../src/local/objects/index.js';
import { createService as createSnapshotsService } from '../../../src/local/snapshots/index.js';
import { createService as createSshService } from '../../../src/local/ssh/index.js';
import { createService as createTunnelsService } from '../../../src/local/tunnels/index.js';
import { startTestServer, type TestServer, type TestServerOptions } from '../../support/local-server.js';

/** The devbox services plus snapshots, blueprints, tunnels and SSH, in server order. */
export function areaServices(): ServiceFactory[] {
  return [
    createObjectsService,
    createDevboxesService,
    createExecutionsService,
    createFilesService,
    createSnapshotsService,
    createBlueprintsService,
    createTunnelsService,
    createSshService,
  ];
}

/** A real server with every service these tests need. */
export function startAreaServer(options: TestServerOptions = {}): Promise<TestServer> {
  return startTestServer({ services: areaServices(), ...options });
}

/** Creates a devbox and waits (long-poll) until it is running; fails the test otherwise. */
export async function createRunning(server: TestServer, body: Record<string, unknown> = {}): Promise<any> {
  const created = await server.request('POST', '/v1/devboxes', body);
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
export async function exec(server: TestServer, id: string, command: string): Promise<any> {
  const res = await server.request('POST', `/v1/devboxes/${id}/execute`, { command });
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

/** Shuts a devbox down. */
export async function shutdown(server: TestServer, id: string): Promise<void> {
  await server.request('POST', `/v1/devboxes/${id}/shutdown`);
}

/** Polls a GET until `done` holds (builds and snapshots have no long-poll). */
export async function pollUntil<T>(read: () => Promise<T>, done: (value: T) => boolean, tries = 600): Promise<T> {
  for (let i = 0; i < tries; i += 1) {
    const value = await read();
    if (done(value)) return value;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('condition not reached in time');
}

/** Waits for a snapshot to leave `in_progress`. */
export async function waitSnapshot(server: TestServer, id: string): Promise<any> {
  return pollUntil(
    async () => (await server.request('GET', `/v1/devboxes/disk_snapshots/${id}/status`)).json,
    (s) => s.status !== 'in_progress',
  );
}

/** Waits for a blueprint build to end. */
export async function waitBlueprint(server: TestServer, id: string): Promise<any> {
  return pollUntil(
    async () => (await server.request('GET', `/v1/blueprints/${id}`)).json,
    (b) => !['queued', 'provisioning', 'building'].includes(b.status),
  );
}
