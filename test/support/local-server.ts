/**
 * Shared test helpers: a REAL runloop-local server on port 0 in a fresh
 * temporary data dir, stopped and removed afterwards.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { createLogger, startLocalServer, type LocalServer, type LocalServerOptions } from 'runloop-local';

/**
 * Options of {@link startTestServer}: server options plus test conveniences.
 *
 * @example
 * startTestServer({ runtimeMode: 'none', keepDataDir: true })
 */
export interface TestServerOptions extends LocalServerOptions {
  /** Keep the data dir on dispose (restart tests reuse it; remove it yourself). */
  readonly keepDataDir?: boolean;
}

/**
 * A running test server with small request helpers.
 *
 * @example
 * const res = await server.request('POST', '/v1/objects', { name: 'a', content_type: 'text' });
 */
export interface TestServer extends LocalServer {
  /** HTTP/1.1 request with the bearer token (JSON body when `body` is given). */
  request(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<TestResponse>;
  /** Stops the server and removes its data dir (unless kept). */
  dispose(): Promise<void>;
}

/**
 * A fully read response.
 *
 * @example
 * expect((await server.request('GET', '/v1/objects')).json.has_more).toBe(false);
 */
export interface TestResponse {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  /** The parsed JSON body (undefined when not JSON). */
  readonly json: any;
}

/**
 * A fresh temporary directory for a data dir.
 *
 * @example
 * const dir = await tempDataDir();
 */
export function tempDataDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'runloop-local-test-'));
}

/**
 * Reads a fetch response fully.
 *
 * @example
 * const res = await readResponse(await fetch(url));
 */
export async function readResponse(response: Response): Promise<TestResponse> {
  const text = await response.text();
  let json: unknown;
  try {
    json = text === '' ? undefined : JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json };
}

/**
 * Starts a server: port 0, 127.0.0.1, a new temp data dir, a random token,
 * logging errors only. Pass `dataDir` to reuse one (restart tests).
 *
 * @example
 * const server = await startTestServer({ runtimeMode: 'none' });
 * const res = await server.request('GET', '/v1/objects');
 * await server.dispose();
 */
export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const dataDir = options.dataDir ?? (await tempDataDir());
  const server = await startLocalServer({
    port: 0,
    host: '127.0.0.1',
    token: `test_${randomBytes(12).toString('hex')}`,
    log: createLogger('error'),
    // Tests never reach Docker Hub: an unqualified FROM goes to a closed loopback port and fails fast.
    images: { dockerHubMirror: 'http://127.0.0.1:9' },
    ...options,
    dataDir,
  });
  return {
    ...server,
    request: async (method, path, body, headers = {}) => {
      const init: RequestInit = {
        method,
        headers: {
          authorization: `Bearer ${server.token}`,
          ...(method === 'GET' ? {} : { 'content-type': 'application/json' }),
          ...headers,
        },
      };
      if (body !== undefined) init.body = typeof body === 'string' ? body : JSON.stringify(body);
      return readResponse(await fetch(`${server.url}${path}`, init));
    },
    dispose: async () => {
      await server.stop();
      if (options.keepDataDir !== true) await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * Runs `fn` against a fresh server and always cleans up.
 *
 * @example
 * await withLocalServer(async (server) => {
 *   const res = await server.request('GET', '/v1/objects');
 *   expect(res.status).toBe(200);
 * }, { runtimeMode: 'none' });
 */
export async function withLocalServer<T>(
  fn: (server: TestServer) => Promise<T>,
  options: TestServerOptions = {},
): Promise<T> {
  const server = await startTestServer(options);
  try {
    return await fn(server);
  } finally {
    await server.dispose();
  }
}
