import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalService, ServerContext, ServiceFactory } from '../../src/context.js';
import { DEFAULT_SERVICES } from '../../src/services.js';
import { createService as createSnapshotsService } from '../../src/snapshots/index.js';
import type { TestServer } from '../../../test/support/local-server.js';
import { createRunning, startAreaServer, waitDevbox, waitSnapshot } from './helpers.js';

/**
 * A test-only service placed before snapshots: it hands the test the server
 * context, and its guard (registered first, never objecting) records every
 * time the devbox service asks whether a devbox may shut down.
 */
let ctx: ServerContext | undefined;
const asked: string[] = [];
let onAsked: (() => void) | undefined;
const spy: ServiceFactory = (c): LocalService => {
  ctx = c;
  return {
    name: 'guard-spy',
    routes: () => [],
    start: async () =>
      c.services.devboxes.registerShutdownGuard((id) => {
        asked.push(id);
        onAsked?.();
        return undefined;
      }),
  };
};

let server: TestServer;
beforeAll(async () => {
  // Before snapshots, so its guard is asked before the snapshots guard objects.
  const snapshotsAt = DEFAULT_SERVICES.indexOf(createSnapshotsService);
  server = await startAreaServer({
    services: [...DEFAULT_SERVICES.slice(0, snapshotsAt), spy, ...DEFAULT_SERVICES.slice(snapshotsAt)],
  });
});
afterAll(async () => {
  await server?.dispose();
});

/** Holds the next disk capture of `id` until the returned function is called. */
function holdCapture(id: string): () => void {
  const handle = ctx!.services.devboxes.handle(id)!;
  const capture = handle.captureLayer.bind(handle);
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  handle.captureLayer = async (dest) => {
    await gate;
    return capture(dest);
  };
  return release;
}

/** Resolves the next time a shutdown guard is consulted for `id`. */
function nextAsk(id: string): Promise<void> {
  return new Promise((resolve) => {
    onAsked = () => {
      if (asked.at(-1) === id) resolve();
    };
  });
}

describe('shutdown while a disk snapshot is captured', () => {
  it('refuses a plain shutdown with 409, lets force=true through', async () => {
    const box = await createRunning(server);
    const release = holdCapture(box.id);
    const snap = await server.request('POST', `/v1/devboxes/${box.id}/snapshot_disk_async`, {});
    expect(snap.status, snap.text).toBe(200);
    const refused = await server.request('POST', `/v1/devboxes/${box.id}/shutdown`);
    expect(refused.status, refused.text).toBe(409);
    expect(refused.headers.get('x-should-retry')).toBe('false');
    expect(refused.json.message).toContain('disk snapshot');
    expect((await server.request('GET', `/v1/devboxes/${box.id}`)).json.status).toBe('running');
    const forced = await server.request('POST', `/v1/devboxes/${box.id}/shutdown?force=true`);
    expect(forced.status, forced.text).toBe(200);
    expect(forced.json.status).toBe('shutdown');
    release();
    // The devbox is gone: the held capture ends either way, never stays in progress.
    expect(['error', 'complete']).toContain((await waitSnapshot(server, snap.json.id)).status);
  });

  it('holds a keep-alive shutdown until the snapshot is complete', async () => {
    const box = await createRunning(server, { launch_parameters: { keep_alive_time_seconds: 1 } });
    const release = holdCapture(box.id);
    const snap = await server.request('POST', `/v1/devboxes/${box.id}/snapshot_disk_async`, {});
    expect(snap.status, snap.text).toBe(200);
    // The keep-alive deadline passes while the capture is held: the timer asks, is refused, asks again.
    await nextAsk(box.id);
    await nextAsk(box.id);
    expect((await server.request('GET', `/v1/devboxes/${box.id}`)).json.status).toBe('running');
    release();
    expect((await waitSnapshot(server, snap.json.id)).status).toBe('complete');
    const ended = await waitDevbox(server, box.id, ['shutdown', 'failure']);
    expect(ended).toMatchObject({ status: 'shutdown', shutdown_reason: 'keep_alive_timeout' });
  });
});
