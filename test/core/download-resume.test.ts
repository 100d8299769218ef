import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import * as t from 'io-ts';
import { lastValueFrom, reduce } from 'rxjs';
import { createApiCaller, type CoreClient } from '../../src/core/index.js';
import { DownloadResumeError } from '../../src/core/resume.js';
import { startServer, type TestServer } from './support/server.js';

let server: TestServer;
const clients: CoreClient[] = [];
const CONTENT = Buffer.from(Array.from({ length: 150_000 }, (_, i) => (i * 31) & 0xff));
const CUT_AT = 50_000;

function client(maxRetries = 3): CoreClient {
  const c = createApiCaller({ bearerToken: 'k', baseURL: server.url, env: {}, random: () => 0, maxRetries });
  clients.push(c);
  return c;
}

/** Serves CONTENT (or the asked range); the first `cuts` answers stop after CUT_AT bytes and drop the connection. */
function serveWithCuts(cuts: number, totalOnResume = CONTENT.length): void {
  let answered = 0;
  server.handle((req, res) => {
    const match = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    const start = match ? Number(match[1]) : 0;
    const part = CONTENT.subarray(start);
    res.writeHead(match ? 206 : 200, {
      'content-type': 'application/octet-stream',
      'content-length': part.length,
      ...(match ? { 'content-range': `bytes ${start}-${CONTENT.length - 1}/${totalOnResume}` } : {}),
    });
    if (answered++ >= cuts) {
      res.end(part);
      return;
    }
    res.write(part.subarray(0, CUT_AT), () => setTimeout(() => res.socket?.destroy(), 20));
  });
}

const download = (c: CoreClient): Promise<Buffer> =>
  lastValueFrom(
    c
      .bytes({
        method: 'POST',
        path: '/v1/devboxes/dbx_1/download_file',
        body: { path: 'big.bin' },
        accept: 'application/octet-stream',
      })
      .pipe(reduce<Uint8Array, Buffer[]>((all, chunk) => [...all, Buffer.from(chunk)], [])),
  ).then((parts) => Buffer.concat(parts));

beforeAll(async () => {
  server = await startServer();
});
afterEach(async () => {
  server.seen.length = 0;
  await Promise.all(clients.splice(0).map((c) => c.config.dispatcher.destroy()));
});
afterAll(async () => {
  await server.close();
});

describe('json(): a small body cut mid-way', () => {
  it('is re-sent (same idempotency key) within the retry budget instead of failing', async () => {
    let answered = 0;
    const body = JSON.stringify({ id: 'obj_1', padding: 'x'.repeat(20_000) });
    server.handle((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      if (answered++ === 0) res.write(body.slice(0, 5_000), () => setTimeout(() => res.socket?.destroy(), 20));
      else res.end(body);
    });
    const value = await lastValueFrom(
      client().json({ method: 'POST', path: '/v1/objects', body: { name: 'a' } }, t.type({ id: t.string })),
    );
    expect(value.id).toBe('obj_1');
    expect(server.seen.map((s) => s.headers['x-stainless-retry-count'])).toEqual(['0', '1']);
    expect(new Set(server.seen.map((s) => s.headers['x-request-id'])).size).toBe(1);
  });
});

describe('bytes(): a download cut mid-body', () => {
  it('resumes from the last byte received with Range, same request otherwise, byte-identical', async () => {
    serveWithCuts(2);
    const bytes = await download(client());
    expect(bytes.equals(CONTENT)).toBe(true);
    expect(server.seen.map((s) => s.headers['range'])).toEqual([undefined, `bytes=${CUT_AT}-`, `bytes=${2 * CUT_AT}-`]);
    expect(server.seen.map((s) => s.headers['x-stainless-retry-count'])).toEqual(['0', '1', '2']);
    // The resumed POST is the same call: same idempotency key, same body.
    expect(new Set(server.seen.map((s) => s.headers['x-request-id'])).size).toBe(1);
    expect(new Set(server.seen.map((s) => s.body)).size).toBe(1);
  });

  it('gives up when the retry budget is spent', async () => {
    serveWithCuts(2);
    await expect(download(client(1))).rejects.toMatchObject({ name: 'APIConnectionError' });
    expect(server.seen).toHaveLength(2);
  });

  it('fails with DownloadResumeError when the content changed size', async () => {
    serveWithCuts(1, CONTENT.length + 10);
    await expect(download(client())).rejects.toBeInstanceOf(DownloadResumeError);
  });
});
