import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from '../../../test/support/local-server.js';
import { createRunning, exec, shutdown, startDevboxServer, waitDevbox } from './helpers.js';

describe('devbox lifecycle over HTTP', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startDevboxServer();
  });
  afterAll(async () => {
    await server?.dispose();
  });

  it('creates a devbox that goes provisioning ⇒ initializing ⇒ running, and shuts it down', async () => {
    const created = await server.request('POST', '/v1/devboxes', { name: 'first', metadata: { team: 'rx' } });
    expect(created.status, created.text).toBe(200);
    expect(created.json).toMatchObject({
      status: 'provisioning',
      name: 'first',
      metadata: { team: 'rx' },
      end_time_ms: null,
    });
    const running = await waitDevbox(server, created.json.id, ['running', 'failure']);
    expect(running.status).toBe('running');
    expect(running.state_transitions.map((t: { status: string }) => t.status)).toEqual([
      'provisioning',
      'initializing',
      'running',
    ]);
    const hello = await exec(server, running.id, 'echo hello; echo oops >&2; exit 3');
    expect(hello).toMatchObject({ status: 'completed', exit_status: 3, stdout: 'hello\n', stderr: 'oops\n' });
    const down = await server.request('POST', `/v1/devboxes/${running.id}/shutdown`);
    expect(down.json).toMatchObject({ status: 'shutdown', shutdown_reason: 'api_shutdown' });
    expect(typeof down.json.end_time_ms).toBe('number');
    const late = await server.request('POST', `/v1/devboxes/${running.id}/execute`, { command: 'true' });
    expect(late.status).toBe(409);
    expect(late.headers.get('x-should-retry')).toBe('false');
  });

  it('lists with a status filter and pagination, and updates name and metadata', async () => {
    const a = await createRunning(server, { name: 'list-a' });
    const b = await createRunning(server, { name: 'list-b' });
    try {
      const page1 = await server.request('GET', '/v1/devboxes?status=running&limit=1');
      expect(page1.status).toBe(200);
      expect(page1.json.devboxes).toHaveLength(1);
      expect(page1.json.has_more).toBe(true);
      expect(page1.json.total_count).toBeGreaterThanOrEqual(2);
      const page2 = await server.request(
        'GET',
        `/v1/devboxes?status=running&limit=1&starting_after=${page1.json.devboxes[0].id}`,
      );
      expect(page2.json.devboxes[0].id).not.toBe(page1.json.devboxes[0].id);
      const updated = await server.request('POST', `/v1/devboxes/${a.id}`, { name: 'renamed', metadata: { k: 'v' } });
      expect(updated.json).toMatchObject({ name: 'renamed', metadata: { k: 'v' } });
      const cleared = await server.request('POST', `/v1/devboxes/${a.id}`, { metadata: {} });
      expect(cleared.json).toMatchObject({ name: 'renamed', metadata: {} });
    } finally {
      await shutdown(server, a.id);
      await shutdown(server, b.id);
    }
  });

  it('answers wait_for_status at once when already there, and 422 when the devbox can never get there', async () => {
    const box = await createRunning(server);
    const now = await server.request('POST', `/v1/devboxes/${box.id}/wait_for_status`, { statuses: ['running'] });
    expect(now.status).toBe(200);
    await shutdown(server, box.id);
    const never = await server.request('POST', `/v1/devboxes/${box.id}/wait_for_status`, { statuses: ['running'] });
    expect(never.status).toBe(422);
    expect(never.headers.get('x-should-retry')).toBe('false');
  });

  it('shuts down a devbox that is still booting, and it stays shut down', async () => {
    const created = await server.request('POST', '/v1/devboxes', {
      launch_parameters: { launch_commands: ['sleep 0.5'] },
    });
    const down = await server.request('POST', `/v1/devboxes/${created.json.id}/shutdown`);
    expect(down.json.status).toBe('shutdown');
    const final = await server.request('POST', `/v1/devboxes/${created.json.id}/wait_for_status`, {
      statuses: ['shutdown'],
    });
    expect(final.json.status).toBe('shutdown');
    const again = await server.request('POST', `/v1/devboxes/${created.json.id}/shutdown`);
    expect(again.json.status).toBe('shutdown');
    const statuses = again.json.state_transitions.map((t: { status: string }) => t.status);
    expect(statuses).not.toContain('running');
  });
});
