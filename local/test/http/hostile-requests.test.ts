/**
 * The HTTP layer against a hostile client: deep JSON, abandoned held
 * requests (HTTP/1.1 and HTTP/2), oversized request targets. Each case was
 * a crash, a 500 or a wrong answer before (issue 9).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import http2 from 'node:http2';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRequestHandler } from '../../src/http/handler.js';
import { Idempotency } from '../../src/http/idempotency.js';
import { listenDual, type DualListener } from '../../src/http/listener.js';
import { silentLogger } from '../../src/http/logger.js';
import { json, route } from '../../src/http/route.js';
import { Router } from '../../src/http/router.js';

const TOKEN = 'hostile-requests-token';

interface Harness {
  readonly url: string;
  /** How many times the held route ran, and how its signals ended. */
  readonly runs: { count: number; aborted: number };
  /** Resolves when the held route has been entered `n` times in all. */
  entered(n: number): Promise<void>;
  /** Resolves when a held request's signal aborted `n` times in all. */
  abortedTimes(n: number): Promise<void>;
  /** Lets every held request answer. */
  release(): void;
  close(): Promise<void>;
}

async function startHarness(): Promise<Harness> {
  const dataDir = await mkdtemp(join(tmpdir(), 'hostile-requests-'));
  const idempotency = new Idempotency(dataDir, Date.now);
  const stop = new AbortController();
  const runs = { count: 0, aborted: 0 };
  let releaseAll: () => void = () => undefined;
  let released = new Promise<void>((resolve) => (releaseAll = resolve));
  const waiters: Array<() => void> = [];
  const wake = (): void => waiters.splice(0).forEach((w) => w());
  const until = (done: () => boolean): Promise<void> =>
    done()
      ? Promise.resolve()
      : new Promise((resolve) => waiters.push(() => (done() ? resolve() : void until(done).then(resolve))));
  const router = new Router([
    route({ method: 'POST', path: '/v1/any', handler: async ({ body }) => json({ body }) }),
    route({
      method: 'POST',
      path: '/v1/hold',
      handler: async ({ signal }) => {
        runs.count += 1;
        wake();
        signal.addEventListener('abort', () => {
          runs.aborted += 1;
          wake();
        });
        await released;
        // Built after the client left: the reply nobody receives.
        return json({ status: 'running', run: runs.count });
      },
    }),
  ]);
  const onRequest = createRequestHandler({
    router,
    token: TOKEN,
    idempotency,
    log: silentLogger,
    stopping: stop.signal,
  });
  const listener: DualListener = await listenDual(
    { host: '127.0.0.1', port: 0 },
    { onRequest, onUpgrade: (_r, socket) => socket.destroy() },
  );
  return {
    url: `http://127.0.0.1:${listener.port}`,
    runs,
    entered: (n) => until(() => runs.count >= n),
    abortedTimes: (n) => until(() => runs.aborted >= n),
    release: () => {
      releaseAll();
      released = new Promise<void>((resolve) => (releaseAll = resolve));
    },
    close: async () => {
      stop.abort();
      releaseAll();
      await listener.close();
      idempotency.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

function post(
  url: string,
  path: string,
  body: string,
  headers: Record<string, string> = {},
  signal?: AbortSignal,
): Promise<Response> {
  return fetch(`${url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json', ...headers },
    body,
    ...(signal ? { signal } : {}),
  });
}

/** Sends raw bytes on a new connection; resolves with everything the server wrote before closing. */
function rawExchange(url: string, bytes: string): Promise<string> {
  const { port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', reject);
    socket.on('close', () => resolve(Buffer.concat(chunks).toString('latin1')));
    socket.end(bytes);
  });
}

describe('hostile requests against the HTTP layer', () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startHarness();
  });
  afterAll(() => harness.close());

  it('answers a JSON body nested 5,000 deep with a 400, with or without x-request-id', async () => {
    const deep = `${'['.repeat(5000)}${']'.repeat(5000)}`;
    for (const headers of [{}, { 'x-request-id': 'deep-1' }] as Record<string, string>[]) {
      const res = await post(harness.url, '/v1/any', deep, headers);
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ error: 'invalid_json' });
    }
    const shallow = `${'{"a":'.repeat(60)}1${'}'.repeat(60)}`;
    expect((await post(harness.url, '/v1/any', shallow, { 'x-request-id': 'shallow-1' })).status).toBe(200);
  });

  it('does not store a reply the client never received (idempotent retry runs again)', async () => {
    const before = harness.runs.count;
    const gaveUp = new AbortController();
    const first = post(harness.url, '/v1/hold', '{}', { 'x-request-id': 'held-1' }, gaveUp.signal).catch(
      () => undefined,
    );
    await harness.entered(before + 1);
    gaveUp.abort();
    await first;
    await harness.abortedTimes(1);
    harness.release();
    await new Promise((r) => setTimeout(r, 50));
    const retry = post(harness.url, '/v1/hold', '{}', { 'x-request-id': 'held-1' });
    // A stale replay answers at once, without running the route again.
    const ranAgain = harness.entered(before + 2).then(() => harness.release());
    const res = await retry;
    expect(res.headers.get('x-idempotent-replay')).toBeNull();
    expect(await res.json()).toEqual({ status: 'running', run: before + 2 });
    await ranAgain;
  });

  it('notices an HTTP/2 client cancelling a held request (RST_STREAM)', async () => {
    const before = harness.runs.count;
    const abortedBefore = harness.runs.aborted;
    const session = http2.connect(harness.url);
    session.on('error', () => undefined);
    try {
      const stream = session.request({ ':method': 'POST', ':path': '/v1/hold', authorization: `Bearer ${TOKEN}` });
      stream.on('error', () => undefined);
      stream.end('{}');
      await harness.entered(before + 1);
      const cancelledAt = Date.now();
      stream.close(http2.constants.NGHTTP2_CANCEL);
      await harness.abortedTimes(abortedBefore + 1);
      expect(Date.now() - cancelledAt).toBeLessThan(2000);
    } finally {
      harness.release();
      session.close();
    }
  });

  it('answers a request target over 16 KB with a 414 and a JSON body', async () => {
    const target = `/v1/any?q=${'a'.repeat(20 * 1024)}`;
    const answer = await rawExchange(
      harness.url,
      `GET ${target} HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${TOKEN}\r\n\r\n`,
    );
    expect(answer).toMatch(/^HTTP\/1\.1 414 /);
    const body = answer.slice(answer.indexOf('\r\n\r\n') + 4);
    expect(JSON.parse(body)).toMatchObject({ error: 'uri_too_long' });
  });

  it('answers request headers over 16 KB with a 431 and a JSON body', async () => {
    const answer = await rawExchange(
      harness.url,
      `GET /v1/any HTTP/1.1\r\nhost: x\r\nx-big: ${'b'.repeat(20 * 1024)}\r\n\r\n`,
    );
    expect(answer).toMatch(/^HTTP\/1\.1 431 /);
    expect(JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4))).toMatchObject({ error: 'headers_too_large' });
  });

  it('echoes at most ~200 characters of a long input in an error message', async () => {
    const res = await fetch(`${harness.url}/v1/${'x'.repeat(8000)}`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(res.status).toBe(404);
    expect(((await res.json()) as { message: string }).message.length).toBeLessThan(300);
  });
});
