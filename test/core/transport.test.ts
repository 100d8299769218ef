import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import * as t from 'io-ts';
import { Agent } from 'undici';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { firstValueFrom, lastValueFrom, switchMap, take, tap, toArray, type Observable } from 'rxjs';
import {
  APIConnectionError,
  APIConnectionTimeoutError,
  APIUserAbortError,
  NotFoundError,
  RunloopError,
  createApiCaller,
  createFetchTransport,
  createUndiciTransport,
  resumableSse,
  type CoreClient,
} from '../../src/core/index.js';
import { ExecutionUpdateChunk } from '../../src/api/views/execution.js';
import { json, startServer, type TestServer } from './support/server.js';

let server: TestServer;
const clients: CoreClient[] = [];
const agents: Agent[] = [];

// The same contract runs on both transports: undici (Node) and fetch (browsers; Node's global fetch here).
const TRANSPORTS = ['undici', 'fetch'] as const;
type TransportKind = (typeof TRANSPORTS)[number];
let transportKind: TransportKind = 'undici';

function client(options: Parameters<typeof createApiCaller>[0] = {}): CoreClient {
  const transport =
    transportKind === 'fetch' && options.dispatcher === undefined ? { transport: createFetchTransport() } : {};
  const c = createApiCaller({
    bearerToken: 'k',
    baseURL: server.url,
    env: {},
    random: () => 0,
    ...transport,
    ...options,
  });
  clients.push(c);
  return c;
}

function deferred<T = void>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

const Ok = t.type({ ok: t.boolean });

beforeAll(async () => {
  server = await startServer();
});
afterEach(async () => {
  server.seen.length = 0;
  await Promise.all(clients.splice(0).map((c) => c.config.dispatcher.destroy()));
  await Promise.all(agents.splice(0).map((a) => a.destroy()));
});
afterAll(async () => {
  await server.close();
});

describe.each(TRANSPORTS)('%s transport', (kind) => {
  beforeAll(() => {
    transportKind = kind;
  });
  abortAndTimeout(kind);
  streaming();
  if (kind === 'undici') {
    bodiesAreConsumed();
    streamedBodies();
  } else unreadFetchBodiesAreCancelled();
});

// fetch cannot drain into a pool like undici's dump(); an unread body is cancelled instead, which ends the request.
function unreadFetchBodiesAreCancelled(): void {
  it('a response whose body is never subscribed is cancelled: the server sees the request closed', async () => {
    const closed = deferred();
    server.handle((_req, res) => {
      res.on('close', () => closed.resolve());
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      res.write(Buffer.alloc(64 * 1024, 1));
    });
    const res = await firstValueFrom(
      createFetchTransport()({ method: 'GET', url: `${server.url}/v1/x`, headers: {}, timeoutMs: 5000 }),
    );
    expect(res.status).toBe(200);
    await closed.promise;
  });
}

function abortAndTimeout(kind: TransportKind): void {
  describe('abort and timeout', () => {
    it('unsubscribing aborts the request: the server sees it closed', async () => {
      const arrived = deferred();
      const closed = deferred();
      server.handle((_req, res) => {
        res.on('close', () => closed.resolve());
        arrived.resolve();
      });
      const subscription = client().json({ method: 'GET', path: '/v1/hang' }, Ok).subscribe();
      await arrived.promise;
      subscription.unsubscribe();
      await closed.promise;
      expect(server.seen).toHaveLength(1);
    });

    it('unsubscribing mid-body aborts the body too', async () => {
      const closed = deferred();
      server.handle((_req, res) => {
        res.on('close', () => closed.resolve());
        res.writeHead(200, { 'content-type': 'application/octet-stream' });
        res.write(Buffer.alloc(1024, 1));
      });
      const first = await firstValueFrom(client().bytes({ method: 'POST', path: '/v1/download' }).pipe(take(1)));
      expect(first.byteLength).toBeGreaterThan(0);
      await closed.promise;
    });

    it('no headers within timeoutMs fails with APIConnectionTimeoutError', async () => {
      const closed = deferred();
      server.handle((_req, res) => {
        res.on('close', () => closed.resolve());
      });
      const err = await firstValueFrom(
        client({ timeoutMs: 100, maxRetries: 0 }).json({ method: 'GET', path: '/v1/slow' }, Ok),
      ).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(APIConnectionTimeoutError);
      expect(err).toBeInstanceOf(APIConnectionError);
      await closed.promise;
    });

    it('a caller AbortSignal fails with APIUserAbortError and is not retried', async () => {
      const arrived = deferred();
      const closed = deferred();
      server.handle((_req, res) => {
        res.on('close', () => closed.resolve());
        arrived.resolve();
      });
      const controller = new AbortController();
      const result = firstValueFrom(
        client().json({ method: 'POST', path: '/v1/x', options: { signal: controller.signal } }, Ok),
      ).catch((e: unknown) => e);
      await arrived.promise;
      controller.abort();
      expect(await result).toBeInstanceOf(APIUserAbortError);
      await closed.promise;
      expect(server.seen).toHaveLength(1);
    });

    it('an already-aborted signal sends nothing', async () => {
      const err = await firstValueFrom(
        client().json({ method: 'GET', path: '/v1/x', options: { signal: AbortSignal.abort() } }, Ok),
      ).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(APIUserAbortError);
      expect(server.seen).toHaveLength(0);
    });

    it(`a request ${kind} rejects as invalid is a RunloopError, not retried`, async () => {
      server.handle((_req, res) => json(res, 200, { ok: true }));
      const err = await firstValueFrom(
        client().json({ method: 'GET', path: '/v1/x', options: { headers: { 'x-bad': 'line\nbreak' } } }, Ok),
      ).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(RunloopError);
      expect(err).not.toBeInstanceOf(APIConnectionError);
      expect((err as Error).message).toMatch(/^Invalid request/);
      expect(server.seen).toHaveLength(0);
    });

    it('a refused connection is an APIConnectionError', async () => {
      const err = await firstValueFrom(
        client({ baseURL: 'http://127.0.0.1:1', maxRetries: 0 }).json({ method: 'GET', path: '/v1/x' }, Ok),
      ).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(APIConnectionError);
      expect(err).not.toBeInstanceOf(APIConnectionTimeoutError);
    });
  });
}

// Connection-pool behaviour of undici's Agent; fetch pools on its own (and a browser's pool is not ours to test).
// A byte-mode Readable goes to undici as it is: its bytes arrive intact, and its own failure stays the caller's.
function streamedBodies(): void {
  describe('streamed request bodies', () => {
    it('a byte-mode Readable of many chunks arrives byte for byte, with its Content-Length', async () => {
      server.handle((_req, res) => json(res, 200, { ok: true }));
      const text = 'abcdefghij'.repeat(300_000);
      const chunks = Array.from({ length: 30 }, (_, i) => Buffer.from(text.slice(i * 100_000, (i + 1) * 100_000)));
      const res = await lastValueFrom(
        client().transfer({
          method: 'PUT',
          url: `${server.url}/v1/x`,
          headers: {},
          buffered: true,
          body: { open: () => Readable.from(chunks, { objectMode: false }), length: text.length, replayable: true },
        }),
      );
      expect(res.status).toBe(200);
      expect(server.seen[0]?.headers['content-length']).toBe(String(text.length));
      expect(server.seen[0]?.body === text).toBe(true);
    });

    it('a connection lost while a byte-mode Readable is sent is a network failure: retried, the body opened again', async () => {
      let attempts = 0;
      const raw = createServer((req, res) => {
        attempts++;
        if (attempts === 1) {
          req.once('data', () => req.socket.destroy());
          return;
        }
        req.resume();
        req.on('end', () => json(res, 200, { ok: true }));
      });
      await new Promise<void>((resolve) => raw.listen(0, '127.0.0.1', resolve));
      const url = `http://127.0.0.1:${(raw.address() as AddressInfo).port}/upload`;
      let opened = 0;
      const chunks = Array.from({ length: 16 }, () => Buffer.alloc(256 * 1024, 5));
      try {
        const res = await lastValueFrom(
          client({ maxRetries: 2 }).transfer({
            method: 'PUT',
            url,
            headers: {},
            buffered: true,
            body: {
              open: () => {
                opened++;
                return Readable.from(chunks, { objectMode: false });
              },
              length: 16 * 256 * 1024,
              replayable: true,
            },
          }),
        );
        expect(res.status).toBe(200);
        expect(opened).toBe(2);
      } finally {
        raw.closeAllConnections();
        await new Promise((resolve) => raw.close(resolve));
      }
    });

    it('a byte-mode Readable that fails mid-body is an invalid request (RunloopError), not retried', async () => {
      server.handle((_req, res) => json(res, 200, { ok: true }));
      let opened = 0;
      const failing = (): Readable => {
        opened++;
        let sent = false;
        return new Readable({
          read() {
            if (sent) {
              this.destroy(new Error('disk gone'));
              return;
            }
            sent = true;
            this.push(Buffer.alloc(64 * 1024, 1));
          },
        });
      };
      const err = await lastValueFrom(
        client({ maxRetries: 2 }).transfer({
          method: 'PUT',
          url: `${server.url}/v1/x`,
          headers: {},
          body: { open: failing, replayable: true },
        }),
      ).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(RunloopError);
      expect(err).not.toBeInstanceOf(APIConnectionError);
      expect((err as Error).message).toBe('Invalid request: disk gone');
      expect(opened).toBe(1);
    });
  });
}

function bodiesAreConsumed(): void {
  describe('bodies are always consumed', () => {
    it('many error responses in a row on a one-connection pool keep working', async () => {
      const agent = new Agent({ connections: 1 });
      agents.push(agent);
      server.handle((req, res) => {
        if (req.url === '/v1/ok') json(res, 200, { ok: true });
        else json(res, 404, { message: 'x'.repeat(512 * 1024) });
      });
      const c = client({ dispatcher: agent });
      for (let i = 0; i < 30; i++) {
        const err = await firstValueFrom(c.json({ method: 'GET', path: '/v1/missing' }, Ok)).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(NotFoundError);
      }
      expect(await firstValueFrom(c.json({ method: 'GET', path: '/v1/ok' }, Ok))).toEqual({ ok: true });
      // Every body was drained, so one keep-alive connection served all 31 requests.
      expect(server.seen).toHaveLength(31);
      expect(new Set(server.seen.map((s) => s.remotePort)).size).toBe(1);
    });

    it('a response whose body is never subscribed is dumped, freeing the connection', async () => {
      const agent = new Agent({ connections: 1 });
      agents.push(agent);
      // Bigger than the socket and stream buffers, so an unread body would stall the only connection.
      server.handle((_req, res) => json(res, 200, { ok: true, pad: 'y'.repeat(2 * 1024 * 1024) }));
      const transport = createUndiciTransport({ dispatcher: agent });
      for (let i = 0; i < 20; i++) {
        const res = await firstValueFrom(
          transport({ method: 'GET', url: `${server.url}/v1/x`, headers: {}, timeoutMs: 5000 }),
        );
        expect(res.status).toBe(200);
      }
      const res = await lastValueFrom(
        transport({ method: 'GET', url: `${server.url}/v1/x`, headers: {}, timeoutMs: 5000 }).pipe(
          switchMap((r) => r.body),
          toArray(),
        ),
      );
      expect(Buffer.concat(res).toString()).toContain('"ok":true');
      expect(server.seen).toHaveLength(21);
    });

    it('a body can be read only once', async () => {
      server.handle((_req, res) => json(res, 200, { ok: true }));
      const transport = createUndiciTransport({ dispatcher: client().config.dispatcher });
      let body$: Observable<Uint8Array> | undefined;
      await lastValueFrom(
        transport({ method: 'GET', url: `${server.url}/v1/x`, headers: {}, timeoutMs: 5000 }).pipe(
          switchMap((r) => {
            body$ = r.body;
            return r.body;
          }),
        ),
      );
      expect(body$).toBeDefined();
      await expect(firstValueFrom(body$ as Observable<Uint8Array>)).rejects.toThrow(/only once/);
    });
  });
}

function streaming(): void {
  describe('streaming', () => {
    it('bytes() emits chunks as they arrive, without waiting for the end', async () => {
      const gotFirst = deferred();
      server.handle((_req, res) => {
        res.writeHead(200, { 'content-type': 'application/octet-stream' });
        res.write(Buffer.from('first-'));
        // The rest is only sent once the client has seen the first chunk: a buffering client would hang here.
        void gotFirst.promise.then(() => res.end(Buffer.from('second')));
      });
      const chunks = await lastValueFrom(
        client()
          .bytes({ method: 'POST', path: '/v1/download', accept: 'application/octet-stream' })
          .pipe(
            tap(() => gotFirst.resolve()),
            toArray(),
          ),
      );
      expect(chunks.length).toBeGreaterThanOrEqual(2);
      expect(Buffer.concat(chunks).toString()).toBe('first-second');
      expect(server.seen[0]?.headers['accept']).toBe('application/octet-stream');
    });

    it('sse() parses a real chunked response cut at awkward places', async () => {
      const wire = Buffer.from(
        'data: {"output":"h\u00e9","offset":3}\r\n\r\n: ping\n\nevent: error\ndata: {"code":"408"}\n\n',
        'utf8',
      );
      server.handle((_req, res) => {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        // Split inside the two-byte é and inside \r\n.
        const cuts = [19, 20, 33, 34, 50, wire.length];
        let from = 0;
        const writeNext = (i: number): void => {
          const to = cuts[i];
          if (to === undefined) {
            res.end();
            return;
          }
          res.write(wire.subarray(from, to), () => setTimeout(() => writeNext(i + 1), 2));
          from = to;
        };
        writeNext(0);
      });
      const messages = await lastValueFrom(client().sse({ method: 'GET', path: '/v1/stream' }).pipe(toArray()));
      expect(messages).toEqual([
        { event: undefined, data: '{"output":"hé","offset":3}' },
        { event: 'error', data: '{"code":"408"}' },
      ]);
      expect(server.seen[0]?.headers['accept']).toBe('text/event-stream');
    });

    it('resumableSse survives a truncated body and an idle 408 with no loss and no repeat', async () => {
      const text = 'line one\nline two\nline three\n';
      let connection = 0;
      server.handle((req, res: ServerResponse) => {
        const offset = Number(new URL(req.url ?? '', 'http://x').searchParams.get('offset') ?? '0');
        connection++;
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        const send = (from: number, to: number) =>
          res.write(`data: ${JSON.stringify({ output: text.slice(from, to), offset: to })}\n\n`);
        if (connection === 1) {
          send(offset, 9);
          // Half an event, then the socket dies: a truncated chunked body.
          res.write('data: {"output":"line tw');
          setTimeout(() => res.socket?.destroy(), 10);
        } else if (connection === 2) {
          send(offset, 18);
          res.end('event: error\ndata: {"code":"408","message":"idle"}\n\n');
        } else {
          send(offset, text.length);
          res.end();
        }
      });
      const c = client();
      const chunks = await lastValueFrom(
        resumableSse(
          (offset) => c.sse({ method: 'GET', path: '/v1/out', query: { offset } }),
          ExecutionUpdateChunk,
          0,
          { backoffMs: 1 },
        ).pipe(toArray()),
      );
      expect(chunks.map((x) => x.output).join('')).toBe(text);
      expect(chunks.map((x) => x.offset)).toEqual([9, 18, text.length]);
      expect(server.seen.map((s) => s.url)).toEqual(['/v1/out?offset=0', '/v1/out?offset=9', '/v1/out?offset=18']);
    });
  });
}
