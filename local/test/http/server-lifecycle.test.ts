import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import net from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ServiceFactory, ServiceMap } from '../../src/context.js';
import { json, route } from '../../src/http/route.js';
import { createObjectsService } from '../../src/objects/index.js';
import { startLocalServer } from '../../src/server.js';
import { startTestServer, tempDataDir, withLocalServer } from '../../../test/support/local-server.js';

const dirs: string[] = [];
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

async function freePort(): Promise<number> {
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as net.AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

describe('server lifecycle', () => {
  it('answers 503 with retry-after while services start, then serves', async () => {
    const dataDir = await tempDataDir();
    dirs.push(dataDir);
    const port = await freePort();
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const slow: ServiceFactory = () => ({
      name: 'slow',
      routes: () => [route({ method: 'GET', path: '/v1/slow', handler: async () => json({ ok: true }) })],
      start: () => gate,
    });
    const starting = startLocalServer({ port, dataDir, token: 't', runtimeMode: 'none', log: false, services: [slow] });
    let early: Response | undefined;
    for (let attempt = 0; attempt < 200 && early === undefined; attempt++) {
      early = await fetch(`http://127.0.0.1:${port}/v1/slow`, { headers: { authorization: 'Bearer t' } }).catch(
        () => new Promise<undefined>((r) => setTimeout(() => r(undefined), 10)),
      );
    }
    expect(early?.status).toBe(503);
    expect(early?.headers.get('retry-after')).toBe('1');
    release();
    const server = await starting;
    try {
      const ok = await fetch(`${server.url}/v1/slow`, { headers: { authorization: 'Bearer t' } });
      expect(await ok.json()).toEqual({ ok: true });
    } finally {
      await server.stop();
    }
  });

  it('undoes everything when a service fails to start: stops the others, frees port and data dir', async () => {
    const dataDir = await tempDataDir();
    dirs.push(dataDir);
    const port = await freePort();
    const stopped: string[] = [];
    const fine: ServiceFactory = () => ({
      name: 'fine',
      routes: () => [],
      stop: async () => void stopped.push('fine'),
    });
    const broken: ServiceFactory = () => ({
      name: 'broken',
      routes: () => [],
      start: async () => {
        throw new Error('cannot start');
      },
    });
    await expect(
      startLocalServer({ port, dataDir, runtimeMode: 'none', log: false, services: [fine, broken] }),
    ).rejects.toThrow('cannot start');
    expect(stopped).toEqual(['fine']);
    expect(existsSync(join(dataDir, 'server.lock'))).toBe(false);
    const again = await startLocalServer({ port, dataDir, runtimeMode: 'none', log: false, services: [] });
    expect(again.url).toBe(`http://127.0.0.1:${port}`);
    await again.stop();
  });

  it('lets services find each other through ctx.services, with a clear error for a missing one', async () => {
    let seen: unknown;
    let missing: unknown;
    const consumer: ServiceFactory = (ctx) => ({
      name: 'consumer',
      routes: () => [],
      start: async () => {
        seen = typeof ctx.services.objects.view;
        try {
          void (ctx.services as ServiceMap & { nothing: unknown }).nothing;
        } catch (error) {
          missing = error;
        }
        expect(() => ctx.registry.provide('objects', ctx.services.objects)).toThrow(/provided twice/);
      },
    });
    const url = await withLocalServer(async (server) => server.url, {
      runtimeMode: 'none',
      services: [createObjectsService, consumer],
    });
    // withLocalServer stopped the server on the way out.
    await expect(fetch(`${url}/v1/objects`)).rejects.toThrow();
    expect(seen).toBe('function');
    expect(String(missing)).toContain('service nothing is not available');
  });

  it('runs every area by default, and each serves its routes', async () => {
    const dataDir = await tempDataDir();
    dirs.push(dataDir);
    const infos: Array<[string, Record<string, unknown> | undefined]> = [];
    const log = {
      debug: () => undefined,
      info: (m: string, f?: Record<string, unknown>) => void infos.push([m, f]),
      warn: () => undefined,
      error: () => undefined,
    };
    const server = await startLocalServer({ dataDir, token: 't', runtimeMode: 'none', log });
    try {
      const listening = infos.find(([m]) => m === 'listening')?.[1];
      expect(String(listening?.services).split(',')).toEqual([
        'network-policies',
        'objects',
        'secrets',
        'devboxes',
        'executions',
        'files',
        'snapshots',
        'blueprints',
        'tunnels',
        'ssh',
        'dashboard',
      ]);
      for (const path of ['/v1/objects', '/v1/devboxes', '/v1/devboxes/disk_snapshots', '/v1/blueprints']) {
        const res = await fetch(`${server.url}${path}`, { headers: { authorization: 'Bearer t' } });
        expect(res.status, path).toBe(200);
        await res.arrayBuffer();
      }
    } finally {
      await server.stop();
    }
  });

  it('stop() is idempotent', async () => {
    const server = await startTestServer({ runtimeMode: 'none', services: [] });
    await Promise.all([server.stop(), server.stop()]);
    await server.dispose();
  });
});
