/**
 * Forwards one HTTP request, or one Upgrade (WebSocket) connection, to a
 * TCP socket inside a devbox. Bodies stream in both directions; nothing is
 * buffered. Works for HTTP/1.1 and for h2c requests (Node's compat API),
 * dropping the hop-by-hop headers that HTTP/2 forbids.
 */
import {
  request as httpRequest,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type OutgoingHttpHeaders,
  type ServerResponse,
} from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';

/** Headers that describe one hop, never forwarded. */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'upgrade',
  'te',
  'trailer',
  'http2-settings',
  'host',
  'x-runloop-tunnel-authorization',
]);

/**
 * The request's headers minus pseudo-headers and hop-by-hop ones.
 *
 * @example
 * forwardableHeaders({ ':path': '/', connection: 'close', accept: '*' }); // { accept: '*' }
 */
export function forwardableHeaders(
  headers: IncomingHttpHeaders | OutgoingHttpHeaders,
): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || name.startsWith(':') || HOP_BY_HOP.has(name.toLowerCase())) continue;
    out[name] = Array.isArray(value) ? value.map(String) : String(value);
  }
  return out;
}

/**
 * Proxies `req` to `socket` (already connected to the devbox port) and
 * streams the answer into `res`. `host` is sent as the Host header.
 *
 * @example
 * proxyHttp(req, res, await handle.connect(8080), '8080-key.tunnel.localhost', '/index.html');
 */
export function proxyHttp(req: IncomingMessage, res: ServerResponse, socket: Socket, host: string, path: string): void {
  const upstream = httpRequest({
    createConnection: () => socket,
    method: req.method ?? 'GET',
    path,
    headers: { ...forwardableHeaders(req.headers), host },
  });
  upstream.on('response', (answer) => {
    res.writeHead(answer.statusCode ?? 502, forwardableHeaders(answer.headers));
    answer.pipe(res);
    answer.on('error', () => res.destroy());
  });
  upstream.on('error', (error) => {
    if (!res.headersSent) {
      res.writeHead(502, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: 'bad_gateway', message: `tunnel: the devbox did not answer: ${error.message}` }));
    } else res.destroy();
  });
  // The client going away ends the upstream request, and with it the devbox socket.
  res.on('close', () => {
    if (!res.writableFinished) upstream.destroy();
  });
  // A client that leaves mid-body errors `req`; unhandled, that error would end the process.
  req.on('error', () => upstream.destroy());
  req.pipe(upstream);
}

/**
 * Splices an Upgrade request (e.g. a WebSocket handshake) to the devbox:
 * replays the request head, then copies bytes both ways until either side closes.
 *
 * @example
 * proxyUpgrade(req, clientSocket, head, await handle.connect(8080), 'localhost:8080', '/ws');
 */
export function proxyUpgrade(
  req: IncomingMessage,
  client: Duplex,
  head: Buffer,
  upstream: Socket,
  host: string,
  path: string,
): void {
  const lines = [`${req.method ?? 'GET'} ${path} HTTP/1.1`, `host: ${host}`];
  const raw = req.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i]!;
    const lower = name.toLowerCase();
    if (lower === 'host' || lower === 'x-runloop-tunnel-authorization') continue;
    lines.push(`${name}: ${raw[i + 1]!}`);
  }
  upstream.write(`${lines.join('\r\n')}\r\n\r\n`);
  if (head.length > 0) upstream.write(head);
  let answered = false;
  upstream.once('data', () => (answered = true));
  upstream.on('error', () => undefined); // 'close' follows and decides
  client.on('error', () => upstream.destroy());
  upstream.on('close', () => {
    // Nothing listening behind the devbox port: say so rather than hang up silently.
    if (!answered) {
      const body = JSON.stringify({ error: 'bad_gateway', message: 'tunnel: nothing answered inside the devbox' });
      client.end(
        `HTTP/1.1 502 Bad Gateway\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
      );
    } else client.destroy();
  });
  client.on('close', () => upstream.destroy());
  upstream.pipe(client, { end: false });
  client.pipe(upstream);
}
