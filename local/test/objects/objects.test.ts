import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { once } from 'node:events';
import { readdir, rm } from 'node:fs/promises';
import net from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createObjectsService } from '../../src/objects/index.js';
import { readResponse, startTestServer, type TestServer } from '../../../test/support/local-server.js';
import { expectRangeAnswers } from '../http/range-checks.js';

/** Creates an object, uploads `bytes` over plain HTTP/1.1 without auth, completes it. */
async function uploadObject(
  server: TestServer,
  name: string,
  bytes: Buffer,
  contentType = 'binary',
  extra: object = {},
) {
  const created = await server.request('POST', '/v1/objects', { name, content_type: contentType, ...extra });
  expect(created.status).toBe(200);
  const put = await fetch(created.json.upload_url, { method: 'PUT', body: bytes });
  expect(put.status).toBe(200);
  await put.arrayBuffer();
  const completed = await server.request('POST', `/v1/objects/${created.json.id}/complete`, {});
  expect(completed.status).toBe(200);
  return completed.json;
}

async function download(server: TestServer, id: string): Promise<Buffer> {
  const url = await server.request('GET', `/v1/objects/${id}/download`);
  expect(url.status).toBe(200);
  const res = await fetch(url.json.download_url);
  expect(res.status).toBe(200);
  return Buffer.from(await res.arrayBuffer());
}

describe('storage objects (real server)', () => {
  let server: TestServer;
  let clock = Date.now();

  beforeAll(async () => {
    server = await startTestServer({ runtimeMode: 'none', services: [createObjectsService], now: () => clock });
  });
  afterAll(() => server.dispose());

  it('answers Range on the presigned download: 206 with Content-Range, 416 past the end', async () => {
    const bytes = randomBytes(5000);
    const object = await uploadObject(server, 'ranged.bin', bytes);
    const url = (await server.request('GET', `/v1/objects/${object.id}/download`)).json.download_url as string;
    await expectRangeAnswers((range) => fetch(url, { headers: range === undefined ? {} : { range } }), bytes);
  });

  it('runs the whole flow with a multi-MB binary body: create, PUT, complete, download the same bytes', async () => {
    const bytes = randomBytes(6 * 1024 * 1024 + 123);
    const created = await server.request('POST', '/v1/objects', {
      name: 'blob.bin',
      content_type: 'binary',
      metadata: { k: 'v' },
    });
    expect(created.json).toMatchObject({
      name: 'blob.bin',
      content_type: 'binary',
      state: 'UPLOADING',
      size_bytes: null,
    });
    expect(created.json.upload_url).toMatch(new RegExp(`^${server.url}/presigned/objects/${created.json.id}\\?`));
    const put = await fetch(created.json.upload_url, { method: 'PUT', body: bytes });
    expect(put.status).toBe(200);
    const completed = await server.request('POST', `/v1/objects/${created.json.id}/complete`, {});
    expect(completed.json).toMatchObject({ state: 'READ_ONLY', size_bytes: bytes.length, metadata: { k: 'v' } });
    expect(completed.json.upload_url).toBeUndefined();
    const url = await server.request('GET', `/v1/objects/${created.json.id}/download?duration_seconds=60`);
    const got = await fetch(url.json.download_url);
    expect(got.headers.get('content-length')).toBe(String(bytes.length));
    expect(Buffer.from(await got.arrayBuffer()).equals(bytes)).toBe(true);
  });

  it('completes only uploaded objects and accepts uploads only while UPLOADING', async () => {
    const created = await server.request('POST', '/v1/objects', { name: 'empty', content_type: 'text' });
    const early = await server.request('POST', `/v1/objects/${created.json.id}/complete`, {});
    expect(early.status).toBe(409);
    expect(early.json.message).toContain('upload_url');
    const notReady = await server.request('GET', `/v1/objects/${created.json.id}/download`);
    expect(notReady.status).toBe(409);
    await (await fetch(created.json.upload_url, { method: 'PUT', body: 'x' })).text();
    await server.request('POST', `/v1/objects/${created.json.id}/complete`, {});
    const again = await server.request('POST', `/v1/objects/${created.json.id}/complete`, {});
    expect(again.json.state).toBe('READ_ONLY');
    const late = await readResponse(await fetch(created.json.upload_url, { method: 'PUT', body: 'changed' }));
    expect(late.status).toBe(409);
    expect((await download(server, created.json.id)).toString()).toBe('x');
  });

  it('leaves no trace of an upload the client abandoned mid-body', async () => {
    const created = await server.request('POST', '/v1/objects', { name: 'abandoned', content_type: 'binary' });
    const url = new URL(created.json.upload_url);
    const socket = net.connect(Number(url.port), url.hostname);
    await once(socket, 'connect');
    socket.write(`PUT ${url.pathname}${url.search} HTTP/1.1\r\nhost: ${url.host}\r\ncontent-length: 1000000\r\n\r\n`);
    socket.write(randomBytes(100_000));
    const tmpDir = join(server.dataDir, 'objects', '.tmp');
    const settle = async (until: (n: number) => boolean): Promise<void> => {
      for (let i = 0; i < 1000 && !until((await readdir(tmpDir)).length); i++)
        await new Promise((r) => setTimeout(r, 10));
    };
    // Abandon only once the server is staging the bytes.
    await settle((n) => n > 0);
    expect((await readdir(tmpDir)).length).toBe(1);
    socket.destroy();
    await settle((n) => n === 0);
    expect(await readdir(tmpDir)).toEqual([]);
    expect(existsSync(join(server.dataDir, 'objects', created.json.id))).toBe(false);
    expect((await server.request('GET', `/v1/objects/${created.json.id}`)).json.size_bytes).toBeNull();
    expect((await server.request('POST', `/v1/objects/${created.json.id}/complete`, {})).status).toBe(409);
  });

  it('refuses tampered, wrong-op and expired presigned URLs with 403 JSON', async () => {
    const obj = await uploadObject(server, 'signed.txt', Buffer.from('signed'), 'text');
    const { json } = await server.request('GET', `/v1/objects/${obj.id}/download?duration_seconds=5`);
    const url = new URL(json.download_url);
    const tampered = new URL(url);
    tampered.searchParams.set(
      'sig',
      url.searchParams.get('sig')!.replace(/^./, (c) => (c === 'a' ? 'b' : 'a')),
    );
    const longer = new URL(url);
    longer.searchParams.set('expires', String(Number(url.searchParams.get('expires')) + 1_000_000));
    const otherId = new URL(url.href.replace(obj.id, `${obj.id}0`));
    const wrongOp = await fetch(url, { method: 'PUT', body: 'overwrite' });
    for (const bad of [tampered, longer, otherId]) {
      const res = await readResponse(await fetch(bad));
      expect(res.status, bad.href).toBe(403);
      expect(res.json.error).toBe('forbidden');
    }
    expect(wrongOp.status).toBe(403);
    expect((await readResponse(wrongOp)).json.message).toContain('does not allow upload');
    clock += 6_000;
    try {
      const expired = await readResponse(await fetch(url));
      expect(expired.status).toBe(403);
      expect(expired.json.message).toContain('expired');
    } finally {
      clock -= 6_000;
    }
  });

  it('validates bodies and queries on every object route with 400', async () => {
    const obj = await uploadObject(server, 'v.txt', Buffer.from('v'), 'text');
    const cases: Array<[string, string, unknown, string]> = [
      ['POST', '/v1/objects', { name: 'a', content_type: 'zip' }, 'body.content_type'],
      ['POST', '/v1/objects', { content_type: 'text' }, 'body.name'],
      ['POST', '/v1/objects', { name: 'a', content_type: 'text', ttl_ms: -5 }, 'body.ttl_ms'],
      ['POST', '/v1/objects', '{bad json', ''],
      ['POST', `/v1/objects/${obj.id}/complete`, '[1', ''],
      ['POST', `/v1/objects/${obj.id}/complete`, 'true', 'body'],
      ['POST', `/v1/objects/${obj.id}/delete`, '"x"', 'body'],
      ['GET', '/v1/objects?limit=0', undefined, 'query.limit'],
      ['GET', '/v1/objects?state=GONE', undefined, 'query.state'],
      ['GET', '/v1/objects?include_total_count=maybe', undefined, 'query.include_total_count'],
      ['GET', `/v1/objects/${obj.id}/download?duration_seconds=0`, undefined, 'query.duration_seconds'],
      ['GET', `/v1/objects/${obj.id}/download?duration_seconds=abc`, undefined, 'query.duration_seconds'],
      ['GET', '/v1/objects/list_public?limit=-1', undefined, 'query.limit'],
    ];
    for (const [method, path, body, mentions] of cases) {
      const res = await server.request(method, path, body);
      expect(res.status, `${method} ${path}`).toBe(400);
      expect(res.json.message, `${method} ${path}`).toContain(mentions);
    }
    expect((await server.request('GET', '/v1/objects/obj_missing')).status).toBe(404);
  });

  it('lists with cursor pagination and filters (content type, partial name, search, state)', async () => {
    const tag = randomBytes(4).toString('hex');
    const made = [];
    for (let i = 0; i < 5; i++) {
      made.push(await uploadObject(server, `${tag}-file-${i}.txt`, Buffer.from(`n${i}`), i % 2 === 0 ? 'text' : 'tar'));
    }
    const pending = await server.request('POST', '/v1/objects', { name: `${tag}-pending`, content_type: 'gzip' });

    const seen: string[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < 10; page++) {
      const q = `/v1/objects?name=${tag}-file&limit=2${cursor ? `&starting_after=${cursor}` : ''}`;
      const res = await server.request('GET', q);
      expect(res.json.total_count).toBe(5);
      seen.push(...res.json.objects.map((o: { id: string }) => o.id));
      if (!res.json.has_more) break;
      cursor = res.json.objects.at(-1).id;
    }
    expect(seen).toEqual(made.map((o) => o.id).reverse());

    const tars = await server.request('GET', `/v1/objects?name=${tag}&content_type=tar`);
    expect(tars.json.objects.map((o: { name: string }) => o.name).sort()).toEqual([
      `${tag}-file-1.txt`,
      `${tag}-file-3.txt`,
    ]);
    const byId = await server.request('GET', `/v1/objects?search=${made[2].id}`);
    expect(byId.json.objects.map((o: { id: string }) => o.id)).toEqual([made[2].id]);
    const byName = await server.request('GET', `/v1/objects?search=${tag}-pend`);
    expect(byName.json.objects.map((o: { id: string }) => o.id)).toEqual([pending.json.id]);
    const uploading = await server.request('GET', `/v1/objects?name=${tag}&state=UPLOADING`);
    expect(uploading.json.objects.map((o: { id: string }) => o.id)).toEqual([pending.json.id]);
    const noCount = await server.request('GET', `/v1/objects?name=${tag}&include_total_count=false`);
    expect(noCount.json.total_count).toBeUndefined();
    const badCursor = await server.request('GET', '/v1/objects?starting_after=obj_nope');
    expect(badCursor.status).toBe(400);
    const pub = await server.request('GET', '/v1/objects/list_public');
    expect(pub.json).toEqual({ objects: [], has_more: false, total_count: 0 });
  });

  it('deletes: state DELETED, bytes removed, hidden from lists, no download', async () => {
    const obj = await uploadObject(server, 'gone.txt', Buffer.from('bye'), 'text');
    const file = join(server.dataDir, 'objects', obj.id);
    expect(existsSync(file)).toBe(true);
    const deleted = await server.request('POST', `/v1/objects/${obj.id}/delete`, {});
    expect(deleted.json.state).toBe('DELETED');
    expect(existsSync(file)).toBe(false);
    expect((await server.request('GET', `/v1/objects/${obj.id}`)).json.state).toBe('DELETED');
    expect((await server.request('GET', `/v1/objects/${obj.id}/download`)).status).toBe(409);
    const listed = await server.request('GET', '/v1/objects?search=gone.txt');
    expect(listed.json.objects).toEqual([]);
    const deletedOnly = await server.request('GET', `/v1/objects?search=${obj.id}&state=DELETED`);
    expect(deletedOnly.json.objects.map((o: { id: string }) => o.id)).toEqual([obj.id]);
  });

  it('de-duplicates a retried create by x-request-id (one object)', async () => {
    const tag = randomBytes(4).toString('hex');
    const headers = { 'x-request-id': `create-${tag}` };
    const [a, b] = await Promise.all([
      server.request('POST', '/v1/objects', { name: tag, content_type: 'text' }, headers),
      server.request('POST', '/v1/objects', { name: tag, content_type: 'text' }, headers),
    ]);
    const c = await server.request('POST', '/v1/objects', { name: tag, content_type: 'text' }, headers);
    expect(b.json.id).toBe(a.json.id);
    expect(c.json.id).toBe(a.json.id);
    const listed = await server.request('GET', `/v1/objects?name=${tag}`);
    expect(listed.json.total_count).toBe(1);
  });
});

describe('storage objects across restarts (real server)', () => {
  it('keeps objects and their bytes when the server restarts on the same data dir', async () => {
    const first = await startTestServer({ runtimeMode: 'none', services: [createObjectsService], keepDataDir: true });
    const bytes = randomBytes(300_000);
    let obj;
    try {
      obj = await uploadObject(first, 'kept.bin', bytes);
    } finally {
      await first.dispose();
    }
    const second = await startTestServer({
      runtimeMode: 'none',
      services: [createObjectsService],
      dataDir: first.dataDir,
      token: first.token,
    });
    try {
      expect((await second.request('GET', `/v1/objects/${obj.id}`)).json).toMatchObject({
        state: 'READ_ONLY',
        size_bytes: bytes.length,
      });
      expect((await download(second, obj.id)).equals(bytes)).toBe(true);
    } finally {
      await second.dispose();
      await rm(first.dataDir, { recursive: true, force: true });
    }
  });

  it('expires objects after ttl_ms, also when the deadline passes while the server is down', async () => {
    let clock = Date.now();
    const now = () => clock;
    const first = await startTestServer({
      runtimeMode: 'none',
      services: [createObjectsService],
      keepDataDir: true,
      now,
    });
    let soon;
    let later;
    try {
      soon = await uploadObject(first, 'soon', Buffer.from('a'), 'text', { ttl_ms: 1_000 });
      later = await uploadObject(first, 'later', Buffer.from('b'), 'text', { ttl_ms: 3_600_000 });
      expect(soon.delete_after_time_ms).toBe(soon.create_time_ms + 1_000);
      clock += 2_000;
      // Read-time check: an expired object is never served.
      expect((await first.request('GET', `/v1/objects/${soon.id}`)).json.state).toBe('DELETED');
    } finally {
      await first.dispose();
    }
    clock += 3_600_000;
    const second = await startTestServer({
      runtimeMode: 'none',
      services: [createObjectsService],
      dataDir: first.dataDir,
      token: first.token,
      now,
    });
    try {
      // The start-up sweep deletes what expired while the server was down, bytes included.
      expect(existsSync(join(second.dataDir, 'objects', later.id))).toBe(false);
      const listed = await second.request('GET', `/v1/objects?search=later&state=DELETED`);
      expect(listed.json.objects.map((o: { id: string }) => o.id)).toEqual([later.id]);
    } finally {
      await second.dispose();
      await rm(first.dataDir, { recursive: true, force: true });
    }
  });
});
