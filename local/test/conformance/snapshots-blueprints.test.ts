/**
 * The official @runloop/api-client (h2c for an http:// base URL) driving
 * disk snapshots, blueprints (with a build context directory), tunnels and
 * SSH keys on a real runloop-local server with real devboxes.
 */
import { request as httpRequest } from 'node:http';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RunloopSDK } from '@runloop/api-client/sdk.mjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from '../../../test/support/local-server.js';
import { startAreaServer } from '../snapshots/helpers.js';

let server: TestServer;
let sdk: RunloopSDK;
let scratch: string;
const devboxes: Array<{ shutdown(): Promise<unknown> }> = [];

beforeAll(async () => {
  server = await startAreaServer();
  sdk = new RunloopSDK({ bearerToken: server.token, baseURL: server.url, maxRetries: 0 });
  scratch = await mkdtemp(join(tmpdir(), 'conformance-bp-'));
});
afterAll(async () => {
  await Promise.allSettled(devboxes.map((d) => d.shutdown()));
  await server?.dispose();
  await rm(scratch, { recursive: true, force: true });
});

function getThroughTunnel(
  port: number,
  key: string,
  path: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: string }> {
  const serverPort = Number(new URL(server.url).port);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port: serverPort,
        path,
        agent: false,
        headers: { host: `${port}-${key}.tunnel.localhost`, ...headers },
      },
      (res) => {
        let body = '';
        res.on('data', (c) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

describe('conformance: snapshots, blueprints, tunnels and SSH through the official client', () => {
  it('snapshots a devbox and starts a new one from the snapshot', async () => {
    const devbox = await sdk.devbox.create({ name: 'conformance-source' });
    devboxes.push(devbox);
    await devbox.cmd.exec('echo conform > ~/c.txt && rm ~/.profile');
    const snapshot = await devbox.snapshotDisk({ name: 'conformance', metadata: { suite: 'conformance' } });
    const status = await snapshot.queryStatus();
    expect(status.status).toBe('complete');
    expect(status.snapshot).toMatchObject({
      name: 'conformance',
      source_devbox_id: devbox.id,
      metadata: { suite: 'conformance' },
    });

    const clone = await snapshot.createDevbox();
    devboxes.push(clone);
    const result = await clone.cmd.exec('cat ~/c.txt; test -e ~/.profile || echo profile-gone');
    expect(await result.stdout()).toBe('conform\nprofile-gone\n');

    const listed = await sdk.snapshot.list({ devbox_id: devbox.id });
    expect(listed.map((s) => s.id)).toEqual([snapshot.id]);
    await snapshot.update({ metadata: { replaced: 'yes' } });
    expect((await snapshot.queryStatus()).snapshot?.metadata).toEqual({ replaced: 'yes' });
    await snapshot.delete();
    expect((await snapshot.queryStatus()).status).toBe('deleted');
  });

  it('builds a blueprint from a Dockerfile and a build context directory, and fails a bad one', async () => {
    await writeFile(join(scratch, 'hello.txt'), 'hello from the context\n');
    await writeFile(join(scratch, 'ignored.txt'), 'never copied\n');
    await writeFile(join(scratch, '.dockerignore'), 'ignored.txt\n');
    const blueprint = await sdk.blueprint.create({
      name: 'conformance-bp',
      dockerfile:
        'FROM runloop:runloop/starter-x86_64\nENV GREETING=hi-from-env\nCOPY . /opt/ctx/\nRUN ls /opt/ctx > /opt/listing.txt',
      build_context_dir: scratch,
    });
    const info = await blueprint.getInfo();
    expect(info).toMatchObject({ name: 'conformance-bp', status: 'build_complete', state: 'created' });
    const logs = await blueprint.logs();
    expect(
      logs.logs.some((l) => l.message.includes('a Runloop default image; using the local Debian bookworm base')),
    ).toBe(true);

    const devbox = await blueprint.createDevbox();
    devboxes.push(devbox);
    const result = await devbox.cmd.exec('cat /opt/ctx/hello.txt /opt/listing.txt; echo $GREETING');
    expect(await result.stdout()).toBe('hello from the context\nhello.txt\nhi-from-env\n');

    await expect(
      sdk.blueprint.create({
        name: 'conformance-broken',
        dockerfile: 'FROM runloop:runloop/starter-x86_64\nRUN exit 7',
      }),
    ).rejects.toThrow();
  });

  it('enables an authenticated tunnel that reaches a server in the devbox, and creates SSH keys', async () => {
    const devbox = await sdk.devbox.create();
    devboxes.push(devbox);
    await devbox.cmd.exec(
      'mkdir -p /tmp/www && echo tunnelled > /tmp/www/t.txt && cd /tmp/www && (nohup python3 -m http.server 8123 --bind 127.0.0.1 >/dev/null 2>&1 &)',
    );
    const tunnel = await devbox.net.enableTunnel({ auth_mode: 'authenticated' });
    expect(tunnel.auth_mode).toBe('authenticated');
    expect((await getThroughTunnel(8123, tunnel.tunnel_key, '/t.txt')).status).toBe(401);
    let answer = { status: 0, body: '' };
    for (let i = 0; i < 100 && answer.status !== 200; i += 1) {
      answer = await getThroughTunnel(8123, tunnel.tunnel_key, '/t.txt', {
        'x-runloop-tunnel-authorization': `Bearer ${tunnel.auth_token}`,
      });
      if (answer.status !== 200) await new Promise((r) => setTimeout(r, 100));
    }
    expect(answer).toEqual({ status: 200, body: 'tunnelled\n' });
    await devbox.net.removeTunnel();
    expect((await getThroughTunnel(8123, tunnel.tunnel_key, '/t.txt')).status).toBe(404);

    const key = await devbox.net.createSSHKey();
    expect(key).toMatchObject({ id: devbox.id, ssh_user: 'user' });
    expect(key.ssh_private_key).toContain('PRIVATE KEY');
    expect(key.url).toMatch(/^127\.0\.0\.1:\d+$/);
  });
});
