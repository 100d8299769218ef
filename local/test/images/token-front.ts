/**
 * A Docker Hub–style front for a test registry, on loopback: every `/v2/`
 * request without a valid Bearer token gets a 401 naming a token realm on
 * the front itself; `/token` issues tokens (checking Basic credentials and
 * the requested scope); blob GETs are redirected to a second loopback
 * origin (a "CDN") as Docker Hub redirects to its CDN. Both record what
 * they were asked, so a test can check the scope asked for and that the
 * Authorization header never reached the other origin.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** The `service` the challenge names (Docker Hub says `registry.docker.io`). */
export const TOKEN_SERVICE = 'test-registry';

/**
 * What the token realm was asked: its query and whether Basic credentials came with it.
 *
 * @example
 * expect(front.tokenRequests()[0]).toEqual({ service: 'test-registry', scope: 'repository:test/app:pull', basic: 'u:p' });
 */
export interface TokenRequest {
  readonly service: string | null;
  readonly scope: string | null;
  /** `user:password` decoded from a Basic header, or undefined when none came. */
  readonly basic: string | undefined;
}

/**
 * A request the CDN origin served, and the Authorization header it carried (if any).
 *
 * @example
 * expect(front.cdnRequests().every((r) => r.authorization === undefined)).toBe(true);
 */
export interface CdnRequest {
  readonly path: string;
  readonly authorization: string | undefined;
}

/**
 * A running front; `tokenAnswer` changes how `/token` answers from now on.
 *
 * @example
 * const front = await startTokenFront(registry.url, { username: 'u', password: 'p' });
 * front.host; // '127.0.0.1:41235'
 * await front.stop();
 */
export interface TokenFront {
  /** `127.0.0.1:<port>` of the front (the registry name a FROM line uses). */
  readonly host: string;
  /** `127.0.0.1:<port>` of the CDN origin blobs are redirected to. */
  readonly cdnHost: string;
  tokenRequests(): TokenRequest[];
  cdnRequests(): CdnRequest[];
  /** `/v2/` request lines (`GET /v2/…`) with the scheme of the Authorization they carried. */
  registryRequests(): string[];
  /** `'issue'`: tokens as asked; `'refuse'`: every token request gets a 401. */
  tokenAnswer(mode: 'issue' | 'refuse'): void;
  stop(): Promise<void>;
}

/**
 * Starts the front and its CDN origin before `upstreamUrl` (a registry without auth).
 * Anonymous token requests are refused when `credential` is given, as for a private repository.
 *
 * @example
 * const front = await startTokenFront('http://127.0.0.1:5000', { username: 'u', password: 'p' });
 */
export async function startTokenFront(
  upstreamUrl: string,
  credential: { readonly username: string; readonly password: string },
): Promise<TokenFront> {
  const tokens = new Map<string, string>(); // token → the scope it grants
  const tokenLog: TokenRequest[] = [];
  const cdnLog: CdnRequest[] = [];
  const registryLog: string[] = [];
  let mode: 'issue' | 'refuse' = 'issue';
  let frontOrigin = '';
  let cdnOrigin = '';

  const front = createServer((req, res) => {
    void serveFront(req, res).catch((error: unknown) => fail(res, error));
  });
  const cdn = createServer((req, res) => {
    void serveCdn(req, res).catch((error: unknown) => fail(res, error));
  });

  async function serveFront(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', frontOrigin);
    if (url.pathname === '/token') {
      const header = req.headers.authorization;
      const basic = header?.startsWith('Basic ')
        ? Buffer.from(header.slice('Basic '.length), 'base64').toString('utf8')
        : undefined;
      const scope = url.searchParams.get('scope');
      tokenLog.push({ service: url.searchParams.get('service'), scope, basic });
      const pull = /^repository:([^:]+):pull$/.exec(scope ?? '');
      if (mode === 'refuse' || basic !== `${credential.username}:${credential.password}` || pull === null) {
        return send(res, 401, { errors: [{ code: 'UNAUTHORIZED', message: 'no token for you' }] });
      }
      const token = randomBytes(16).toString('hex');
      tokens.set(token, pull[1]!);
      return send(res, 200, { token, expires_in: 300 });
    }
    const match = /^\/v2\/(.+)\/(manifests|blobs)\/([^/]+)$/.exec(url.pathname);
    const authorization = req.headers.authorization;
    registryLog.push(`${req.method} ${url.pathname} ${authorization?.split(' ', 1)[0] ?? 'none'}`);
    const granted = authorization?.startsWith('Bearer ')
      ? tokens.get(authorization.slice('Bearer '.length))
      : undefined;
    if (match === null || granted !== match[1]) {
      const repository = match?.[1] ?? 'unknown';
      res.setHeader(
        'www-authenticate',
        `Bearer realm="${frontOrigin}/token",service="${TOKEN_SERVICE}",scope="repository:${repository}:pull"`,
      );
      return send(res, 401, { errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }] });
    }
    if (match[2] === 'blobs') {
      // As Docker Hub: the blob itself comes from another origin.
      res.writeHead(307, { location: `${cdnOrigin}/blobs/${match[1]}/${match[3]}` });
      res.end();
      return;
    }
    await relay(`${upstreamUrl}${url.pathname}`, req, res);
  }

  async function serveCdn(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = req.url ?? '/';
    cdnLog.push({ path, authorization: req.headers.authorization });
    const match = /^\/blobs\/(.+)\/([^/]+)$/.exec(path);
    if (match === null) return send(res, 404, { errors: [{ code: 'NOT_FOUND' }] });
    await relay(`${upstreamUrl}/v2/${match[1]}/blobs/${match[2]}`, req, res);
  }

  async function relay(target: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const upstream = await fetch(target, { headers: { accept: req.headers.accept ?? '*/*' } });
    const body = Buffer.from(await upstream.arrayBuffer());
    res.writeHead(upstream.status, {
      'content-type': upstream.headers.get('content-type') ?? 'application/octet-stream',
      'content-length': body.length,
    });
    res.end(body);
  }

  const listen = (server: Server): Promise<string> =>
    new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve(`127.0.0.1:${(server.address() as AddressInfo).port}`));
    });
  const close = (server: Server): Promise<void> =>
    new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  const [host, cdnHost] = await Promise.all([listen(front), listen(cdn)]);
  frontOrigin = `http://${host}`;
  cdnOrigin = `http://${cdnHost}`;
  return {
    host,
    cdnHost,
    tokenRequests: () => [...tokenLog],
    cdnRequests: () => [...cdnLog],
    registryRequests: () => [...registryLog],
    tokenAnswer: (next) => {
      mode = next;
    },
    stop: async () => {
      await Promise.all([close(front), close(cdn)]);
    },
  };
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

function fail(res: ServerResponse, error: unknown): void {
  if (res.headersSent) res.destroy();
  else send(res, 502, { errors: [{ code: 'FRONT', message: String(error) }] });
}
