import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from '../../../test/support/local-server.js';
import { createRunning, exec, shutdown, startAreaServer, waitDevbox, waitSnapshot } from './helpers.js';

let server: TestServer;
beforeAll(async () => {
  server = await startAreaServer();
});
afterAll(async () => {
  await server?.dispose();
});

const run = async (id: string, command: string) => {
  const view = await exec(server, id, command);
  expect(view.exit_status, `${command}: ${view.stderr}`).toBe(0);
  return view.stdout as string;
};

describe('disk snapshots', () => {
  it('a devbox from a snapshot sees the same files and the deletions; snapshots stack', async () => {
    const a = await createRunning(server);
    await run(a.id, 'echo one > ~/one.txt && mkdir -p ~/dir && echo keep > ~/dir/keep && rm ~/.bashrc');
    const sync = await server.request('POST', `/v1/devboxes/${a.id}/snapshot_disk`, {
      name: 'first',
      metadata: { stage: 'one' },
    });
    expect(sync.status, sync.text).toBe(200);
    expect(sync.json).toMatchObject({ name: 'first', metadata: { stage: 'one' }, source_devbox_id: a.id });
    expect(sync.json.size_bytes).toBeGreaterThan(0);
    expect((await server.request('GET', `/v1/devboxes/disk_snapshots/${sync.json.id}/status`)).json.status).toBe(
      'complete',
    );

    const b = await createRunning(server, { snapshot_id: sync.json.id });
    expect(b.snapshot_id).toBe(sync.json.id);
    expect(await run(b.id, 'cat ~/one.txt ~/dir/keep; test -e ~/.bashrc && echo bashrc || echo no-bashrc')).toBe(
      'one\nkeep\nno-bashrc\n',
    );

    // Stacked: B deletes a file that lives in the snapshot layer and adds one.
    await run(b.id, 'rm ~/one.txt && echo two > ~/two.txt');
    const async = await server.request('POST', `/v1/devboxes/${b.id}/snapshot_disk_async`, { name: 'second' });
    expect(async.status, async.text).toBe(200);
    const status = await waitSnapshot(server, async.json.id);
    expect(status.status).toBe('complete');

    const c = await createRunning(server, { snapshot_id: async.json.id });
    expect(await run(c.id, 'ls ~; cat ~/two.txt ~/dir/keep')).toBe('dir\ntwo.txt\ntwo\nkeep\n');
    await Promise.all([a.id, b.id, c.id].map((id) => shutdown(server, id)));
  });

  it('lists by devbox with pagination and metadata filters, updates wholesale, deletes', async () => {
    const d = await createRunning(server);
    const ids: string[] = [];
    for (const stage of ['x', 'y', 'z']) {
      const res = await server.request('POST', `/v1/devboxes/${d.id}/snapshot_disk`, {
        metadata: { stage, keep: 'yes' },
      });
      expect(res.status, res.text).toBe(200);
      ids.push(res.json.id);
    }
    const page1 = await server.request('GET', `/v1/devboxes/disk_snapshots?devbox_id=${d.id}&limit=2`);
    expect(page1.json.snapshots.map((s: any) => s.id)).toEqual([ids[2], ids[1]]);
    expect(page1.json).toMatchObject({ has_more: true, total_count: 3 });
    const page2 = await server.request(
      'GET',
      `/v1/devboxes/disk_snapshots?devbox_id=${d.id}&limit=2&starting_after=${ids[1]}`,
    );
    expect(page2.json.snapshots.map((s: any) => s.id)).toEqual([ids[0]]);
    expect(page2.json.has_more).toBe(false);
    const filtered = await server.request(
      'GET',
      `/v1/devboxes/disk_snapshots?devbox_id=${d.id}&${encodeURIComponent('metadata[stage]')}=y`,
    );
    expect(filtered.json.snapshots.map((s: any) => s.id)).toEqual([ids[1]]);

    const updated = await server.request('POST', `/v1/devboxes/disk_snapshots/${ids[0]}`, {
      name: 'renamed',
      metadata: { only: 'this' },
      commit_message: 'msg',
    });
    expect(updated.json).toMatchObject({
      id: ids[0],
      name: 'renamed',
      metadata: { only: 'this' },
      commit_message: 'msg',
    });

    const deleted = await server.request('POST', `/v1/devboxes/disk_snapshots/${ids[0]}/delete`);
    expect(deleted.status, deleted.text).toBe(200);
    expect((await server.request('GET', `/v1/devboxes/disk_snapshots/${ids[0]}/status`)).json.status).toBe('deleted');
    const after = await server.request('GET', `/v1/devboxes/disk_snapshots?devbox_id=${d.id}`);
    expect(after.json.snapshots.map((s: any) => s.id)).toEqual([ids[2], ids[1]]);
    const fromDeleted = await server.request('POST', '/v1/devboxes', { snapshot_id: ids[0] });
    expect(fromDeleted.status).toBe(404);
    await shutdown(server, d.id);
  });

  it('answers clearly for unknown snapshots and devboxes that are not running', async () => {
    expect((await server.request('GET', '/v1/devboxes/disk_snapshots/snp_nope/status')).status).toBe(404);
    expect((await server.request('POST', '/v1/devboxes', { snapshot_id: 'snp_nope' })).status).toBe(404);
    expect((await server.request('POST', '/v1/devboxes/dbx_nope/snapshot_disk', {})).status).toBe(404);
    const e = await createRunning(server);
    await shutdown(server, e.id);
    const res = await server.request('POST', `/v1/devboxes/${e.id}/snapshot_disk_async`, {});
    expect(res.status).toBe(409);
    expect(res.headers.get('x-should-retry')).toBe('false');
    const long = await server.request('POST', `/v1/devboxes/${e.id}/snapshot_disk`, {
      commit_message: 'x'.repeat(1001),
    });
    expect(long.status).toBe(400);
  });
  it("keeps a deleted snapshot's files while a devbox uses them, and removes them after", async () => {
    const source = await createRunning(server);
    await run(source.id, 'echo layered > ~/l.txt');
    const snap = (await server.request('POST', `/v1/devboxes/${source.id}/snapshot_disk`, {})).json;
    const user = await createRunning(server, { snapshot_id: snap.id });
    const dir = join(server.dataDir, 'snapshots', snap.id);
    expect(existsSync(join(dir, 'layer'))).toBe(true);
    expect((await server.request('POST', `/v1/devboxes/disk_snapshots/${snap.id}/delete`)).status).toBe(200);
    expect(existsSync(join(dir, 'layer'))).toBe(true);
    expect(await run(user.id, 'cat ~/l.txt')).toBe('layered\n');
    await shutdown(server, user.id);
    await shutdown(server, source.id);
    for (let i = 0; i < 100 && existsSync(dir); i += 1) await new Promise((r) => setTimeout(r, 50));
    expect(existsSync(dir)).toBe(false);
  });
  it('snapshots a suspended devbox without waking it', async () => {
    const devbox = await createRunning(server);
    await run(devbox.id, 'echo frozen > ~/f.txt');
    expect((await server.request('POST', `/v1/devboxes/${devbox.id}/suspend`)).status).toBe(200);
    await waitDevbox(server, devbox.id, ['suspended']);
    const snap = await server.request('POST', `/v1/devboxes/${devbox.id}/snapshot_disk`, {});
    expect(snap.status, snap.text).toBe(200);
    expect((await server.request('GET', `/v1/devboxes/${devbox.id}`)).json.status).toBe('suspended');
    const copy = await createRunning(server, { snapshot_id: snap.json.id });
    expect(await run(copy.id, 'cat ~/f.txt')).toBe('frozen\n');
    await Promise.all([shutdown(server, devbox.id), shutdown(server, copy.id)]);
  });
});
