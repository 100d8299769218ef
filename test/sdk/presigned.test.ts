import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { Readable } from 'node:stream';
import { lastValueFrom, reduce } from 'rxjs';
import { Agent } from 'undici';
import { presignedGet, presignedPut } from '../../src/sdk/internal/presigned.js';
import { ObjectTransferError } from '../../src/sdk/errors.js';
import { APIUserAbortError } from '../../src/core/errors.js';
import { DownloadResumeError } from '../../src/core/resume.js';
import { createTransferHandler, type TransferHandler } from '../../src/core/transfer.js';
import { createUndiciTransport } from '../../src/core/transport.js';
import type { HttpInterceptor } from '../../src/core/http.js';

let server: Server;
let base = '';
const agent = new Agent();
const stored = new Map<string, Buffer>();
const seen: { url: string; method: string; headers: IncomingHttpHeaders }[] = [];
/** Requests per path so far, for answers that change on a retry. */
const hits = new Map<string, number>();
const BIG = Buffer.from(Array.from({ length: 200_000 }, (_, i) => (i * 7 + (i >> 8)) & 0xff));
const CUT_AT = 70_001;

/** Sends `bytes` (or the asked range of them); `cut` stops after CUT_AT bytes and drops the connection. */
function sendBody(
  req: IncomingMessage,
  res: ServerResponse,
  bytes: Buffer,
  cut: boolean,
  totalOverride?: number,
): void {
  const match = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
  const start = match ? Number(match[1]) : 0;
  const part = bytes.subarray(start);
  const headers: Record<string, string | number> = {
    'content-type': 'application/octet-stream',
    'content-length': part.length,
  };
  if (match) headers['content-range'] = `bytes ${start}-${bytes.length - 1}/${totalOverride ?? bytes.length}`;
  res.writeHead(match ? 206 : 200, headers);
  if (!cut) {
    res.end(part);
    return;
  }
  res.write(part.subarray(0, CUT_AT), () => setTimeout(() => res.socket?.destroy(), 20));
}

beforeAll(async () => {
  server = createServer((req, res) => {
    const url = req.url ?? '';
    const path = url.split('?')[0] ?? '';
    seen.push({ url, method: req.method ?? '', headers: req.headers });
    const n = (hits.get(path) ?? 0) + 1;
    hits.set(path, n);
    if (path === '/forbidden') {
      res.writeHead(403).end('nope');
      return;
    }
    if (req.method === 'PUT') {
      const parts: Buffer[] = [];
      req.on('data', (c: Buffer) => parts.push(c));
      req.on('end', () => {
        if (path.startsWith('/flaky') && n === 1) {
          res.writeHead(503, { 'retry-after': '0' }).end('busy');
          return;
        }
        stored.set(path, Buffer.concat(parts));
        res.writeHead(200).end();
      });
      return;
    }
    if (path === '/flaky-get' && n === 1) {
      res.writeHead(503, { 'retry-after': '0' }).end('busy');
      return;
    }
    if (path === '/flaky-get') {
      res.writeHead(200).end('after a retry');
      return;
    }
    if (path === '/cut') return sendBody(req, res, BIG, n <= 2);
    if (path === '/changed') return sendBody(req, res, BIG, n === 1, BIG.length + 1);
    if (path === '/ignores-range') {
      if (n === 1) return sendBody(req, res, BIG, true);
      res.writeHead(200, { 'content-length': BIG.length }).end(BIG);
      return;
    }
    const body = stored.get(path);
    if (body === undefined) res.writeHead(404).end('missing');
    else res.writeHead(200).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no address');
  base = `http://127.0.0.1:${address.port}`;
});
afterAll(async () => {
  await agent.close();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});
beforeEach(() => {
  seen.length = 0;
  hits.clear();
});

/** The SDK's transfer pipeline on a real undici transport, recording each attempt an interceptor sees. */
function pipeline(attempts: string[] = [], maxRetries = 3): TransferHandler {
  const record: HttpInterceptor = (req, next) => {
    attempts.push(`${req.method} ${new URL(req.url).pathname} ${req.headers['range'] ?? ''}`.trim());
    return next(req);
  };
  return createTransferHandler({
    transport: createUndiciTransport({ dispatcher: agent }),
    maxRetries,
    random: () => 0,
    interceptors: [record],
  });
}

const bytesOf = (source: ReturnType<typeof presignedGet>): Promise<Buffer> =>
  lastValueFrom(source.pipe(reduce<Uint8Array, Buffer[]>((all, c) => [...all, Buffer.from(c)], []))).then((parts) =>
    Buffer.concat(parts),
  );

describe('presigned transfers', () => {
  it('PUTs a stream (chunked) and bytes (with length), without auth headers, and GETs them back', async () => {
    const send = pipeline();
    await lastValueFrom(
      presignedPut(send, `${base}/a`, () => Readable.from([Buffer.from('he'), Buffer.from('llo')])),
      { defaultValue: undefined },
    );
    await lastValueFrom(presignedPut(send, `${base}/b`, new Uint8Array([1, 2, 3]), { length: 3 }), {
      defaultValue: undefined,
    });
    const text = await lastValueFrom(
      presignedGet(send, `${base}/a`).pipe(reduce((s, c) => s + Buffer.from(c).toString(), '')),
    );
    expect(text).toBe('hello');
    expect([...stored.get('/b')!]).toEqual([1, 2, 3]);
    expect(seen.every((h) => h.headers.authorization === undefined && h.headers['x-request-id'] === undefined)).toBe(
      true,
    );
    expect(seen[0]?.headers['transfer-encoding']).toBe('chunked');
  });

  it('fails with ObjectTransferError on a non-2xx answer', async () => {
    const send = pipeline();
    await expect(lastValueFrom(presignedGet(send, `${base}/forbidden`))).rejects.toMatchObject({
      status: 403,
      method: 'GET',
    });
    await expect(
      lastValueFrom(presignedPut(send, `${base}/forbidden`, 'x'), { defaultValue: undefined }),
    ).rejects.toBeInstanceOf(ObjectTransferError);
  });

  it('an aborted signal fails with APIUserAbortError', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(
      lastValueFrom(presignedGet(pipeline(), `${base}/a`, { signal: controller.signal })),
    ).rejects.toBeInstanceOf(APIUserAbortError);
  });

  it('goes through the retry policy and the interceptors: a 503 with Retry-After is retried', async () => {
    const attempts: string[] = [];
    const send = pipeline(attempts);
    expect((await bytesOf(presignedGet(send, `${base}/flaky-get`))).toString()).toBe('after a retry');
    await lastValueFrom(
      presignedPut(send, `${base}/flaky-put`, () => Readable.from([Buffer.from('resent')])),
      { defaultValue: undefined },
    );
    expect(stored.get('/flaky-put')?.toString()).toBe('resent');
    expect(attempts).toEqual(['GET /flaky-get', 'GET /flaky-get', 'PUT /flaky-put', 'PUT /flaky-put']);
    expect(seen.map((s) => s.headers['x-stainless-retry-count'])).toEqual(['0', '1', '0', '1']);
  });

  it('a bare Readable is sent once: no retry, the 503 is reported', async () => {
    const attempts: string[] = [];
    const put = presignedPut(pipeline(attempts), `${base}/flaky-once`, Readable.from([Buffer.from('x')]));
    await expect(lastValueFrom(put, { defaultValue: undefined })).rejects.toMatchObject({ status: 503, method: 'PUT' });
    expect(attempts).toEqual(['PUT /flaky-once']);
  });

  it('a download cut mid-body resumes with Range from the last byte, byte-identical, within the retry budget', async () => {
    const attempts: string[] = [];
    const bytes = await bytesOf(presignedGet(pipeline(attempts), `${base}/cut`));
    expect(bytes.equals(BIG)).toBe(true);
    expect(attempts).toEqual(['GET /cut', `GET /cut bytes=${CUT_AT}-`, `GET /cut bytes=${2 * CUT_AT}-`]);
    // With a budget of one retry, the second cut is final.
    hits.clear();
    await expect(bytesOf(presignedGet(pipeline([], 1), `${base}/cut`))).rejects.toMatchObject({
      name: 'APIConnectionError',
    });
  });

  it('a resume that finds other content fails with DownloadResumeError instead of splicing', async () => {
    await expect(bytesOf(presignedGet(pipeline(), `${base}/changed`))).rejects.toBeInstanceOf(DownloadResumeError);
    await expect(bytesOf(presignedGet(pipeline(), `${base}/ignores-range`))).rejects.toMatchObject({
      name: 'DownloadResumeError',
      receivedBytes: CUT_AT,
    });
  });
});
