/**
 * Many concurrent held requests (a fleet's long-polls) must not pile abort
 * listeners onto the server's shared `stopping` signal.
 */
import { getEventListeners } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import http2 from 'node:http2';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createRequestHandler } from '../../src/http/handler.js';
import { Idempotency } from '../../src/http/idempotency.js';
import { listenDual, type DualListener } from '../../src/http/listener.js';
import { silentLogger } from '../../src/http/logger.js';
import { RequestSignals } from '../../src/http/request-signals.js';
import { json, route } from '../../src/http/route.js';
import { Router } from '../../src/http/router.js';

const TOKEN = 'held-requests-token';
const FLEET = 50;

/** Resolves when `signal` aborts. */
function aborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    signal.addEventListener('abort', () => resolve(), { once: true });
  });
}

interface Harness {
  readonly url: string;
  readonly stop: AbortController;
  /** Requests currently inside the hold handler. */
  readonly held: () => number;
  /** Lets every held request answer. */
  release(): void;
  /** Resolves once `n` requests are being held. */
  untilHeld(n: number): Promise<void>;
  close(): Promise<void>;
}

async function startHarness(): Promise<Harness> {
  const dataDir = await mkdtemp(join(tmpdir(), 'held-requests-'));
  const idempotency = new Idempotency(dataDir, Date.now);
  const stop = new AbortController();
  let held = 0;
  let releaseAll: () => void = () => undefined;
  const released = new Promise<void>((resolve) => (releaseAll = resolve));
  const waiters: Array<{ n: number; resolve: () => void }> = [];
  const router = new Router([
    route({
      method: 'GET',
      path: '/v1/hold',
      handler: async ({ signal }) => {
        held += 1;
        for (const w of waiters.filter((w) => held >= w.n)) w.resolve();
        try {
          await Promise.race([released, aborted(signal)]);
          return json({ aborted: signal.aborted });
        } finally {
          held -= 1;
        }
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
    { onRequest, onUpgrade: (_req, socket) => socket.destroy() },
  );
  return {
    url: `http://127.0.0.1:${listener.port}`,
    stop,
    held: () => held,
    release: () => releaseAll(),
    untilHeld: (n) => (held >= n ? Promise.resolve() : new Promise((resolve) => waiters.push({ n, resolve }))),
    close: async () => {
      await listener.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** `count` concurrent GETs on one h2c session; resolves with every parsed body. */
function h2Burst(url: string, count: number): { done: Promise<unknown[]>; session: http2.ClientHttp2Session } {
  const session = http2.connect(url);
  session.on('error', () => undefined);
  const one = (): Promise<unknown> =>
    new Promise((resolve, reject) => {
      const stream = session.request({ ':method': 'GET', ':path': '/v1/hold', authorization: `Bearer ${TOKEN}` });
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('error', reject);
      stream.on('end', () => resolve(JSON.parse(Buffer.concat(chunks).toString('utf8'))));
    });
  return { done: Promise.all(Array.from({ length: count }, one)), session };
}

/** `count` concurrent GETs over HTTP/1.1 (one connection each). */
function h1Burst(url: string, count: number): Promise<unknown[]> {
  return Promise.all(
    Array.from({ length: count }, async () => {
      const res = await fetch(`${url}/v1/hold`, { headers: { authorization: `Bearer ${TOKEN}` } });
      return res.json();
    }),
  );
}

const warnings: Error[] = [];
const onWarning = (warning: Error): void => void warnings.push(warning);
/** Warnings are emitted on a later tick than the listener that caused them. */
const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('concurrent held requests and the shared stopping signal', () => {
  let harness: Harness;

  beforeEach(async () => {
    process.on('warning', onWarning);
    harness = await startHarness();
  });
  afterEach(async () => {
    process.off('warning', onWarning);
    warnings.length = 0;
    harness.release();
    await harness.close();
  });

  it(`holds ${FLEET} h2c and ${FLEET} HTTP/1.1 requests with one listener on stopping, none left after`, async () => {
    const before = getEventListeners(harness.stop.signal, 'abort').length;
    const h2 = h2Burst(harness.url, FLEET);
    const h1 = h1Burst(harness.url, FLEET);
    await harness.untilHeld(2 * FLEET);

    expect(harness.held()).toBe(2 * FLEET);
    expect(getEventListeners(harness.stop.signal, 'abort')).toHaveLength(before);
    harness.release();
    const bodies = [...(await h2.done), ...(await h1)];
    h2.session.close();
    await nextTurn();

    expect(bodies).toHaveLength(2 * FLEET);
    expect(bodies.every((b) => (b as { aborted: boolean }).aborted === false)).toBe(true);
    expect(getEventListeners(harness.stop.signal, 'abort')).toHaveLength(before);
    expect(warnings.filter((w) => w.name === 'MaxListenersExceededWarning')).toEqual([]);
  });

  it('still aborts every held request when the server stops', async () => {
    const h2 = h2Burst(harness.url, FLEET);
    await harness.untilHeld(FLEET);

    harness.stop.abort();
    const bodies = await h2.done;
    h2.session.close();
    await nextTurn();

    expect(bodies).toHaveLength(FLEET);
    expect(bodies.every((b) => (b as { aborted: boolean }).aborted === true)).toBe(true);
    expect(harness.held()).toBe(0);
    expect(warnings.filter((w) => w.name === 'MaxListenersExceededWarning')).toEqual([]);
  });
});

describe('RequestSignals', () => {
  it('puts one listener on the shared signal, aborts every open request on stop, and forgets released ones', () => {
    const stop = new AbortController();
    const signals = new RequestSignals(stop.signal);
    const open = Array.from({ length: FLEET }, () => signals.open());
    const done = open.splice(0, 10);
    for (const request of done) request.release();

    expect(getEventListeners(stop.signal, 'abort')).toHaveLength(1);
    expect(signals.openCount).toBe(FLEET - 10);
    stop.abort();

    expect(open.every((r) => r.signal.aborted)).toBe(true);
    expect(done.some((r) => r.signal.aborted)).toBe(false);
    expect(signals.openCount).toBe(0);
  });

  it('aborts one request on its own, and hands out aborted signals once stopping', () => {
    const stop = new AbortController();
    const signals = new RequestSignals(stop.signal);
    const first = signals.open();
    const second = signals.open();
    first.abort();

    expect(first.signal.aborted).toBe(true);
    expect(second.signal.aborted).toBe(false);
    stop.abort();
    const late = signals.open();

    expect(late.signal.aborted).toBe(true);
    expect(signals.openCount).toBe(0);
  });
});
