/**
 * FROM a real registry, end to end over HTTP: Debian's docker-registry on
 * loopback serves images this test builds itself (busybox root plus a layer
 * with a whiteout, an opaque dir, a setuid file, a hard link, an absolute
 * symlink, a device node, files of uid 1000). A blueprint built FROM them
 * gives devboxes the image's files, owners and ENV; private images need
 * their credentials; unpullable and hostile images fail the build with a
 * clear line; a second build downloads nothing.
 */
import { existsSync, lstatSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { RunloopSDK } from '@runloop/api-client/sdk.mjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from '../../../test/support/local-server.js';
import { createRunning, exec, shutdown, startAreaServer, waitBlueprint } from '../snapshots/helpers.js';
import { busyboxLayer, makeLayer, pushImage, type Layer } from './oci-image.js';
import { startRegistry, type TestRegistry } from './registry.js';

const PRIVATE = { username: 'builder', password: 'pa55-word' };
let open: TestRegistry;
let locked: TestRegistry;
let server: TestServer;
let base: Layer;
const devboxes: string[] = [];

beforeAll(async () => {
  [open, locked] = await Promise.all([startRegistry(), startRegistry({ auth: PRIVATE })]);
  base = await busyboxLayer();
  const lower = await makeLayer([
    { name: 'etc/old.conf', content: 'old\n' },
    { name: 'opt/', type: 'directory' },
    { name: 'opt/data/', type: 'directory' },
    { name: 'opt/data/a.txt', content: 'lower a\n' },
  ]);
  const top = await makeLayer([
    { name: 'etc/motd-from-image', content: 'hello from the image\n' },
    { name: 'etc/.wh.old.conf' },
    { name: 'opt/data/', type: 'directory' },
    { name: 'opt/data/.wh..wh..opq' },
    { name: 'opt/data/b.txt', content: 'top b\n' },
    { name: 'usr/bin/su-like', content: '#!/bin/sh\necho hi\n', mode: 0o4755 },
    { name: 'usr/bin/su-hard', type: 'link', linkname: 'usr/bin/su-like' },
    { name: 'escape', type: 'symlink', linkname: '/etc/motd-from-image' },
    { name: 'opt/evil-dev', type: 'block-device', devmajor: 8, devminor: 0 },
    { name: 'home/app/', type: 'directory', uid: 1000, gid: 1000 },
    { name: 'home/app/own.txt', content: 'mine\n', uid: 1000, gid: 1000 },
  ]);
  const config = { Env: ['PATH=/usr/bin:/bin', 'GREETING=from-image-config'], WorkingDir: '/opt' };
  // As Docker Hub's `python`: the server's mirror option points Docker Hub names at this registry.
  await pushImage(open.url, 'library/python', '3.12-slim', [base, lower, top], config, { index: true });
  await pushImage(
    locked.url,
    'test/private',
    'v1',
    [base, await makeLayer([{ name: 'secret.txt', content: 'private image\n' }])],
    {},
    { auth: PRIVATE },
  );
  await pushImage(
    open.url,
    'test/hostile',
    'v1',
    [base, await makeLayer([{ name: '../../escaped.txt', content: 'pwned\n' }])],
    {},
  );
  server = await startAreaServer({ images: { dockerHubMirror: open.url, credentials: { [locked.host]: PRIVATE } } });
});

afterAll(async () => {
  for (const id of devboxes) await shutdown(server, id).catch(() => undefined);
  await server?.dispose();
  await Promise.all([open?.stop(), locked?.stop()]);
});

async function build(name: string, dockerfile: string): Promise<{ blueprint: any; log: string[] }> {
  const created = await server.request('POST', '/v1/blueprints', { name, dockerfile });
  expect(created.status, created.text).toBe(200);
  const blueprint = await waitBlueprint(server, created.json.id);
  const log = (await server.request('GET', `/v1/blueprints/${created.json.id}/logs`)).json.logs.map(
    (l: any) => l.message as string,
  );
  return { blueprint, log };
}

function blobDownloads(registry: TestRegistry): number {
  return registry.requests().filter((r) => /^GET \/v2\/.*\/blobs\/sha256:/.test(r)).length;
}

describe('FROM a registry image', () => {
  it('builds FROM python:3.12-slim through the mirror; a devbox sees the files, whiteouts, owners and ENV', async () => {
    const { blueprint, log } = await build(
      'from-python',
      'FROM python:3.12-slim\nRUN echo built > /built.txt && pwd > /cwd.txt\nENV EXTRA=from-dockerfile',
    );
    expect(blueprint.status, log.join('\n')).toBe('build_complete');
    expect(log).toContain(`Pulling docker.io/library/python:3.12-slim from ${open.url}`);
    expect(log.some((line) => /^Pulled layer sha256:[0-9a-f]{12}: /.test(line))).toBe(true);
    expect(log.some((line) => /skipped 1 device node/.test(line))).toBe(true);

    const box = await createRunning(server, { blueprint_id: blueprint.id });
    devboxes.push(box.id);
    const run = async (command: string): Promise<string> => {
      const result = await exec(server, box.id, command);
      expect(result.exit_status, result.stderr).toBe(0);
      return result.stdout;
    };
    expect(await run('cat /etc/motd-from-image /built.txt /escape')).toBe(
      'hello from the image\nbuilt\nhello from the image\n',
    );
    // The image's WorkingDir is where the Dockerfile's RUN starts, as in Docker.
    expect(await run('cat /cwd.txt')).toBe('/opt\n');
    expect(await run('test -e /etc/old.conf && echo present || echo whited-out')).toBe('whited-out\n');
    expect(await run('ls /opt/data')).toBe('b.txt\n');
    expect(await run('test -e /opt/evil-dev && echo present || echo skipped')).toBe('skipped\n');
    expect(await run('stat -c "%u:%g %a" /etc/motd-from-image /home/app/own.txt /usr/bin/su-like')).toBe(
      '0:0 644\n1000:1000 644\n0:0 4755\n',
    );
    expect(await run('stat -c %h /usr/bin/su-hard')).toBe('2\n');
    expect(await run('echo "$GREETING $EXTRA $PATH"; id -u')).toBe(
      'from-image-config from-dockerfile /usr/bin:/bin\n1000\n',
    );

    // The host sees the same files owned inside the devbox range.
    const layers = join(server.dataDir, 'images', 'layers');
    const owners = readdirSync(layers)
      .map((digest) => join(layers, digest, 'fs', 'home/app/own.txt'))
      .filter((path) => existsSync(path))
      .map((path) => lstatSync(path).uid);
    expect(owners).toEqual([101_000]);
    const motd = readdirSync(layers)
      .map((d) => join(layers, d, 'fs', 'etc/motd-from-image'))
      .find((p) => existsSync(p))!;
    expect(lstatSync(motd).uid).toBe(100_000);
  });

  it('builds a second time from the cache: no blob is downloaded again', async () => {
    const before = blobDownloads(open);
    expect(before).toBeGreaterThanOrEqual(4); // three layers and the config
    const { blueprint, log } = await build('from-python-again', 'FROM python:3.12-slim');
    expect(blueprint.status, log.join('\n')).toBe('build_complete');
    expect(blobDownloads(open)).toBe(before);
    expect(log.filter((line) => / is cached$/.test(line))).toHaveLength(3);
  });

  it('pulls a private image with its credentials and fails clearly without them', async () => {
    const ok = await build('private-ok', `FROM ${locked.host}/test/private:v1`);
    expect(ok.blueprint.status, ok.log.join('\n')).toBe('build_complete');
    const box = await createRunning(server, { blueprint_id: ok.blueprint.id });
    devboxes.push(box.id);
    expect((await exec(server, box.id, 'cat /secret.txt')).stdout).toBe('private image\n');

    // The same registry under a name no credentials are configured for.
    const port = locked.host.split(':')[1];
    const refused = await build('private-refused', `FROM localhost:${port}/test/private:v1`);
    expect(refused.blueprint.status).toBe('failed');
    expect(refused.log).toContain(
      `Build failed: FROM localhost:${port}/test/private:v1: cannot pull the image: localhost:${port}/test/private:v1: the registry requires credentials and none are configured for it`,
    );
  });

  it('fails the build with the image name when it cannot be pulled', async () => {
    const missing = await build('missing-tag', `FROM ${open.host}/test/image:no-such-tag`);
    expect(missing.blueprint.status).toBe('failed');
    expect(missing.log).toContain(
      `Build failed: FROM ${open.host}/test/image:no-such-tag: cannot pull the image: ${open.host}/test/image:no-such-tag: image not found in the registry (HTTP 404)`,
    );
    const bad = await build('bad-name', 'FROM Not_Lower/Case:1');
    expect(bad.blueprint.status).toBe('failed');
    expect(
      bad.log.some(
        (line) =>
          line.startsWith(
            'Build failed: FROM Not_Lower/Case:1: cannot pull the image: "Not_Lower/Case:1" is not a valid image name',
          ),
        bad.log.join('\n'),
      ),
    ).toBe(true);
  });

  it('refuses a hostile layer and writes nothing outside the layer store', async () => {
    const hostile = await build('hostile', `FROM ${open.host}/test/hostile:v1`);
    expect(hostile.blueprint.status).toBe('failed');
    expect(
      hostile.log.some((line) =>
        /Build failed: .*refused: entry "\.\.\/\.\.\/escaped\.txt" climbs out of the layer/.test(line),
      ),
    ).toBe(true);
    for (const dir of [join(server.dataDir, 'images'), server.dataDir, join(server.dataDir, 'images', 'layers')]) {
      expect(existsSync(join(dir, 'escaped.txt'))).toBe(false);
    }
    // No half layer stays behind: only finished layers (with their marks) are in the store.
    const layers = join(server.dataDir, 'images', 'layers');
    for (const name of readdirSync(layers)) expect(name).toMatch(/^sha256-[0-9a-f]{64}$/);
  });

  it('works from the official client: blueprints.createAndAwaitBuildCompleted FROM the local registry', async () => {
    const sdk = new RunloopSDK({ bearerToken: server.token, baseURL: server.url, maxRetries: 0 });
    const view = await sdk.api.blueprints.createAndAwaitBuildCompleted({
      name: 'official-from',
      dockerfile: `FROM ${locked.host}/test/private:v1\nRUN cat /secret.txt > /copy.txt`,
    });
    expect(view.status).toBe('build_complete');
    const box = await createRunning(server, { blueprint_id: view.id });
    devboxes.push(box.id);
    expect((await exec(server, box.id, 'cat /copy.txt')).stdout).toBe('private image\n');
  });
});
