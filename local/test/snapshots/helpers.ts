/**
 * Helpers for the snapshot, blueprint, tunnel and SSH end-to-end tests: a
 * real server with every service, plus waits for builds and snapshots.
 */
import { DEFAULT_SERVICES } from '../../src/services.js';
import { pollUntil } from '../../../test/support/devboxes.js';
import { startTestServer, type TestServer, type TestServerOptions } from '../../../test/support/local-server.js';

export { createRunning, exec, pollUntil, shutdown, waitDevbox } from '../../../test/support/devboxes.js';

/** A real server with every service (the server's own default list). */
export function startAreaServer(options: TestServerOptions = {}): Promise<TestServer> {
  return startTestServer({ services: DEFAULT_SERVICES, ...options });
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
