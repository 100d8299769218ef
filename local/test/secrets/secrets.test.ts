/**
 * Secrets end to end on a full server with real devboxes: CRUD as the
 * official API shapes it, validation at the door, values in every kind of
 * exec, launch commands and build RUN steps (not in the image), the next
 * start sees an update, and the value is in no API answer, log or file but
 * the store.
 */
import { createHash, randomBytes } from 'node:crypto';
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { RunloopSDK } from '@runloop/api-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/http/logger.js';
import type { TestServer } from '../../../test/support/local-server.js';
import { createRunning, exec, shutdown, startAreaServer, waitBlueprint } from '../snapshots/helpers.js';

/** Prints the SHA-256 of `$MINE`. */
const SHOW = 'printf %s "$MINE" | sha256sum | cut -d" " -f1';
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const fresh = (tag: string) => `${tag}-${randomBytes(12).toString('hex')}`;

/** Every file under `dir` except the store (which holds the values by design), as bytes. */
async function filesOutsideStore(dir: string): Promise<Array<[string, Buffer]>> {
  const out: Array<[string, Buffer]> = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    const path = join(entry.parentPath, entry.name);
    if (!entry.isFile() || /\/state\.db(-wal|-shm)?$/.test(path)) continue;
    const content = await readFile(path).catch(() => undefined);
    if (content !== undefined) out.push([path, content]);
  }
  return out;
}

/** Runs `command` over the server's SSH with a fresh devbox key; answers stdout. */
async function sshRun(server: TestServer, devboxId: string, command: string): Promise<string> {
  const key = await server.request('POST', `/v1/devboxes/${devboxId}/create_ssh_key`);
  expect(key.status, key.text).toBe(200);
  const dir = await mkdtemp(join(tmpdir(), 'runloop-local-sshkey-'));
  try {
    const file = join(dir, 'key');
    await writeFile(file, key.json.ssh_private_key, { mode: 0o600 });
    const [host, port] = (key.json.url as string).split(':');
    const { stdout } = await promisify(execFile)(
      'ssh',
      [
        '-i',
        file,
        '-p',
        port!,
        '-o',
        'StrictHostKeyChecking=no',
        '-o',
        'UserKnownHostsFile=/dev/null',
        '-o',
        'IdentitiesOnly=yes',
        '-o',
        'BatchMode=yes',
        '-o',
        'LogLevel=ERROR',
        '-T',
        `user@${host}`,
        command,
      ],
      { timeout: 20_000 },
    );
    return stdout;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe('secrets', () => {
  let server: TestServer;
  const serverLog: string[] = [];
  const values: string[] = [];
  const value = (tag: string) => {
    const v = fresh(tag);
    values.push(v);
    return v;
  };

  beforeAll(async () => {
    server = await startAreaServer({ log: createLogger('debug', (line) => serverLog.push(line)) });
  });

  afterAll(async () => {
    // Nothing but the store ever held a value: no log line, no other file in the data dir.
    const log = serverLog.join('');
    const files = await filesOutsideStore(server.dataDir);
    for (const v of values) {
      expect(log.includes(v), 'server log').toBe(false);
      for (const [path, content] of files) expect(content.includes(v), path).toBe(false);
    }
    await server?.dispose();
  });

  it('serves create, get, list, update and delete by name, never with the value, and keeps the store private', async () => {
    const secret = value('crud');
    const created = await server.request(
      'POST',
      '/v1/secrets',
      { name: 'CRUD_ONE', value: secret },
      { 'x-request-id': fresh('rq') },
    );
    expect(created.status, created.text).toBe(200);
    expect(Object.keys(created.json).sort()).toEqual(['create_time_ms', 'id', 'name', 'update_time_ms']);
    expect(created.json.id).toMatch(/^sec_/);
    expect(created.json.name).toBe('CRUD_ONE');

    const duplicate = await server.request('POST', '/v1/secrets', { name: 'CRUD_ONE', value: 'other-value' });
    expect(duplicate.status).toBe(409);
    expect(duplicate.json.message).toMatch(/CRUD_ONE/);

    const got = await server.request('GET', '/v1/secrets/CRUD_ONE');
    expect(got.json).toEqual(created.json);
    const listed = await server.request('GET', '/v1/secrets?limit=100');
    expect(listed.json.secrets).toContainEqual(created.json);
    expect(listed.json.total_count).toBe(listed.json.secrets.length);
    expect(listed.json.has_more).toBe(false);

    const updated = await server.request('POST', '/v1/secrets/CRUD_ONE', { value: value('crud2') });
    expect(updated.status).toBe(200);
    expect(updated.json.id).toBe(created.json.id);
    expect(updated.json.update_time_ms).toBeGreaterThanOrEqual(created.json.update_time_ms);

    const deleted = await server.request('POST', '/v1/secrets/CRUD_ONE/delete', {});
    expect(deleted.json.id).toBe(created.json.id);
    expect((await server.request('GET', '/v1/secrets/CRUD_ONE')).status).toBe(404);
    expect((await server.request('POST', '/v1/secrets/CRUD_ONE/delete', {})).status).toBe(404);
    expect((await server.request('POST', '/v1/secrets/CRUD_ONE', { value: 'x' })).status).toBe(404);
    for (const answer of [created, duplicate, got, listed, updated, deleted]) {
      for (const v of values) expect(answer.text).not.toContain(v);
    }

    expect((await stat(server.dataDir)).mode & 0o777).toBe(0o700);
    expect((await stat(join(server.dataDir, 'state.db'))).mode & 0o777).toBe(0o600);
    expect((await stat(join(server.dataDir, 'state.db-wal'))).mode & 0o777).toBe(0o600);
  });

  it('refuses bad names and values at the door, naming the field and never echoing the value', async () => {
    const big = 'v'.repeat(64 * 1024 + 1);
    for (const [body, start] of [
      [{ name: '1ABC', value: 'x' }, 'name:'],
      [{ name: 'A-B', value: 'x' }, 'name:'],
      [{ name: '', value: 'x' }, 'name:'],
      [{ name: 'OK_NAME', value: '' }, 'value:'],
      [{ name: 'OK_NAME', value: 'a\u0000b' }, 'value:'],
      [{ name: 'OK_NAME', value: big }, 'value:'],
      [{ name: 'OK_NAME' }, 'invalid body: body.value'],
      [{ name: 'OK_NAME', value: 42 }, 'invalid body: body.value'],
    ] as const) {
      const res = await server.request('POST', '/v1/secrets', body);
      expect(res.status, res.text).toBe(400);
      expect(res.json.message.startsWith(start), res.json.message).toBe(true);
      expect(res.text).not.toContain('vvvvvvvv');
    }
    expect((await server.request('GET', '/v1/secrets/OK_NAME')).status).toBe(404);
    // Each at the cap is fine; 17 of them in one devbox make an environment no command could start with.
    const secrets: Record<string, string> = {};
    for (let i = 0; i < 17; i++) {
      expect(
        (await server.request('POST', '/v1/secrets', { name: `BIG_${i}`, value: 'b'.repeat(64 * 1024) })).status,
      ).toBe(200);
      secrets[`BIG_${i}`] = `BIG_${i}`;
    }
    const tooBig = await server.request('POST', '/v1/devboxes', { secrets });
    expect(tooBig.status, tooBig.text).toBe(400);
    expect(tooBig.json.message).toMatch(
      /^secrets: with these secrets the environment is \d+ bytes, over the limit of 1048576$/,
    );
    for (const name of Object.keys(secrets))
      expect((await server.request('POST', `/v1/secrets/${name}/delete`, {})).status).toBe(200);
  });

  it('injects values into sync, async and streamed execs, launch commands and SSH; the next start sees an update', async () => {
    const first = value('env1');
    expect((await server.request('POST', '/v1/secrets', { name: 'ENV_SECRET', value: first })).status).toBe(200);
    const unknown = await server.request('POST', '/v1/devboxes', { secrets: { MINE: 'NO_SUCH_SECRET' } });
    expect(unknown.status).toBe(404);
    expect(unknown.json.message).toBe('secrets.MINE: secret "NO_SUCH_SECRET" does not exist');
    const badKey = await server.request('POST', '/v1/devboxes', { secrets: { 'BAD-KEY': 'ENV_SECRET' } });
    expect(badKey.status).toBe(400);
    expect(badKey.json.message.startsWith('secrets.BAD-KEY:')).toBe(true);

    const box = await createRunning(server, {
      secrets: { MINE: 'ENV_SECRET' },
      environment_variables: { PLAIN: 'p' },
      launch_parameters: { launch_commands: ['printf %s "$MINE" | sha256sum | cut -d" " -f1 > ~/launch.sha'] },
    });
    try {
      // Commands print a digest of the value: what they saw is checked exactly, and no output file holds the value.
      const sync = await server.request('POST', `/v1/devboxes/${box.id}/execute_sync`, { command: SHOW });
      expect(sync.json.stdout).toBe(`${sha256(first)}\n`);
      const async = await exec(server, box.id, 'printf "%s %s" "$PLAIN" "$(cat ~/launch.sha)"');
      expect(async.stdout).toBe(`p ${sha256(first)}`);
      const sdk = new RunloopSDK({ bearerToken: server.token, baseURL: server.url, maxRetries: 0 });
      const chunks: string[] = [];
      const streamed = await sdk.devbox
        .fromId(box.id)
        .cmd.exec('printf %s "$MINE" | rev', { stdout: (c: string) => chunks.push(c) });
      expect(streamed.exitCode).toBe(0);
      expect(chunks.join('')).toBe([...first].reverse().join(''));

      const second = value('env2');
      expect((await server.request('POST', '/v1/secrets/ENV_SECRET', { value: second })).status).toBe(200);
      // Running: the value it started with.
      expect((await exec(server, box.id, SHOW)).stdout).toBe(`${sha256(first)}\n`);
      expect((await server.request('POST', `/v1/devboxes/${box.id}/suspend`)).status).toBe(200);
      await sdk.devbox.fromId(box.id).awaitSuspended();
      expect((await server.request('POST', `/v1/devboxes/${box.id}/resume`)).status).toBe(200);
      await sdk.devbox.fromId(box.id).awaitRunning();
      expect((await exec(server, box.id, SHOW)).stdout).toBe(`${sha256(second)}\n`);
      expect(await sshRun(server, box.id, SHOW)).toBe(`${sha256(second)}\n`);

      for (const answer of [
        await server.request('GET', `/v1/devboxes/${box.id}`),
        await server.request('GET', '/v1/devboxes'),
        await server.request('GET', `/v1/devboxes/${box.id}/logs`),
      ]) {
        expect(answer.text).not.toContain(first);
        expect(answer.text).not.toContain(second);
      }
    } finally {
      await shutdown(server, box.id);
    }
  }, 120_000);

  it('gives build RUN steps the blueprint secrets, masks them in the build log, and keeps them out of the image', async () => {
    const secret = value('build');
    expect((await server.request('POST', '/v1/secrets', { name: 'BUILD_SECRET_SRC', value: secret })).status).toBe(200);
    const unknown = await server.request('POST', '/v1/blueprints', { name: 'bp-secret', secrets: { TOKEN: 'NOPE' } });
    expect(unknown.status).toBe(404);
    expect(unknown.json.message).toBe('secrets.TOKEN: secret "NOPE" does not exist');
    const created = await server.request('POST', '/v1/blueprints', {
      name: 'bp-secret',
      secrets: { BUILD_TOKEN: 'BUILD_SECRET_SRC' },
      dockerfile:
        'FROM runloop:runloop/starter-x86_64\nRUN printf %s "$BUILD_TOKEN" | sha256sum | cut -d" " -f1 > /build.sha\nRUN echo "echoed:$BUILD_TOKEN"',
      system_setup_commands: ['test -n "$BUILD_TOKEN" && echo setup-saw-it'],
    });
    expect(created.status, created.text).toBe(200);
    const built = await waitBlueprint(server, created.json.id);
    const logs = (await server.request('GET', `/v1/blueprints/${created.json.id}/logs`)).json.logs as Array<{
      message: string;
    }>;
    const text = logs.map((l) => l.message).join('\n');
    expect(built.status, text).toBe('build_complete');
    expect(text).toContain('echoed:***');
    expect(text).toContain('setup-saw-it');
    expect(text).not.toContain(secret);
    expect(JSON.stringify(built)).not.toContain(secret);
    const box = await createRunning(server, { blueprint_id: created.json.id });
    try {
      const out = await exec(server, box.id, 'cat /build.sha; env | grep -c BUILD_TOKEN');
      expect(out.stdout).toBe(`${sha256(secret)}\n0\n`);
    } finally {
      await shutdown(server, box.id);
    }
  }, 300_000);

  it('works through the unchanged official client: CRUD, and a devbox created with a Secret object', async () => {
    const sdk = new RunloopSDK({ bearerToken: server.token, baseURL: server.url });
    const secretValue = value('sdk');
    const secret = await sdk.secret.create({ name: 'SDK_SECRET', value: secretValue });
    const info = await secret.getInfo();
    expect(info.name).toBe('SDK_SECRET');
    expect(info).not.toHaveProperty('value');
    const page = await sdk.api.secrets.list({ limit: 50 });
    expect(page.secrets.map((s) => s.name)).toContain('SDK_SECRET');
    await expect(sdk.secret.create({ name: 'SDK_SECRET', value: 'again' })).rejects.toMatchObject({ status: 409 });
    const devbox = await sdk.devbox.create({ secrets: { FROM_SDK: secret } });
    try {
      expect(await (await devbox.cmd.exec('printf %s "$FROM_SDK" | sha256sum | cut -d" " -f1')).stdout()).toBe(
        `${sha256(secretValue)}\n`,
      );
    } finally {
      await devbox.shutdown();
    }
    const newer = value('sdk2');
    await secret.update({ value: newer });
    expect((await secret.delete()).name).toBe('SDK_SECRET');
    await expect(sdk.api.secrets.retrieve('SDK_SECRET')).rejects.toMatchObject({ status: 404 });
  }, 120_000);
});
