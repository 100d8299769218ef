import { rm } from 'node:fs/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDataDir, type TestServer } from '../../../test/support/local-server.js';
import { createRunning, exec, shutdown, startAreaServer, waitBlueprint } from './helpers.js';

let dataDir: string | undefined;
let server: TestServer | undefined;
afterAll(async () => {
  await server?.dispose();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

describe('restart', () => {
  it('keeps snapshots and blueprints, and devboxes can still be made from them', async () => {
    dataDir = await tempDataDir();
    server = await startAreaServer({ dataDir, keepDataDir: true });
    const devbox = await createRunning(server);
    await exec(server, devbox.id, 'echo persisted > ~/p.txt');
    const snap = (await server.request('POST', `/v1/devboxes/${devbox.id}/snapshot_disk`, { name: 'keep-me' })).json;
    const blueprint = (
      await server.request('POST', '/v1/blueprints', {
        name: 'restart-bp',
        dockerfile: 'FROM runloop:runloop/starter-x86_64\nENV WHO=bp\nRUN echo built > /built.txt',
      })
    ).json;
    expect((await waitBlueprint(server, blueprint.id)).status).toBe('build_complete');
    const sshKey = (await server.request('POST', `/v1/devboxes/${devbox.id}/create_ssh_key`)).json;
    await shutdown(server, devbox.id);
    await server.dispose();
    server = undefined;

    server = await startAreaServer({ dataDir, keepDataDir: true });
    const status = (await server.request('GET', `/v1/devboxes/disk_snapshots/${snap.id}/status`)).json;
    expect(status).toMatchObject({ status: 'complete', snapshot: { id: snap.id, name: 'keep-me' } });
    expect((await server.request('GET', `/v1/blueprints/${blueprint.id}`)).json).toMatchObject({
      status: 'build_complete',
      name: 'restart-bp',
    });
    const fromSnap = await createRunning(server, { snapshot_id: snap.id });
    expect((await exec(server, fromSnap.id, 'cat ~/p.txt')).stdout).toBe('persisted\n');
    const fromBp = await createRunning(server, { blueprint_id: blueprint.id });
    expect((await exec(server, fromBp.id, 'cat /built.txt; echo $WHO')).stdout).toBe('built\nbp\n');
    // The SSH server keeps its port, so handed-out URLs stay valid.
    const again = (await server.request('POST', `/v1/devboxes/${fromBp.id}/create_ssh_key`)).json;
    expect(again.url).toBe(sshKey.url);
    await Promise.all([shutdown(server, fromSnap.id), shutdown(server, fromBp.id)]);
  });
});
