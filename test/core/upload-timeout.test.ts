import { afterAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import * as t from 'io-ts';
import { lastValueFrom } from 'rxjs';
import { FormData } from 'undici';
import { createApiCaller } from '../../src/core/index.js';

const TIMEOUT_MS = 400;
const SLOW_FOR_MS = 1_500;
const servers: Server[] = [];

afterAll(async () => {
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
});

/** Reads each request slowly for SLOW_FOR_MS (so the client's send takes that long), then fast, then answers. */
async function slowReader(): Promise<{ url: string; seen: { contentType: string | undefined; bytes: number }[] }> {
  const seen: { contentType: string | undefined; bytes: number }[] = [];
  const server = createServer((req, res) => {
    const started = Date.now();
    let bytes = 0;
    req.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      if (Date.now() - started < SLOW_FOR_MS) {
        req.pause();
        setTimeout(() => req.resume(), 20);
      }
    });
    req.on('end', () => {
      seen.push({ contentType: req.headers['content-type'], bytes });
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: true }));
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

describe('the header timeout of an upload', () => {
  it('starts once the body is sent: a multipart upload slower than timeoutMs succeeds, whole', async () => {
    const { url, seen } = await slowReader();
    const c = createApiCaller({ bearerToken: 'k', baseURL: url, env: {}, maxRetries: 0, timeoutMs: TIMEOUT_MS });
    const form = new FormData();
    form.append('path', 'big.bin');
    form.append('file', new Blob([Buffer.alloc(24 * 1024 * 1024, 7)]), 'big.bin');
    const started = Date.now();
    try {
      const value = await lastValueFrom(
        c.json({ method: 'POST', path: '/v1/devboxes/dbx_1/upload_file', multipart: form }, t.type({ ok: t.boolean })),
      );
      expect(value.ok).toBe(true);
    } finally {
      await c.close();
    }
    // The send really took longer than the timeout, and the whole form arrived.
    expect(Date.now() - started).toBeGreaterThan(TIMEOUT_MS);
    expect(seen[0]?.contentType).toMatch(/^multipart\/form-data; boundary=/);
    expect(seen[0]?.bytes).toBeGreaterThan(24 * 1024 * 1024);
  });

  it('starts once the body is sent: a byte-stream upload (a file) slower than timeoutMs succeeds, whole', async () => {
    const { url, seen } = await slowReader();
    const c = createApiCaller({ bearerToken: 'k', baseURL: url, env: {}, maxRetries: 0, timeoutMs: TIMEOUT_MS });
    const size = 24 * 1024 * 1024;
    const chunks = Array.from({ length: 24 }, () => Buffer.alloc(1024 * 1024, 7));
    const started = Date.now();
    try {
      const res = await lastValueFrom(
        c.transfer({
          method: 'PUT',
          url: `${url}/upload`,
          headers: {},
          buffered: true,
          body: { open: () => Readable.from(chunks, { objectMode: false }), length: size, replayable: true },
        }),
      );
      expect(res.status).toBe(200);
    } finally {
      await c.close();
    }
    expect(Date.now() - started).toBeGreaterThan(TIMEOUT_MS);
    expect(seen[0]?.bytes).toBe(size);
  });
});
