import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createObjectsService } from '../../src/objects/index.js';
import { h2Request } from '../../../test/support/h2.js';
import { startTestServer, type TestServer } from '../../../test/support/local-server.js';
import { newProbeState, probeService } from './probe-service.js';

/**
 * A loopback TCP proxy that forwards the first client chunk in two writes
 * (`splitAt` bytes, then the rest after the first was flushed), so the
 * server sees a connection preface split across reads.
 */
async function splittingProxy(target: string, splitAt: number): Promise<{ url: string; close(): Promise<void> }> {
  const { hostname, port } = new URL(target);
  const sockets = new Set<net.Socket>();
  const proxy = net.createServer((client) => {
    const upstream = net.connect(Number(port), hostname);
    sockets.add(client).add(upstream);
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
    upstream.setNoDelay(true);
    upstream.pipe(client);
    client.once('data', (first: Buffer) => {
      client.pause();
      upstream.write(first.subarray(0, splitAt), () => {
        // A second write after the first was handed to the kernel: separate reads on the server.
        setImmediate(() => {
          upstream.write(first.subarray(splitAt));
          client.pipe(upstream);
          client.resume();
        });
      });
    });
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  const address = proxy.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${address.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        proxy.close(() => resolve());
      }),
  };
}

describe('protocol edges (real server)', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({
      runtimeMode: 'none',
      services: [createObjectsService, probeService(newProbeState())],
    });
  });
  afterAll(() => server.dispose());

  it('recognises an HTTP/2 preface split across reads, and HTTP/1.1 starting like it', async () => {
    for (const splitAt of [1, 5, 23]) {
      const proxy = await splittingProxy(server.url, splitAt);
      try {
        const h2 = await h2Request(proxy.url, {
          method: 'GET',
          path: '/v1/objects',
          headers: { authorization: `Bearer ${server.token}` },
        });
        expect(h2.status, `h2 split at ${splitAt}`).toBe(200);
        // "P" is also the start of the HTTP/2 preface: the sniffer must wait, then choose HTTP/1.1.
        const h1 = await fetch(`${proxy.url}/v1/probe/any`, {
          method: 'POST',
          headers: { authorization: `Bearer ${server.token}`, 'content-type': 'application/json' },
          body: '{"x":1}',
        });
        expect(h1.status, `h1 split at ${splitAt}`).toBe(200);
        expect(await h1.json()).toEqual({ body: { x: 1 } });
      } finally {
        await proxy.close();
      }
    }
  });

  it('streams a multi-MB presigned PUT over h2c as well', async () => {
    const created = await server.request('POST', '/v1/objects', { name: 'h2.bin', content_type: 'binary' });
    const url = new URL(created.json.upload_url);
    const bytes = randomBytes(5 * 1024 * 1024);
    const put = await h2Request(server.url, { method: 'PUT', path: `${url.pathname}${url.search}`, body: bytes });
    expect(put.status).toBe(200);
    expect(put.json.size_bytes).toBe(bytes.length);
  });

  it('ends open SSE streams and h2 sessions when the server stops', async () => {
    const local = await startTestServer({ runtimeMode: 'none', services: [probeService(newProbeState())] });
    const res = await fetch(`${local.url}/v1/probe/sse`, { headers: { authorization: `Bearer ${local.token}` } });
    const reader = res.body!.getReader();
    await reader.read();
    const drained = (async () => {
      try {
        for (;;) if ((await reader.read()).done) return 'ended';
      } catch {
        return 'ended';
      }
    })();
    await local.dispose();
    expect(await drained).toBe('ended');
    await expect(fetch(`${local.url}/v1/objects`)).rejects.toThrow();
  });
});
