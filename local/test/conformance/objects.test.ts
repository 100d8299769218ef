/**
 * The official @runloop/api-client (h2c by default for an http:// base URL;
 * presigned URLs over plain HTTP/1.1) driving storage objects on a real
 * runloop-local server.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Runloop } from '@runloop/api-client';
import { RunloopSDK } from '@runloop/api-client/sdk.mjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServiceFactory } from '../../src/context.js';
import { createObjectsService } from '../../src/objects/index.js';
import { startTestServer, type TestServer } from '../../../test/support/local-server.js';

describe('conformance: storage objects through the official client', () => {
  let server: TestServer;
  let client: Runloop;
  let sdk: RunloopSDK;
  /** `httpVersion` of every request, by path kind, as the server saw it. */
  const versions = { api: new Set<string>(), presigned: new Set<string>() };
  const recorder: ServiceFactory = () => ({
    name: 'recorder',
    routes: () => [],
    interceptRequest: (req) => {
      versions[req.url?.startsWith('/presigned/') ? 'presigned' : 'api'].add(req.httpVersion);
      return false;
    },
  });

  beforeAll(async () => {
    server = await startTestServer({ runtimeMode: 'none', services: [createObjectsService, recorder] });
    client = new Runloop({ bearerToken: server.token, baseURL: server.url, maxRetries: 0 });
    sdk = new RunloopSDK({ bearerToken: server.token, baseURL: server.url, maxRetries: 0 });
  });
  afterAll(() => server.dispose());

  it('uploads text and a binary buffer with the object SDK and downloads them back', async () => {
    const text = await sdk.storageObject.uploadFromText('hello from the official client\n', 'greeting.txt', {
      metadata: { origin: 'conformance' },
    });
    expect(await text.downloadAsText()).toBe('hello from the official client\n');
    const info = await text.getInfo();
    expect(info).toMatchObject({
      name: 'greeting.txt',
      content_type: 'text',
      state: 'READ_ONLY',
      metadata: { origin: 'conformance' },
    });

    const bytes = randomBytes(3 * 1024 * 1024 + 7);
    const binary = await sdk.storageObject.uploadFromBuffer(bytes, 'blob.bin', 'binary');
    expect((await binary.downloadAsBuffer()).equals(bytes)).toBe(true);
    expect((await binary.getInfo()).size_bytes).toBe(bytes.length);

    const listed = await sdk.storageObject.list({ search: 'greeting' });
    expect(listed.map((o) => o.id)).toEqual([text.id]);

    await binary.delete();
    expect((await binary.getInfo()).state).toBe('DELETED');
    // The API went over h2c, the presigned URLs over HTTP/1.1, on the same port.
    expect([...versions.api]).toEqual(['2.0']);
    expect([...versions.presigned]).toEqual(['1.1']);
  });

  it('uploads a directory as a tgz build context', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rl-ctx-'));
    try {
      await mkdir(join(dir, 'src'));
      await writeFile(join(dir, 'src', 'a.txt'), 'a');
      await writeFile(join(dir, 'Dockerfile'), 'FROM scratch\n');
      const obj = await sdk.storageObject.uploadFromDir(dir, { name: 'ctx', ttl_ms: 3_600_000 });
      const info = await obj.getInfo();
      expect(info).toMatchObject({ content_type: 'tgz', state: 'READ_ONLY' });
      expect(info.delete_after_time_ms).toBe(info.create_time_ms + 3_600_000);
      const gz = await obj.downloadAsBuffer();
      expect(gz.subarray(0, 2).equals(Buffer.from([0x1f, 0x8b]))).toBe(true);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('pages through objects with the raw client auto-pagination', async () => {
    const tag = randomBytes(4).toString('hex');
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const created = await client.objects.create({ name: `${tag}-${i}`, content_type: 'unspecified' });
      ids.push(created.id);
    }
    const seen: string[] = [];
    for await (const obj of client.objects.list({ name: tag, limit: 2 })) seen.push(obj.id);
    expect(seen.sort()).toEqual([...ids].sort());
  });

  it('surfaces server errors as the client error classes', async () => {
    await expect(client.objects.retrieve('obj_does_not_exist')).rejects.toMatchObject({ status: 404 });
    const created = await client.objects.create({ name: 'never-uploaded', content_type: 'text' });
    await expect(client.objects.complete(created.id)).rejects.toMatchObject({ status: 409 });
    await expect(client.objects.download(created.id, { duration_seconds: 0 })).rejects.toMatchObject({ status: 400 });
    const stranger = new Runloop({ bearerToken: 'wrong', baseURL: server.url, maxRetries: 0 });
    await expect(stranger.objects.list()).rejects.toMatchObject({ status: 401 });
  });
});
