import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { Readable } from 'node:stream';
import { lastValueFrom, reduce } from 'rxjs';
import { presignedGet, presignedPut } from '../../src/sdk/internal/presigned.js';
import { ObjectTransferError } from '../../src/sdk/errors.js';
import { APIUserAbortError } from '../../src/core/errors.js';

let server: Server;
let base = '';
const stored = new Map<string, Buffer>();
const seenHeaders: IncomingHttpHeaders[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    seenHeaders.push(req.headers);
    if (req.url === '/forbidden') {
      res.writeHead(403).end('nope');
      return;
    }
    if (req.method === 'PUT') {
      const parts: Buffer[] = [];
      req.on('data', (c: Buffer) => parts.push(c));
      req.on('end', () => {
        stored.set(req.url ?? '', Buffer.concat(parts));
        res.writeHead(200).end();
      });
      return;
    }
    const body = stored.get(req.url ?? '');
    if (body === undefined) res.writeHead(404).end('missing');
    else res.writeHead(200).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no address');
  base = `http://127.0.0.1:${address.port}`;
});
afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

describe('presigned transfers', () => {
  it('PUTs a stream (chunked) and bytes (with length), without auth headers, and GETs them back', async () => {
    await lastValueFrom(presignedPut(`${base}/a`, () => Readable.from([Buffer.from('he'), Buffer.from('llo')])), { defaultValue: undefined });
    await lastValueFrom(presignedPut(`${base}/b`, new Uint8Array([1, 2, 3]), { length: 3 }), { defaultValue: undefined });
    const text = await lastValueFrom(presignedGet(`${base}/a`).pipe(reduce((s, c) => s + Buffer.from(c).toString(), '')));
    expect(text).toBe('hello');
    expect([...stored.get('/b')!]).toEqual([1, 2, 3]);
    expect(seenHeaders.every((h) => h.authorization === undefined)).toBe(true);
  });

  it('fails with ObjectTransferError on a non-2xx answer', async () => {
    await expect(lastValueFrom(presignedGet(`${base}/forbidden`))).rejects.toMatchObject({ status: 403, method: 'GET' });
    await expect(lastValueFrom(presignedPut(`${base}/forbidden`, 'x'), { defaultValue: undefined })).rejects.toBeInstanceOf(ObjectTransferError);
  });

  it('an aborted signal fails with APIUserAbortError', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(lastValueFrom(presignedGet(`${base}/a`, { signal: controller.signal }))).rejects.toBeInstanceOf(APIUserAbortError);
  });
});
