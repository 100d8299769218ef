/**
 * One TCP port, two protocols: cleartext HTTP/2 with prior knowledge (what
 * the official client speaks) and HTTP/1.1 (presigned URLs, curl, tunnels).
 * Each connection is sniffed: the HTTP/2 preface goes to an http2 server,
 * anything else to an http server, with the peeked bytes put back.
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import http2, { type Http2ServerRequest, type Http2ServerResponse, type ServerHttp2Session } from 'node:http2';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import { clientErrorResponse } from './client-error.js';

const SNIFF_TIMEOUT_MS = 60_000;
const H2_PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');

/**
 * A request from either protocol (the http2 compat API mirrors http's).
 *
 * @example
 * const onRequest = (req: AnyRequest, res: AnyResponse) => res.end();
 */
export type AnyRequest = IncomingMessage | Http2ServerRequest;
/**
 * A response for either protocol.
 *
 * @example
 * res.end('ok');
 */
export type AnyResponse = ServerResponse | Http2ServerResponse;

/**
 * What the listener calls.
 *
 * @example
 * const handlers: ListenerHandlers = { onRequest: (_req, res) => res.end(), onUpgrade: (_req, socket) => socket.destroy() };
 */
export interface ListenerHandlers {
  readonly onRequest: (req: AnyRequest, res: AnyResponse) => void;
  /** HTTP/1.1 `Upgrade` requests; must take or destroy the socket. */
  readonly onUpgrade: (req: IncomingMessage, socket: Duplex, head: Buffer) => void;
}

/**
 * A bound dual-protocol listener.
 *
 * @example
 * const listener = await listenDual({ host: '127.0.0.1', port: 0 }, handlers); await listener.close();
 */
export interface DualListener {
  readonly port: number;
  readonly host: string;
  /** Stops accepting connections; open ones stay until {@link DualListener.close}. */
  stopAccepting(): void;
  /** Stops accepting, ends every open connection and HTTP/2 session, resolves once the port is released. */
  close(): Promise<void>;
}

/**
 * Binds `host:port` (0 = any free port) and serves both protocols on it.
 *
 * @example
 * const listener = await listenDual({ host: '127.0.0.1', port: 0 }, { onRequest, onUpgrade });
 * console.log(listener.port);
 */
export async function listenDual(
  address: { readonly host: string; readonly port: number },
  handlers: ListenerHandlers,
): Promise<DualListener> {
  const sockets = new Set<net.Socket>();
  const sessions = new Set<ServerHttp2Session>();

  const h1 = http.createServer({ keepAliveTimeout: 65_000, requestTimeout: 0, headersTimeout: 60_000 });
  h1.on('request', handlers.onRequest);
  h1.on('upgrade', handlers.onUpgrade);
  h1.on('clientError', (err: Error & { code?: string; rawPacket?: unknown }, socket) => {
    // A reset connection is not worth an answer; a refused request is.
    if (socket.writable && err.code !== 'ECONNRESET') socket.end(clientErrorResponse(err));
    else socket.destroy();
  });

  const h2 = http2.createServer({
    settings: { maxConcurrentStreams: 256, initialWindowSize: 16 * 1024 * 1024 },
    // Room for several full 16 MiB stream windows (large uploads) before nghttp2 calls it abuse.
    maxSessionMemory: 128,
  });
  h2.on('request', handlers.onRequest);
  h2.on('session', (session) => {
    sessions.add(session);
    session.on('close', () => sessions.delete(session));
    // Match the official client's 16 MiB window so large bodies are not throttled.
    session.on('connect', () => {
      if (!session.destroyed) session.setLocalWindowSize(16 * 1024 * 1024);
    });
  });
  h2.on('sessionError', () => undefined);

  const dispatch = (socket: net.Socket, peeked: Buffer): void => {
    socket.pause();
    socket.unshift(peeked);
    if (peeked.length >= H2_PREFACE.length && peeked.subarray(0, H2_PREFACE.length).equals(H2_PREFACE)) {
      h2.emit('connection', socket);
      return;
    }
    // http's fast path reads straight from the libuv handle and would skip
    // the bytes we put back; marking the handle consumed keeps reads in JS.
    const handle = (socket as unknown as { _handle?: { _consumed?: boolean } })._handle;
    if (handle) handle._consumed = true;
    h1.emit('connection', socket);
    // We paused the socket to put bytes back; http only listens for 'data'.
    socket.resume();
  };

  const tcp = net.createServer({ noDelay: true }, (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    let peeked: Buffer = Buffer.alloc(0);
    // A connection that never says anything must not be held open forever.
    const onSilence = (): void => void socket.destroy();
    socket.setTimeout(SNIFF_TIMEOUT_MS, onSilence);
    const onData = (chunk: Buffer): void => {
      peeked = peeked.length === 0 ? chunk : Buffer.concat([peeked, chunk]);
      const n = Math.min(peeked.length, H2_PREFACE.length);
      const stillPreface = peeked.subarray(0, n).equals(H2_PREFACE.subarray(0, n));
      if (stillPreface && peeked.length < H2_PREFACE.length) return;
      socket.off('data', onData);
      socket.setTimeout(0);
      socket.off('timeout', onSilence);
      dispatch(socket, peeked);
    };
    socket.on('data', onData);
  });

  await new Promise<void>((resolve, reject) => {
    tcp.once('error', reject);
    tcp.listen(address.port, address.host, () => {
      tcp.off('error', reject);
      resolve();
    });
  });
  const bound = tcp.address() as net.AddressInfo;

  let closed: Promise<void> | undefined;
  const stopAccepting = (): Promise<void> => (closed ??= new Promise<void>((resolve) => tcp.close(() => resolve())));

  return {
    port: bound.port,
    host: address.host,
    stopAccepting: () => void stopAccepting(),
    close: async () => {
      const done = stopAccepting();
      for (const session of sessions) session.destroy();
      for (const socket of sockets) socket.destroy();
      h1.closeAllConnections();
      await done;
    },
  };
}
