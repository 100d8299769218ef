/**
 * A loopback HTTP proxy that injects network faults between the SDK and a
 * real runloop-local, driven by a seeded PRNG so a failing run can be
 * replayed from its seed. Per request it either forwards untouched or
 * injects one fault: a reset before or after the server saw the request, a
 * reset or a clean truncation mid-response-body, a delay past the client's
 * timeout (the request still reaches the server: a "ghost"), or a 429/503
 * with `Retry-After` that never reaches the server.
 */
import {
  createServer,
  request as upstreamRequest,
  Agent,
  type ClientRequest,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** The faults the proxy injects. */
export const FAULT_KINDS = [
  'reset-mid-request',
  'reset-after-forward',
  'reset-mid-response',
  'truncate-response',
  'delay-past-timeout',
  'status-429',
  'status-503',
] as const;

/** One kind of injected fault. @example const kind: FaultKind = 'status-503'; */
export type FaultKind = (typeof FAULT_KINDS)[number];

/**
 * mulberry32: a tiny, well-mixed 32-bit PRNG; the same seed gives the same sequence.
 *
 * @example
 * const random = seededRandom(42); random(); // 0 <= x < 1
 */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Options of {@link startFaultProxy}.
 *
 * @example
 * startFaultProxy({ target: server.url, seed: 7, rate: 0.15, delayMs: 2_500 });
 */
export interface FaultProxyOptions {
  /** Origin of the real server, e.g. `http://127.0.0.1:4000`. */
  readonly target: string;
  readonly seed: number;
  /** Probability that a request gets a fault; a function to vary it by request. */
  readonly rate: number | ((method: string, path: string) => number);
  /** How long `delay-past-timeout` holds a request (set it above the client's timeout). */
  readonly delayMs: number;
  /** Faults in a row on one logical request (method, path, idempotency key) before one is let through. */
  readonly maxInARow?: number;
  /** Requests whose path matches are never faulted (e.g. the test's own bookkeeping). */
  readonly spare?: (method: string, path: string) => boolean;
}

/**
 * A running proxy.
 *
 * @example
 * const proxy = await startFaultProxy({ target, seed, rate: 0.1, delayMs: 2_500 });
 * console.log(proxy.injected);
 * await proxy.stop();
 */
export interface FaultProxy {
  readonly url: string;
  /** Faults injected so far, by kind. */
  readonly injected: Readonly<Record<FaultKind, number>>;
  /** Requests that passed through untouched. */
  readonly clean: () => number;
  /** Stops listening, resets every open connection, and waits for ghosts. */
  stop(): Promise<void>;
}

/** Headers that describe one hop, not the message. */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'transfer-encoding',
  'proxy-connection',
  'upgrade',
  'te',
  'trailer',
]);

function endToEnd(headers: IncomingMessage['headers']): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined && !HOP_BY_HOP.has(name)) out[name] = value;
  }
  return out;
}

function reset(socket: Socket | null | undefined): void {
  if (socket === null || socket === undefined || socket.destroyed) return;
  socket.resetAndDestroy();
}

/**
 * Starts the proxy on 127.0.0.1 (port 0).
 *
 * @example
 * const proxy = await startFaultProxy({ target: server.url, seed: 1, rate: 0.1, delayMs: 2_500 });
 */
export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  const random = seededRandom(options.seed);
  const target = new URL(options.target);
  const agent = new Agent({ keepAlive: true, maxSockets: 256 });
  const injected = Object.fromEntries(FAULT_KINDS.map((k) => [k, 0])) as Record<FaultKind, number>;
  const inARow = new Map<string, number>();
  const maxInARow = options.maxInARow ?? 2;
  const sockets = new Set<Socket>();
  const pending = new Set<Promise<void>>();
  let clean = 0;
  let stopping = false;

  const pick = (req: IncomingMessage): FaultKind | undefined => {
    const path = (req.url ?? '').split('?')[0] ?? '';
    // Draw every number up front so the sequence does not depend on which branch runs.
    const roll = random();
    const kindIndex = Math.floor(random() * FAULT_KINDS.length);
    if (options.spare?.(req.method ?? '', path) === true) return undefined;
    const key = `${req.method} ${path} ${String(req.headers['x-request-id'] ?? '')}`;
    const row = inARow.get(key) ?? 0;
    const rate = typeof options.rate === 'number' ? options.rate : options.rate(req.method ?? '', path);
    if (roll >= rate || row >= maxInARow) {
      inARow.delete(key);
      return undefined;
    }
    inARow.set(key, row + 1);
    return FAULT_KINDS[kindIndex];
  };

  const upstreams = new Set<ClientRequest>();
  /**
   * Forwards `req` upstream; resolves with the server's response (the request
   * body is piped as it arrives). A client that goes away mid-request takes
   * the upstream request with it; one that goes away later does not.
   */
  const forward = (req: IncomingMessage): Promise<IncomingMessage> =>
    new Promise((resolve, reject) => {
      const up = upstreamRequest(
        {
          host: target.hostname,
          port: target.port,
          method: req.method,
          path: req.url,
          headers: endToEnd(req.headers),
          agent,
        },
        resolve,
      );
      upstreams.add(up);
      up.on('close', () => upstreams.delete(up));
      up.on('error', reject);
      req.on('error', () => up.destroy());
      req.on('close', () => {
        if (!req.complete) up.destroy();
      });
      req.pipe(up);
    });

  const relay = (
    req: IncomingMessage,
    res: ServerResponse,
    cutAfter: number | undefined,
    how: 'reset' | 'truncate',
  ): Promise<void> =>
    forward(req).then((upRes) => {
      res.writeHead(upRes.statusCode ?? 502, endToEnd(upRes.headers));
      res.flushHeaders();
      let sent = 0;
      const cut = (): void => {
        upRes.destroy();
        if (how === 'reset') reset(res.socket);
        else res.socket?.end();
      };
      if (cutAfter === 0) {
        cut();
        return;
      }
      upRes.on('data', (chunk: Buffer) => {
        if (cutAfter !== undefined && sent + chunk.length >= cutAfter) {
          const part = chunk.subarray(0, cutAfter - sent);
          sent = cutAfter;
          upRes.pause();
          if (part.length > 0) res.write(part, cut);
          else cut();
          return;
        }
        sent += chunk.length;
        if (!res.write(chunk)) upRes.pause();
      });
      res.on('drain', () => upRes.resume());
      upRes.on('end', () => {
        // A body shorter than the cut point is cut at its very end instead.
        if (cutAfter !== undefined && sent < cutAfter) cut();
        else res.end();
      });
      upRes.on('error', () => reset(res.socket));
      res.on('close', () => upRes.destroy());
    });

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const fault = pick(req);
    // Drawn for every request, faulted or not, to keep the sequence stable.
    const fraction = random();
    if (fault === undefined) {
      clean += 1;
      await relay(req, res, undefined, 'reset');
      return;
    }
    injected[fault] += 1;
    switch (fault) {
      case 'status-429':
      case 'status-503': {
        req.resume();
        const status = fault === 'status-429' ? 429 : 503;
        res.writeHead(status, { 'content-type': 'application/json', 'retry-after': fraction < 0.8 ? '0' : '1' });
        res.end(JSON.stringify({ error: { message: `fault proxy: injected ${status}` } }));
        return;
      }
      case 'reset-mid-request': {
        // Let part of the body through to nowhere, then reset: the server never sees the request.
        const limit = Math.floor(fraction * 64 * 1024);
        let seen = 0;
        const give = (): void => reset(req.socket);
        if (limit === 0 || req.headers['content-length'] === '0' || req.method === 'GET') {
          give();
          return;
        }
        req.on('data', (chunk: Buffer) => {
          seen += chunk.length;
          if (seen >= limit) give();
        });
        req.on('end', give);
        return;
      }
      case 'reset-after-forward': {
        // The server gets the whole request and does the work; the client
        // never hears of it. Reset on the answer's headers, or shortly after
        // the request was sent for one the server holds (a long-poll).
        const answered = forward(req).then((upRes) => {
          upRes.resume();
          reset(req.socket);
        });
        await new Promise<void>((resolve) => req.on('end', resolve));
        await Promise.race([answered, new Promise((resolve) => setTimeout(resolve, 50 + fraction * 250))]);
        reset(req.socket);
        answered.catch(() => undefined);
        return;
      }
      case 'reset-mid-response':
        await relay(req, res, Math.floor(fraction * 96 * 1024), 'reset');
        return;
      case 'truncate-response':
        await relay(req, res, Math.floor(fraction * 96 * 1024), 'truncate');
        return;
      case 'delay-past-timeout': {
        await new Promise((resolve) => setTimeout(resolve, options.delayMs));
        if (stopping) return;
        // Forwarded even when the client gave up: the server may see it after the retry.
        await relay(req, res, undefined, 'reset');
        return;
      }
    }
  };

  const server: Server = createServer((req, res) => {
    const job = handle(req, res)
      .catch(() => reset(req.socket))
      .finally(() => pending.delete(job));
    pending.add(job);
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    injected,
    clean: () => clean,
    stop: async () => {
      stopping = true;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) reset(socket);
      for (const up of upstreams) up.destroy();
      await Promise.allSettled([...pending]);
      await closed;
      agent.destroy();
    },
  };
}
