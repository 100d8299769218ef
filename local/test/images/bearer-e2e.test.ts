/**
 * FROM a registry that wants Bearer tokens, end to end over HTTP: the path
 * Docker Hub and GHCR take. A loopback front before Debian's docker-registry
 * answers 401 with a `Bearer realm=…,service=…,scope=…` challenge, issues
 * tokens from its realm for the configured Basic credentials and the
 * repository's pull scope, and redirects blob GETs to a second loopback
 * origin (a CDN), which must never see the Authorization header. A realm
 * that refuses fails the build with a clear line.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from '../../../test/support/local-server.js';
import { startAreaServer, waitBlueprint } from '../snapshots/helpers.js';
import { busyboxLayer, makeLayer, pushImage } from './oci-image.js';
import { startRegistry, type TestRegistry } from './registry.js';
import { startTokenFront, TOKEN_SERVICE, type TokenFront } from './token-front.js';

const CREDENTIAL = { username: 'puller', password: 'to-ken' };
let registry: TestRegistry;
let front: TokenFront;
let server: TestServer;

beforeAll(async () => {
  registry = await startRegistry();
  const layers = [await busyboxLayer(), await makeLayer([{ name: 'bearer.txt', content: 'behind a token\n' }])];
  await pushImage(registry.url, 'test/bearer', 'v1', layers, {});
  front = await startTokenFront(registry.url, CREDENTIAL);
  server = await startAreaServer({ images: { credentials: { [front.host]: CREDENTIAL } } });
});

afterAll(async () => {
  await server?.dispose();
  await Promise.all([front?.stop(), registry?.stop()]);
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

describe('FROM a registry behind Bearer tokens', () => {
  it('gets a token for the pull scope with its credentials, and keeps it off the blob CDN', async () => {
    const { blueprint, log } = await build(
      'bearer-ok',
      `FROM ${front.host}/test/bearer:v1\nRUN cat /bearer.txt > /copy.txt && test "$(cat /copy.txt)" = "behind a token"`,
    );
    expect(blueprint.status, log.join('\n')).toBe('build_complete');
    expect(log).toContain(`Pulling ${front.host}/test/bearer:v1 from http://${front.host}`);

    // One token for the whole pull, asked for the challenge's service and this repository's pull scope.
    expect(front.tokenRequests()).toEqual([
      {
        service: TOKEN_SERVICE,
        scope: 'repository:test/bearer:pull',
        basic: `${CREDENTIAL.username}:${CREDENTIAL.password}`,
      },
    ]);
    // The first request had no token; every one after carried it.
    const requests = front.registryRequests();
    expect(requests[0]).toMatch(/^GET \/v2\/test\/bearer\/manifests\/v1 none$/);
    expect(
      requests.slice(1).every((line) => line.endsWith(' Bearer')),
      requests.join('\n'),
    ).toBe(true);
    expect(requests.filter((line) => /\/blobs\/sha256:/.test(line))).toHaveLength(3); // two layers and the config

    // The blobs came from the other origin, which never saw the token.
    const cdn = front.cdnRequests();
    expect(cdn).toHaveLength(3);
    expect(cdn.map((r) => r.authorization)).toEqual([undefined, undefined, undefined]);
  });

  it('fails the build clearly when the token service refuses, anonymous or with credentials', async () => {
    // The same front under a name no credentials are configured for: an anonymous token request.
    const port = front.host.split(':')[1];
    const anonymous = await build('bearer-anonymous', `FROM localhost:${port}/test/bearer:v1`);
    expect(anonymous.blueprint.status).toBe('failed');
    expect(anonymous.log).toContain(
      `Build failed: FROM localhost:${port}/test/bearer:v1: cannot pull the image: localhost:${port}/test/bearer:v1: the registry refused anonymous access (token service: HTTP 401)`,
    );
    expect(front.tokenRequests().at(-1)).toEqual({
      service: TOKEN_SERVICE,
      scope: 'repository:test/bearer:pull',
      basic: undefined,
    });

    front.tokenAnswer('refuse');
    const refused = await build('bearer-refused', `FROM ${front.host}/test/bearer:v1`);
    expect(refused.blueprint.status).toBe('failed');
    expect(refused.log).toContain(
      `Build failed: FROM ${front.host}/test/bearer:v1: cannot pull the image: ${front.host}/test/bearer:v1: the registry refused the configured credentials (token service: HTTP 401)`,
    );
  });
});
