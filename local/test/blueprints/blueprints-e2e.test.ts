import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildContextStream } from '../../../src/sdk/build-context.js';
import type { TestServer } from '../../../test/support/local-server.js';
import { createRunning, exec, shutdown, startAreaServer, waitBlueprint } from '../snapshots/helpers.js';

let server: TestServer;
let scratch: string;

beforeAll(async () => {
  server = await startAreaServer();
  scratch = await mkdtemp(join(tmpdir(), 'bp-e2e-'));
});
afterAll(async () => {
  await server?.dispose();
  await rm(scratch, { recursive: true, force: true });
});

async function uploadContext(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(scratch, 'ctx-'));
  for (const [path, content] of Object.entries(files)) {
    await mkdir(join(dir, path, '..'), { recursive: true });
    await writeFile(join(dir, path), content);
  }
  const chunks: Buffer[] = [];
  for await (const chunk of buildContextStream(dir)) chunks.push(chunk as Buffer);
  const created = await server.request('POST', '/v1/objects', { name: 'build-context', content_type: 'tgz' });
  expect(created.status, created.text).toBe(200);
  const put = await fetch(created.json.upload_url, { method: 'PUT', body: Buffer.concat(chunks) });
  expect(put.ok).toBe(true);
  await put.arrayBuffer();
  const done = await server.request('POST', `/v1/objects/${created.json.id}/complete`, {});
  expect(done.status, done.text).toBe(200);
  return created.json.id;
}

describe('blueprints end to end', () => {
  it('builds a Dockerfile with COPY from an uploaded tgz; a devbox has the files and the ENV', async () => {
    const objectId = await uploadContext({ 'app/main.py': 'print("hello")\n', 'README.md': 'readme\n' });
    const dockerfile =
      'FROM runloop:runloop/starter-x86_64\nENV APP_MODE=blueprint\nWORKDIR /srv\nCOPY app/ ./app/\nCOPY README.md .\nRUN python3 app/main.py > out.txt';
    const created = await server.request('POST', '/v1/blueprints', {
      name: 'e2e-py',
      dockerfile,
      build_context: { type: 'object', object_id: objectId },
      system_setup_commands: ['echo from-setup > /srv/setup.txt'],
      metadata: { team: 'a' },
    });
    expect(created.status, created.text).toBe(200);
    expect(created.json).toMatchObject({
      name: 'e2e-py',
      state: 'created',
      parameters: { name: 'e2e-py', dockerfile },
    });
    expect(['queued', 'provisioning', 'building']).toContain(created.json.status);
    const built = await waitBlueprint(server, created.json.id);
    const logs = await server.request('GET', `/v1/blueprints/${created.json.id}/logs`);
    expect(built.status, JSON.stringify(logs.json)).toBe('build_complete');
    expect(built.build_finish_time_ms).toBeGreaterThan(0);
    expect(logs.json.logs.map((l: any) => l.message)).toContain(
      'FROM runloop:runloop/starter-x86_64: a Runloop default image; using the local Debian bookworm base root filesystem',
    );

    const byName = await createRunning(server, { blueprint_name: 'e2e-py' });
    expect(byName.blueprint_id).toBe(created.json.id);
    const files = await exec(server, byName.id, 'cat /srv/app/main.py /srv/README.md /srv/out.txt /srv/setup.txt');
    expect(files.stdout).toBe('print("hello")\nreadme\nhello\nfrom-setup\n');
    const env = await exec(server, byName.id, 'echo "mode=$APP_MODE"');
    expect(env.stdout).toBe('mode=blueprint\n');

    const list = await server.request('GET', '/v1/blueprints?name=e2e-py');
    expect(list.json.blueprints.map((b: any) => b.id)).toEqual([created.json.id]);
    expect((await server.request('GET', '/v1/blueprints/list_public')).json).toMatchObject({
      blueprints: [],
      has_more: false,
    });

    // A snapshot of a devbox built from the blueprint pins the blueprint.
    const snap = await server.request('POST', `/v1/devboxes/${byName.id}/snapshot_disk`, {});
    expect(snap.json.source_blueprint_id).toBe(created.json.id);
    const refused = await server.request('POST', `/v1/blueprints/${created.json.id}/delete`);
    expect(refused.status).toBe(409);
    // A devbox from that snapshot still gets the blueprint's ENV; the request's own variables win.
    const fromSnap = await createRunning(server, {
      snapshot_id: snap.json.id,
      environment_variables: { EXTRA: 'mine' },
    });
    expect((await exec(server, fromSnap.id, 'echo "$APP_MODE $EXTRA"')).stdout).toBe('blueprint mine\n');
    const overridden = await createRunning(server, {
      snapshot_id: snap.json.id,
      environment_variables: { APP_MODE: 'request' },
    });
    expect((await exec(server, overridden.id, 'echo "$APP_MODE"')).stdout).toBe('request\n');
    await shutdown(server, fromSnap.id);
    await shutdown(server, overridden.id);
    await server.request('POST', `/v1/devboxes/disk_snapshots/${snap.json.id}/delete`);
    await shutdown(server, byName.id);
    const deleted = await server.request('POST', `/v1/blueprints/${created.json.id}/delete`);
    expect(deleted.status, deleted.text).toBe(200);
    expect((await server.request('GET', `/v1/blueprints/${created.json.id}`)).json.state).toBe('deleted');
    expect(existsSync(join(server.dataDir, 'blueprints', created.json.id, 'layer'))).toBe(false);
    expect((await server.request('POST', '/v1/devboxes', { blueprint_id: created.json.id })).status).toBe(404);
  });

  it('a failing RUN ends failed with the error in the log and no layer', async () => {
    const created = await server.request('POST', '/v1/blueprints', {
      name: 'e2e-fail',
      dockerfile: 'FROM runloop:runloop/starter-x86_64\nRUN echo starting && false',
    });
    const done = await waitBlueprint(server, created.json.id);
    expect(done).toMatchObject({ status: 'failed', failure_reason: 'build_failed' });
    const logs = (await server.request('GET', `/v1/blueprints/${created.json.id}/logs`)).json.logs;
    expect(logs.map((l: any) => l.message)).toContain('starting');
    expect(logs.at(-1)).toMatchObject({
      level: 'error',
      message: 'Build failed: RUN echo starting && false: exited with code 1',
    });
    expect(existsSync(join(server.dataDir, 'blueprints', created.json.id, 'layer'))).toBe(false);
    const devbox = await server.request('POST', '/v1/devboxes', { blueprint_id: created.json.id });
    expect(devbox.status).toBe(400);
    expect(devbox.json.message).toMatch(/failed/);
  });

  it('an unsupported instruction fails the build clearly', async () => {
    const created = await server.request('POST', '/v1/blueprints', {
      name: 'e2e-unsupported',
      dockerfile: 'FROM runloop:runloop/starter-x86_64\nVOLUME /data',
    });
    expect((await waitBlueprint(server, created.json.id)).status).toBe('failed');
    const logs = (await server.request('GET', `/v1/blueprints/${created.json.id}/logs`)).json.logs;
    expect(logs.at(-1).message).toBe(
      'Build failed: Dockerfile line 2: VOLUME is not supported by runloop-local (a devbox has one persistent filesystem)',
    );
  });

  it("builds behind the devboxes' filtered network, not on the host's", async () => {
    const created = await server.request('POST', '/v1/blueprints', {
      name: 'e2e-net',
      dockerfile: 'FROM runloop:runloop/starter-x86_64\nRUN cat /etc/resolv.conf && ip -4 -o addr show tap0',
    });
    expect((await waitBlueprint(server, created.json.id)).status).toBe('build_complete');
    const logs: string = (await server.request('GET', `/v1/blueprints/${created.json.id}/logs`)).json.logs
      .map((l: { message: string }) => l.message)
      .join('\n');
    expect(logs).toContain('nameserver 10.0.2.3');
    expect(logs).toMatch(/tap0\s+inet 10\.0\.2\.100\/24/);
  });

  it('refuses an unknown network policy (top level or in launch parameters) and creates nothing', async () => {
    for (const body of [
      { network_policy_id: 'np_nope' },
      { launch_parameters: { network_policy_id: 'x'.repeat(256) } },
    ]) {
      const created = await server.request('POST', '/v1/blueprints', {
        name: 'e2e-np',
        dockerfile: 'FROM runloop:runloop/starter-x86_64',
        ...body,
      });
      expect(created.status, created.text).toBe(404);
      expect(created.json.message).toMatch(/network policy ".{1,200}…?" does not exist$/);
      expect(created.text.length).toBeLessThan(400);
    }
    const listed = await server.request('GET', '/v1/blueprints?name=e2e-np');
    expect(listed.json.blueprints).toEqual([]);
  });

  it('validates creates and previews a Dockerfile', async () => {
    expect((await server.request('POST', '/v1/blueprints', { dockerfile: 'FROM x' })).status).toBe(400);
    expect(
      (await server.request('POST', '/v1/blueprints', { name: 'x', base_blueprint_id: 'bpt_missing' })).status,
    ).toBe(400);
    expect(
      (
        await server.request('POST', '/v1/blueprints', {
          name: 'x',
          build_context: { type: 'object', object_id: 'obj_missing' },
        })
      ).status,
    ).toBe(404);
    const preview = await server.request('POST', '/v1/blueprints/preview', {
      name: 'p',
      dockerfile: 'FROM runloop:runloop/starter-x86_64',
      system_setup_commands: ['apt-get install -y curl'],
    });
    expect(preview.json).toEqual({ dockerfile: 'FROM runloop:runloop/starter-x86_64\nRUN apt-get install -y curl\n' });
    expect((await server.request('GET', '/v1/blueprints/bpt_nope')).status).toBe(404);
    expect((await server.request('POST', '/v1/devboxes', { blueprint_name: 'never-built' })).status).toBe(404);
  });
  it('deleting a blueprint during its build cancels the build and leaves nothing behind', async () => {
    const created = (
      await server.request('POST', '/v1/blueprints', {
        name: 'e2e-cancel',
        dockerfile: 'FROM runloop:runloop/starter-x86_64\nRUN echo sleeping && sleep 60',
      })
    ).json;
    const logsOf = async () =>
      (await server.request('GET', `/v1/blueprints/${created.id}/logs`)).json.logs.map((l: any) => l.message);
    for (let i = 0; i < 200 && !(await logsOf()).includes('sleeping'); i += 1)
      await new Promise((r) => setTimeout(r, 50));
    expect((await server.request('GET', `/v1/blueprints/${created.id}`)).json.status).toBe('building');
    expect((await server.request('POST', `/v1/blueprints/${created.id}/delete`)).status).toBe(200);
    const done = await waitBlueprint(server, created.id);
    expect(done).toMatchObject({ state: 'deleted', status: 'failed' });
    for (let i = 0; i < 100 && existsSync(join(server.dataDir, 'blueprints', created.id)); i += 1)
      await new Promise((r) => setTimeout(r, 50));
    expect(existsSync(join(server.dataDir, 'blueprints', created.id))).toBe(false);
  });
  it('stacks a blueprint on a base blueprint (by name), inheriting its files and ENV', async () => {
    const base = (
      await server.request('POST', '/v1/blueprints', {
        name: 'e2e-base',
        dockerfile: 'FROM runloop:runloop/starter-x86_64\nENV BASE_VAR=from-base\nRUN echo base > /base.txt',
      })
    ).json;
    expect((await waitBlueprint(server, base.id)).status).toBe('build_complete');
    const child = await server.request('POST', '/v1/blueprints', {
      name: 'e2e-child',
      base_blueprint_name: 'e2e-base',
      dockerfile: 'FROM base\nENV CHILD_VAR=from-child\nRUN cat /base.txt > /child.txt',
    });
    expect(child.status, child.text).toBe(200);
    expect(child.json.base_blueprint_id).toBe(base.id);
    expect((await waitBlueprint(server, child.json.id)).status).toBe('build_complete');
    const devbox = await createRunning(server, {
      blueprint_id: child.json.id,
      environment_variables: { CHILD_VAR: 'overridden' },
    });
    expect((await exec(server, devbox.id, 'cat /base.txt /child.txt; echo "$BASE_VAR $CHILD_VAR"')).stdout).toBe(
      'base\nbase\nfrom-base overridden\n',
    );
    expect((await server.request('POST', `/v1/blueprints/${base.id}/delete`)).status).toBe(409);
    await shutdown(server, devbox.id);
  });
});
