import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createObjectsService } from '../../src/objects/index.js';
import { h2Request } from '../../../test/support/h2.js';
import { startTestServer, type TestServer } from '../../../test/support/local-server.js';
import { newProbeState, probeService, type ProbeState } from './probe-service.js';

/** Sends raw bytes on a new TCP connection and collects everything until close (or `until` matches). */
function rawExchange(url: string, payload: string, until?: RegExp): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), hostname, () => socket.write(payload));
    let received = '';
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      received += chunk;
      if (until?.test(received)) socket.destroy();
    });
    socket.on('close', () => resolve(received));
    socket.on('error', reject);
  });
}

describe('HTTP layer (real server, HTTP/1.1 and h2c on one port)', () => {
  let server: TestServer;
  let state: ProbeState;
  let auth: Record<string, string>;

  beforeAll(async () => {
    state = newProbeState();
    server = await startTestServer({ runtimeMode: 'none', services: [createObjectsService, probeService(state)] });
    auth = { authorization: `Bearer ${server.token}` };
  });
  afterAll(() => server.dispose());

  it('answers the same route over HTTP/1.1 and over h2c with prior knowledge', async () => {
    const h1 = await server.request('POST', '/v1/probe/echo', { value: 7 });
    const h2 = await h2Request(server.url, {
      method: 'POST',
      path: '/v1/probe/echo',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ value: 7 }),
    });
    expect(h1.status).toBe(200);
    expect(h2.status).toBe(200);
    expect(h1.json).toEqual({ value: 7 });
    expect(h2.json).toEqual(h1.json);
    expect(h2.headers['content-encoding']).toBeUndefined();
  });

  it('rejects missing, wrong and non-bearer credentials with 401 JSON on both protocols', async () => {
    const none = await fetch(`${server.url}/v1/objects`);
    const wrong = await server.request('GET', '/v1/objects', undefined, { authorization: 'Bearer nope' });
    const basic = await server.request('GET', '/v1/objects', undefined, { authorization: `Basic ${server.token}` });
    const h2 = await h2Request(server.url, { method: 'GET', path: '/v1/objects' });
    expect(none.status).toBe(401);
    expect(await none.json()).toMatchObject({ error: 'unauthorized', message: expect.any(String) });
    expect(wrong.status).toBe(401);
    expect(basic.status).toBe(401);
    expect(h2.status).toBe(401);
    expect(h2.json.error).toBe('unauthorized');
  });

  it('answers 404 for unknown paths and 405 (with Allow) for a known path with a wrong method', async () => {
    const unknown = await server.request('GET', '/v1/nothing-here');
    const outside = await server.request('GET', '/elsewhere');
    const wrongMethod = await server.request('DELETE', '/v1/objects');
    expect(unknown.status).toBe(404);
    expect(unknown.json.error).toBe('not_found');
    expect(outside.status).toBe(404);
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.get('allow')?.split(', ').sort()).toEqual(['GET', 'POST']);
  });

  it('decodes an empty body with a JSON content type as {} (HTTP/1.1 and h2c)', async () => {
    const h1 = await server.request('POST', '/v1/probe/any');
    const h2 = await h2Request(server.url, {
      method: 'POST',
      path: '/v1/probe/any',
      headers: { ...auth, 'content-type': 'application/json' },
    });
    expect(h1.json).toEqual({ body: {} });
    expect(h2.status).toBe(200);
    expect(h2.json).toEqual({ body: {} });
  });

  it('answers 400 invalid_json for a body that is not JSON', async () => {
    const res = await server.request('POST', '/v1/probe/any', '{"a":');
    expect(res.status).toBe(400);
    expect(res.json.error).toBe('invalid_json');
  });

  it('names the offending paths of a codec failure without echoing values', async () => {
    const res = await server.request('POST', '/v1/probe/echo', { value: 'hunter2-password', secret: 99 });
    expect(res.status).toBe(400);
    expect(res.json.error).toBe('invalid_request');
    expect(res.json.message).toContain('body.value');
    expect(res.json.message).toContain('body.secret');
    expect(res.text).not.toContain('hunter2');
    expect(res.text).not.toContain('99');
  });

  it('decodes path params and coerces query strings only where the codec needs it', async () => {
    const res = await server.request('GET', '/v1/probe/items/a%20b/sub/c?limit=5&flag=true&name=123');
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ params: { id: 'a b', sub: 'c' }, query: { limit: 5, flag: true, name: '123' } });
    const bad = await server.request('GET', '/v1/probe/items/a/sub/c?limit=many');
    expect(bad.status).toBe(400);
    expect(bad.json.message).toContain('query.limit');
    const literal = await server.request('GET', '/v1/probe/items/special/sub/x');
    expect(literal.json).toEqual({ literal: true });
  });

  it('marks 409s and server bugs as not retryable, and hides bug details', async () => {
    const conflict = await server.request('POST', '/v1/probe/conflict');
    expect(conflict.status).toBe(409);
    expect(conflict.headers.get('x-should-retry')).toBe('false');
    expect(conflict.json).toEqual({ error: 'conflict', message: 'busy' });
    const bug = await server.request('POST', '/v1/probe/bug');
    expect(bug.status).toBe(500);
    expect(bug.headers.get('x-should-retry')).toBe('false');
    expect(bug.text).not.toContain('secret-token-value');
  });

  it('refuses a JSON body declared larger than the limit with 413', async () => {
    const response = await rawExchange(
      server.url,
      `POST /v1/probe/any HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${server.token}\r\ncontent-type: application/json\r\ncontent-length: ${70 * 1024 * 1024}\r\n\r\n{`,
      /\r\n\r\n\{.*\}/s,
    );
    expect(response).toMatch(/^HTTP\/1\.1 413 /);
    expect(response).toContain('payload_too_large');
  });

  it('writes text, empty and stream replies (the stream from ctx.services.objects)', async () => {
    const text = await server.request('POST', '/v1/probe/text');
    expect(text.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(text.text).toBe('plain ünïcode\n');
    const empty = await server.request('POST', '/v1/probe/empty');
    expect(empty.status).toBe(204);
    expect(empty.text).toBe('');
    const created = await server.request('POST', '/v1/objects', { name: 'o', content_type: 'binary' });
    const bytes = Buffer.from([0, 1, 2, 255, 254]);
    await (await fetch(created.json.upload_url, { method: 'PUT', body: bytes })).text();
    const early = await server.request('GET', `/v1/probe/objects/${created.json.id}/content`);
    expect(early.status).toBe(409);
    await server.request('POST', `/v1/objects/${created.json.id}/complete`);
    const h2 = await h2Request(server.url, {
      method: 'GET',
      path: `/v1/probe/objects/${created.json.id}/content`,
      headers: auth,
    });
    expect(h2.headers['content-length']).toBe('5');
    expect(h2.body.equals(bytes)).toBe(true);
    expect((await server.request('GET', '/v1/probe/objects/obj_nope/content')).status).toBe(404);
  });

  it('writes SSE events as data:/event: lines and ends with the iterable', async () => {
    const res = await fetch(`${server.url}/v1/probe/sse?count=3`, { headers: auth });
    expect(res.headers.get('content-type')).toBe('text/event-stream');
    const text = await res.text();
    expect(text).toBe(
      'data: {"output":"line 0\\nnext","offset":0}\n\n' +
        'data: {"output":"line 1\\nnext","offset":1}\n\n' +
        'event: error\ndata: {"code":"408"}\n\n' +
        'data: {"output":"line 2\\nnext","offset":2}\n\n',
    );
    const h2 = await h2Request(server.url, { method: 'GET', path: '/v1/probe/sse?count=1', headers: auth });
    expect(h2.body.toString()).toBe('data: {"output":"line 0\\nnext","offset":0}\n\n');
  });

  it('turns an HttpError thrown mid-stream into an SSE error event and ends the stream', async () => {
    const res = await fetch(`${server.url}/v1/probe/sse-fails`, { headers: auth });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe(
      'data: {"output":"a","offset":1}\n\nevent: error\ndata: {"code":"408","message":"no output for a while"}\n\n',
    );
  });

  it('stops the SSE producer when the client disconnects', async () => {
    const fresh = newProbeState();
    const local = await startTestServer({ runtimeMode: 'none', services: [probeService(fresh)] });
    try {
      const controller = new AbortController();
      const res = await fetch(`${local.url}/v1/probe/sse`, {
        headers: { authorization: `Bearer ${local.token}` },
        signal: controller.signal,
      });
      const reader = res.body!.getReader();
      const first = await reader.read();
      expect(new TextDecoder().decode(first.value)).toContain('line 0');
      controller.abort();
      await fresh.sseStopped;
      expect(fresh.sseFinallyRan).toBe(true);
    } finally {
      await local.dispose();
    }
  });

  it('hands HTTP/1.1 Upgrade requests to a service hook, else 404', async () => {
    const upgraded = await rawExchange(
      server.url,
      'GET /probe-upgrade HTTP/1.1\r\nhost: x\r\nconnection: upgrade\r\nupgrade: probe\r\n\r\n',
    );
    expect(upgraded).toMatch(/^HTTP\/1\.1 101 /);
    expect(upgraded).toContain('hello-upgraded');
    const refused = await rawExchange(
      server.url,
      'GET /other HTTP/1.1\r\nhost: x\r\nconnection: upgrade\r\nupgrade: probe\r\n\r\n',
    );
    expect(refused).toMatch(/^HTTP\/1\.1 404 /);
  });
});
