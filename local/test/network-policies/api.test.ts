/**
 * `/v1/network-policies` over real HTTP without devboxes: the wire shape,
 * paging and filters, validation at the door (typed 4xx naming the field,
 * nothing stored), name uniqueness, update semantics, and the official
 * client's CRUD. Enforcement is `enforcement.test.ts`.
 */
import { RunloopSDK } from '@runloop/api-client';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNetworkPoliciesService } from '../../src/network-policies/index.js';
import { startTestServer, type TestServer } from '../../../test/support/local-server.js';
import { devboxServices } from '../devboxes/services.js';

describe('/v1/network-policies', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ services: [createNetworkPoliciesService], runtimeMode: 'none' });
  });
  afterAll(async () => {
    await server?.dispose();
  });

  const count = async (): Promise<number> =>
    (await server.request('GET', '/v1/network-policies')).json.total_count as number;

  it('creates, reads, lists, updates and deletes in the official view shape', async () => {
    const created = await server.request('POST', '/v1/network-policies', {
      name: 'ci',
      allowed_hostnames: ['GitHub.com', '*.npmjs.org', 'github.com'],
    });
    expect(created.status, created.text).toBe(200);
    expect(created.json).toEqual({
      id: expect.stringMatching(/^npo_/),
      name: 'ci',
      description: null,
      create_time_ms: expect.any(Number),
      update_time_ms: created.json.create_time_ms,
      egress: {
        allow_all: false,
        allow_devbox_to_devbox: false,
        allowed_hostnames: ['github.com', '*.npmjs.org'],
        allowed_cidrs: [],
        allow_agent_gateway: false,
        allow_mcp_gateway: false,
        allow_runloop_mirrors: false,
      },
    });
    const id = created.json.id as string;
    expect((await server.request('GET', `/v1/network-policies/${id}`)).json).toEqual(created.json);
    // allow_all implies devbox-to-devbox; omitted and null fields keep their value.
    const updated = await server.request('POST', `/v1/network-policies/${id}`, {
      allow_all: true,
      allowed_hostnames: null,
      description: 'open',
    });
    expect(updated.status, updated.text).toBe(200);
    expect(updated.json.egress).toMatchObject({
      allow_all: true,
      allow_devbox_to_devbox: true,
      allowed_hostnames: ['github.com', '*.npmjs.org'],
    });
    expect(updated.json.description).toBe('open');
    expect(updated.json.name).toBe('ci');
    const deleted = await server.request('POST', `/v1/network-policies/${id}/delete`, {});
    expect(deleted.status).toBe(200);
    expect(deleted.json.id).toBe(id);
    expect((await server.request('GET', `/v1/network-policies/${id}`)).status).toBe(404);
    expect((await server.request('POST', `/v1/network-policies/${id}/delete`, {})).status).toBe(404);
    expect((await server.request('POST', `/v1/network-policies/${id}`, {})).status).toBe(404);
  });

  it('pages and filters by id, name and search', async () => {
    const ids: string[] = [];
    for (const name of ['page-a', 'page-b', 'page-c'])
      ids.push((await server.request('POST', '/v1/network-policies', { name })).json.id);
    const first = await server.request('GET', '/v1/network-policies?limit=2&name=page-');
    expect(first.json.network_policies.map((p: { id: string }) => p.id)).toEqual([ids[2], ids[1]]);
    expect(first.json).toMatchObject({ has_more: true, total_count: 3 });
    const second = await server.request('GET', `/v1/network-policies?limit=2&name=page-&starting_after=${ids[1]}`);
    expect(second.json.network_policies.map((p: { id: string }) => p.id)).toEqual([ids[0]]);
    expect(second.json.has_more).toBe(false);
    expect((await server.request('GET', `/v1/network-policies?id=${ids[0]}`)).json.network_policies).toHaveLength(1);
    expect((await server.request('GET', `/v1/network-policies?search=${ids[1]}`)).json.network_policies[0].id).toBe(
      ids[1],
    );
    expect((await server.request('GET', '/v1/network-policies?search=age-c')).json.network_policies[0].id).toBe(ids[2]);
    expect((await server.request('GET', '/v1/network-policies?limit=0')).status).toBe(400);
  });

  it('refuses bad input with a typed 4xx naming the field, and stores nothing', async () => {
    const before = await count();
    const cases: Array<[unknown, number, RegExp]> = [
      [{}, 400, /body\.name/],
      [{ name: '' }, 400, /body\.name/],
      [{ name: 'x'.repeat(257) }, 400, /body\.name/],
      [{ name: 'd', description: 'x'.repeat(1001) }, 400, /body\.description/],
      [{ name: 'h', allowed_hostnames: 'github.com' }, 400, /body\.allowed_hostnames/],
      [{ name: 'h', allowed_hostnames: ['a'.repeat(254)] }, 400, /body\.allowed_hostnames.*253/],
      [
        { name: 'h', allowed_hostnames: Array.from({ length: 257 }, (_, i) => `h${i}.example.com`) },
        400,
        /body\.allowed_hostnames/,
      ],
      [
        { name: 'h', allowed_hostnames: ['ok.example.com', 'a.*.example.com'] },
        400,
        /body\.allowed_hostnames\[1\].*wildcard/,
      ],
      [{ name: 'h', allowed_hostnames: ['*'] }, 400, /body\.allowed_hostnames\[0\]/],
      [{ name: 'h', allowed_hostnames: ['*.com'] }, 400, /body\.allowed_hostnames\[0\].*two labels/],
      [{ name: 'h', allowed_hostnames: ['example.com.'] }, 400, /body\.allowed_hostnames\[0\].*trailing dot/],
      [{ name: 'h', allowed_hostnames: ['-bad.example.com'] }, 400, /body\.allowed_hostnames\[0\]/],
      [{ name: 'h', allowed_hostnames: ['exa mple.com'] }, 400, /body\.allowed_hostnames\[0\]/],
      [{ name: 'h', allowed_hostnames: [`${'a'.repeat(64)}.com`] }, 400, /body\.allowed_hostnames\[0\]/],
      [{ name: 'b', allow_all: 'yes' }, 400, /body\.allow_all/],
      [{ name: 'c', allowed_cidrs: [{ cidr: '10.0.0.0/8' }] }, 422, /body\.allowed_cidrs/],
      [{ name: 'g', allow_mcp_gateway: true }, 422, /body\.allow_mcp_gateway/],
      [{ name: 'g', allow_agent_gateway: true }, 422, /body\.allow_agent_gateway/],
      [{ name: 'g', allow_runloop_mirrors: true }, 422, /body\.allow_runloop_mirrors/],
    ];
    for (const [body, status, message] of cases) {
      const res = await server.request('POST', '/v1/network-policies', body);
      expect(res.status, JSON.stringify(body).slice(0, 100)).toBe(status);
      expect(res.json.message, JSON.stringify(body).slice(0, 100)).toMatch(message);
      expect(typeof res.json.error).toBe('string');
    }
    expect(await count()).toBe(before);
    // Explicit false for the hosted-only rules is fine: it is what the official client may send.
    const ok = await server.request('POST', '/v1/network-policies', {
      name: 'falses',
      allow_mcp_gateway: false,
      allowed_cidrs: [],
    });
    expect(ok.status, ok.text).toBe(200);
  });

  it('keeps names unique (409) on create and on rename, and an invalid update changes nothing', async () => {
    const a = (
      await server.request('POST', '/v1/network-policies', { name: 'unique-a', allowed_hostnames: ['a.example.com'] })
    ).json;
    const b = (await server.request('POST', '/v1/network-policies', { name: 'unique-b' })).json;
    const again = await server.request('POST', '/v1/network-policies', { name: 'unique-a' });
    expect(again.status).toBe(409);
    expect(again.json.message).toMatch(/body\.name/);
    expect((await server.request('POST', `/v1/network-policies/${b.id}`, { name: 'unique-a' })).status).toBe(409);
    const bad = await server.request('POST', `/v1/network-policies/${a.id}`, {
      name: 'renamed',
      allowed_hostnames: ['bad..example.com'],
    });
    expect(bad.status).toBe(400);
    expect((await server.request('GET', `/v1/network-policies/${a.id}`)).json).toEqual(a);
  });

  it('answers hostile bodies with a 4xx (never a 500), and a refused create stores nothing (fast-check)', async () => {
    const field = fc.constantFrom(
      'name',
      'description',
      'allow_all',
      'allow_devbox_to_devbox',
      'allowed_hostnames',
      'allowed_cidrs',
      'allow_mcp_gateway',
    );
    const value = fc.oneof(
      fc.jsonValue({ maxDepth: 2 }),
      fc.string({ maxLength: 300 }),
      fc.array(
        fc.oneof(
          fc.string({ maxLength: 70 }),
          fc.constantFrom('*.', '*', 'a..b', '*.a.b', 'xn--a.b', '\0', '😀.com', `${'a'.repeat(63)}.b`),
        ),
        { maxLength: 5 },
      ),
    );
    const target = (await server.request('POST', '/v1/network-policies', { name: 'fuzz-target' })).json.id as string;
    const seed = Math.floor(Math.random() * 2 ** 31);
    await fc.assert(
      fc.asyncProperty(fc.dictionary(field, value, { maxKeys: 4 }), fc.boolean(), async (body, update) => {
        const before = await count();
        const res = update
          ? await server.request('POST', `/v1/network-policies/${target}`, body)
          : await server.request('POST', '/v1/network-policies', body);
        expect(res.status, `seed ${seed}: ${JSON.stringify(body).slice(0, 200)}`).toBeLessThan(500);
        if (res.status !== 200) {
          expect(typeof res.json.error).toBe('string');
          expect(await count()).toBe(before);
        } else if (!update) {
          await server.request('POST', `/v1/network-policies/${res.json.id}/delete`, {});
        }
      }),
      { seed, numRuns: 150 },
    );
  });

  it('serves the official client unchanged', async () => {
    const api = new RunloopSDK({ bearerToken: server.token, baseURL: server.url }).api;
    const created = await api.networkPolicies.create({ name: 'official', allow_devbox_to_devbox: true });
    expect(created.egress.allow_devbox_to_devbox).toBe(true);
    const page = await api.networkPolicies.list({ name: 'official' });
    expect(page.network_policies.map((p) => p.id)).toEqual([created.id]);
    expect((await api.networkPolicies.update(created.id, { name: 'official-2' })).name).toBe('official-2');
    await expect(api.networkPolicies.create({ name: 'bad', allowed_hostnames: ['*.*'] })).rejects.toMatchObject({
      status: 400,
    });
    expect((await api.networkPolicies.delete(created.id)).id).toBe(created.id);
    await expect(api.networkPolicies.retrieve(created.id)).rejects.toMatchObject({ status: 404 });
  });
});

describe('network policies on a server that cannot enforce them', () => {
  it('refuses a devbox under a policy on the plain-process runtime (no sandbox) with a 422, and an unknown id with a 404', async () => {
    const server = await startTestServer({
      services: [createNetworkPoliciesService, ...devboxServices()],
      runtimeMode: 'process',
    });
    try {
      const policy = (await server.request('POST', '/v1/network-policies', { name: 'p' })).json;
      const refused = await server.request('POST', '/v1/devboxes', {
        launch_parameters: { network_policy_id: policy.id },
      });
      expect(refused.status, refused.text).toBe(422);
      expect(refused.json).toMatchObject({
        error: 'unsupported',
        message: expect.stringMatching(/launch_parameters\.network_policy_id: this server cannot enforce/),
      });
      const unknown = await server.request('POST', '/v1/devboxes', {
        launch_parameters: { network_policy_id: 'npo_nothing' },
      });
      expect(unknown.status).toBe(404);
      expect((await server.request('GET', '/v1/devboxes')).json.devboxes).toEqual([]);
    } finally {
      await server.dispose();
    }
  });
});
