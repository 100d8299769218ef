import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import * as t from 'io-ts';
import { firstValueFrom, lastValueFrom, toArray } from 'rxjs';
import {
  APIError,
  AuthenticationError,
  BadRequestError,
  ConflictError,
  InternalServerError,
  NotFoundError,
  PermissionDeniedError,
  RateLimitError,
  ResponseDecodeError,
  UnprocessableEntityError,
  createApiCaller,
  type CoreClient,
} from '../../src/core/index.js';
import { json, startServer, type TestServer } from './support/server.js';

let server: TestServer;
const clients: CoreClient[] = [];

function client(options: Parameters<typeof createApiCaller>[0] = {}): CoreClient {
  const c = createApiCaller({ bearerToken: 'secret-token', baseURL: server.url, env: {}, random: () => 0, ...options });
  clients.push(c);
  return c;
}

const View = t.type({ id: t.string, status: t.string }, 'View');

beforeAll(async () => {
  server = await startServer();
});
afterEach(async () => {
  server.seen.length = 0;
  await Promise.all(clients.splice(0).map((c) => c.config.dispatcher.destroy()));
});
afterAll(async () => {
  await server.close();
});

describe('request shape', () => {
  it('sends auth, user agent, accept, JSON body with 2-space indent, and the encoded query', async () => {
    server.handle((_req, res) => json(res, 200, { id: 'dbx_1', status: 'running' }));
    const value = await firstValueFrom(
      client({ defaultHeaders: { 'X-Team': 'core' } }).json(
        {
          method: 'POST',
          path: '/v1/devboxes',
          query: { limit: 2, flag: true, gone: undefined, empty: null, 'metadata[k]': 'a b' },
          body: { name: 'x' },
        },
        View,
      ),
    );
    expect(value).toEqual({ id: 'dbx_1', status: 'running' });
    const [seen] = server.seen;
    expect(seen?.url).toBe('/v1/devboxes?limit=2&flag=true&empty=&metadata%5Bk%5D=a%20b');
    expect(seen?.headers['authorization']).toBe('Bearer secret-token');
    expect(seen?.headers['user-agent']).toMatch(/^runloop-rx\//);
    expect(seen?.headers['accept']).toBe('application/json');
    expect(seen?.headers['content-type']).toBe('application/json');
    expect(seen?.headers['x-team']).toBe('core');
    expect(seen?.headers['x-request-id']).toMatch(/^runloop-rx-/);
    expect(seen?.headers['x-stainless-retry-count']).toBe('0');
    expect(seen?.body).toBe('{\n  "name": "x"\n}');
  });

  it('a POST without a body still says application/json; a GET has no idempotency key', async () => {
    server.handle((_req, res) => json(res, 200, { id: 'a', status: 's' }));
    const c = client();
    await firstValueFrom(c.json({ method: 'POST', path: '/v1/devboxes/a/suspend' }, View));
    await firstValueFrom(c.json({ method: 'GET', path: '/v1/devboxes/a' }, View));
    expect(server.seen[0]?.headers['content-type']).toBe('application/json');
    expect(server.seen[0]?.body).toBe('');
    expect(server.seen[1]?.headers['content-type']).toBeUndefined();
    expect(server.seen[1]?.headers['x-request-id']).toBeUndefined();
  });

  it('per-call headers override and null removes', async () => {
    server.handle((_req, res) => json(res, 200, { id: 'a', status: 's' }));
    await firstValueFrom(
      client({ defaultHeaders: { 'x-a': '1', 'x-b': '2' } }).json(
        { method: 'GET', path: '/v1/x', options: { headers: { 'x-a': 'override', 'X-B': null } } },
        View,
      ),
    );
    expect(server.seen[0]?.headers['x-a']).toBe('override');
    expect(server.seen[0]?.headers['x-b']).toBeUndefined();
  });

  it('is cold: nothing is sent before subscription, each subscription sends again', async () => {
    server.handle((_req, res) => json(res, 200, { id: 'a', status: 's' }));
    const call$ = client().json({ method: 'POST', path: '/v1/devboxes' }, View);
    await new Promise((r) => setTimeout(r, 20));
    expect(server.seen).toHaveLength(0);
    await firstValueFrom(call$);
    await firstValueFrom(call$);
    expect(server.seen).toHaveLength(2);
    expect(server.seen[0]?.headers['x-request-id']).not.toBe(server.seen[1]?.headers['x-request-id']);
  });
});

describe('retries over a real connection', () => {
  it('reuses the idempotency key on every retry and counts attempts', async () => {
    let n = 0;
    server.handle((_req, res) => {
      n++;
      if (n < 3) json(res, 503, { message: 'busy' }, { 'retry-after-ms': '1' });
      else json(res, 200, { id: 'a', status: 'ok' });
    });
    await firstValueFrom(client().json({ method: 'POST', path: '/v1/devboxes', body: {} }, View));
    const keys = server.seen.map((s) => s.headers['x-request-id']);
    expect(keys).toHaveLength(3);
    expect(new Set(keys).size).toBe(1);
    expect(server.seen.map((s) => s.headers['x-stainless-retry-count'])).toEqual(['0', '1', '2']);
    expect(server.seen.map((s) => s.body)).toEqual(['{}', '{}', '{}']);
  });

  it('uses a caller-given idempotency key', async () => {
    server.handle((_req, res) => json(res, 200, { id: 'a', status: 'ok' }));
    await firstValueFrom(client().json({ method: 'POST', path: '/v1/x', options: { idempotencyKey: 'mine' } }, View));
    expect(server.seen[0]?.headers['x-request-id']).toBe('mine');
  });
});

describe('error mapping', () => {
  const cases: [number, abstract new (...args: never[]) => APIError][] = [
    [400, BadRequestError],
    [401, AuthenticationError],
    [403, PermissionDeniedError],
    [404, NotFoundError],
    [409, ConflictError],
    [422, UnprocessableEntityError],
    [429, RateLimitError],
    [500, InternalServerError],
    [503, InternalServerError],
    [418, APIError],
  ];
  it.each(cases)('%i becomes the right class with status, body, message and request id', async (status, Class) => {
    server.handle((_req, res) =>
      json(
        res,
        status,
        { error: 'e', message: `bad ${status}` },
        { 'x-should-retry': 'false', 'x-request-id': 'req_1' },
      ),
    );
    const err = await firstValueFrom(client().json({ method: 'GET', path: '/v1/x' }, View)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Class);
    expect(err).toBeInstanceOf(APIError);
    const apiErr = err as APIError;
    expect(apiErr.status).toBe(status);
    expect(apiErr.error).toEqual({ error: 'e', message: `bad ${status}` });
    expect(apiErr.message).toBe(`${status} bad ${status}`);
    expect(apiErr.requestId).toBe('req_1');
    expect(apiErr.headers?.['x-should-retry']).toBe('false');
    expect(server.seen).toHaveLength(1);
  });

  it('an unknown 4xx is a plain APIError, and a body-less error says so', async () => {
    server.handle((_req, res) => {
      res.writeHead(451);
      res.end();
    });
    const err = (await firstValueFrom(client().text({ method: 'GET', path: '/v1/x' })).catch(
      (e: unknown) => e,
    )) as APIError;
    expect(err.constructor).toBe(APIError);
    expect(err.message).toBe('451 status code (no body)');
  });

  it('a text error body becomes the message', async () => {
    server.handle((_req, res) => {
      res.writeHead(400, { 'content-type': 'text/plain' });
      res.end('plain words');
    });
    const err = (await firstValueFrom(client().text({ method: 'GET', path: '/v1/x' })).catch(
      (e: unknown) => e,
    )) as APIError;
    expect(err).toBeInstanceOf(BadRequestError);
    expect(err.message).toBe('400 plain words');
    expect(err.error).toBe('plain words');
  });
});

describe('decoding', () => {
  it('malformed JSON fails with ResponseDecodeError at $ and without the text', async () => {
    server.handle((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"id": "sk-live-secret", ');
    });
    const err = (await firstValueFrom(client().json({ method: 'GET', path: '/v1/x' }, View)).catch(
      (e: unknown) => e,
    )) as ResponseDecodeError;
    expect(err).toBeInstanceOf(ResponseDecodeError);
    expect(err.failures).toEqual([{ path: '$', expected: 'valid JSON' }]);
    expect(err.message).not.toContain('sk-live-secret');
  });

  it('a codec mismatch names the path and expected type but never the value', async () => {
    server.handle((_req, res) => json(res, 200, { id: 'dbx', status: { token: 'sk-live-secret' } }));
    const err = (await firstValueFrom(client().json({ method: 'GET', path: '/v1/x' }, View)).catch(
      (e: unknown) => e,
    )) as ResponseDecodeError;
    expect(err).toBeInstanceOf(ResponseDecodeError);
    expect(err.failures).toEqual([{ path: '$.status', expected: 'string' }]);
    expect(err.message).toContain('$.status');
    expect(err.message).not.toContain('sk-live-secret');
    expect(JSON.stringify(err)).not.toContain('sk-live-secret');
  });

  it('204 decodes as null and non-JSON media types as text', async () => {
    server.handle((req, res) => {
      if (req.url === '/v1/empty') {
        res.writeHead(204);
        res.end();
      } else {
        res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
        res.end('héllo');
      }
    });
    const c = client();
    expect(await firstValueFrom(c.json({ method: 'POST', path: '/v1/empty' }, t.null))).toBeNull();
    expect(await firstValueFrom(c.json({ method: 'POST', path: '/v1/text' }, t.string))).toBe('héllo');
    expect(await firstValueFrom(c.text({ method: 'POST', path: '/v1/text', accept: 'text/plain' }))).toBe('héllo');
    expect(server.seen[2]?.headers['accept']).toBe('text/plain');
  });
});

describe('debug logging', () => {
  it('DEBUG=true logs each attempt without secrets', async () => {
    let n = 0;
    server.handle((_req, res) => {
      n++;
      if (n === 1) json(res, 503, { message: 'busy' }, { 'retry-after-ms': '1' });
      else json(res, 200, { id: 'a', status: 'ok' });
    });
    const lines: string[] = [];
    await firstValueFrom(
      client({ env: { DEBUG: 'true' }, debugLog: (l) => lines.push(l) }).json(
        { method: 'POST', path: '/v1/devboxes', query: { token: 'q-secret' }, body: { secret: 'b-secret' } },
        View,
      ),
    );
    expect(lines.filter((l) => l.includes('status=503'))).toHaveLength(1);
    expect(lines.filter((l) => l.includes('status=200') && l.includes('attempt=1'))).toHaveLength(1);
    expect(lines.join('\n')).not.toMatch(/secret/);
  });

  it('logs nothing without DEBUG', async () => {
    server.handle((_req, res) => json(res, 200, { id: 'a', status: 'ok' }));
    const lines: string[] = [];
    await firstValueFrom(client({ debugLog: (l) => lines.push(l) }).json({ method: 'GET', path: '/v1/x' }, View));
    expect(lines).toEqual([]);
  });
});

describe('other bodies', () => {
  it('sends multipart form data with its own boundary content type', async () => {
    server.handle((_req, res) => json(res, 200, { id: 'u', status: 'ok' }));
    const form = new FormData();
    form.append('path', 'dir/file.txt');
    form.append('file', new Blob([new Uint8Array([1, 2, 3])]), 'file.txt');
    await firstValueFrom(client().json({ method: 'POST', path: '/v1/devboxes/d/upload_file', multipart: form }, View));
    const seen = server.seen[0];
    expect(seen?.headers['content-type']).toMatch(/^multipart\/form-data; boundary=/);
    expect(seen?.body).toContain('dir/file.txt');
    expect(seen?.body).toContain('filename="file.txt"');
  });

  it('an SSE endpoint that answers an error status fails with the mapped error', async () => {
    server.handle((_req, res) => json(res, 404, { message: 'no such execution' }));
    const err = await lastValueFrom(client().sse({ method: 'GET', path: '/v1/x/stream' }).pipe(toArray())).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(NotFoundError);
  });
});
