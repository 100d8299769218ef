import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, connect, type Socket, type Server } from 'node:net';
import { NEVER, firstValueFrom, lastValueFrom, map, toArray } from 'rxjs';
import { RunloopSDK, type Devbox } from '../../../src/index.js';
import { startHarness, type Harness } from './harness.js';

let h: Harness;

beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.dispose();
});

describe('teardown against a real server', () => {
  it('use(): the devbox is shut down once the work completes', async () => {
    let id = '';
    const out = await lastValueFrom(
      h.sdk.devbox.use({ name: 'scoped' }, (devbox) => {
        id = devbox.id;
        return devbox.cmd.exec('echo scoped').pipe(map((r) => r.exitCode));
      }),
    );
    expect(out).toBe(0);
    // Shutdown finished before completion: no waiting needed.
    expect((await lastValueFrom(h.sdk.api.devboxes.retrieve(id))).status).toBe('shutdown');
  });

  it('use(): work that shuts the devbox down itself still completes cleanly', async () => {
    const status = await lastValueFrom(
      h.sdk.devbox.use({ name: 'self-shutdown' }, (d) => d.shutdown().pipe(map((v) => v.status))),
    );
    expect(status).toBe('shutdown');
  });

  it('use(): unsubscribing mid-work shuts the devbox down', async () => {
    let devbox: Devbox | undefined;
    const sub = h.sdk.devbox
      .use({ name: 'abandoned' }, (d) => {
        devbox = d;
        return NEVER;
      })
      .subscribe();
    await waitFor(() => devbox !== undefined);
    sub.unsubscribe();
    expect(await h.settle()).toEqual([]);
  });

  it('create(): unsubscribed while in flight leaves no orphan', async () => {
    const before = (await lastValueFrom(h.sdk.api.devboxes.list({ limit: 100 }))).devboxes.length;
    const sub = h.sdk.devbox.create({ name: 'cancelled' }).subscribe();
    await new Promise((r) => setTimeout(r, 5));
    sub.unsubscribe();
    // The create still lands on the server and is then shut down.
    await waitFor(async () => (await lastValueFrom(h.sdk.api.devboxes.list({ limit: 100 }))).devboxes.length > before);
    expect(await h.settle()).toEqual([]);
  });

  it('create(): an aborted signal also leaves no orphan and errors with APIUserAbortError', async () => {
    const controller = new AbortController();
    const pending = lastValueFrom(h.sdk.devbox.create({ name: 'aborted' }, { signal: controller.signal }));
    setTimeout(() => controller.abort(), 5);
    await expect(pending).rejects.toMatchObject({ name: 'APIUserAbortError' });
    expect(await h.settle()).toEqual([]);
  });
});

describe('output survives dropped connections', () => {
  let proxy: Server;
  const sockets = new Set<Socket>();

  beforeAll(async () => {
    const target = new URL(h.server.url);
    proxy = createServer((client) => {
      const upstream = connect(Number(target.port), target.hostname);
      sockets.add(client);
      sockets.add(upstream);
      client.pipe(upstream).pipe(client);
      const drop = () => {
        client.destroy();
        upstream.destroy();
        sockets.delete(client);
        sockets.delete(upstream);
      };
      client.on('error', drop).on('close', drop);
      upstream.on('error', drop).on('close', drop);
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  });
  afterAll(async () => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => proxy.close(() => resolve()));
  });

  it('no line lost or repeated when every connection is cut mid-stream', async () => {
    const address = proxy.address();
    if (address === null || typeof address === 'string') throw new Error('no proxy address');
    const viaProxy = new RunloopSDK({
      baseURL: `http://127.0.0.1:${address.port}`,
      bearerToken: h.server.token,
      maxRetries: 5,
    });
    try {
      const devbox = await lastValueFrom(h.sdk.devbox.create({ name: 'flaky-net' }));
      const attached = viaProxy.devbox.attach(devbox.id);
      const execution = await lastValueFrom(
        attached.cmd.execAsync('for i in $(seq 1 300); do echo line-$i; sleep 0.01; done'),
      );
      const lines = lastValueFrom(
        execution.output$.pipe(
          map((l) => l.line),
          toArray(),
        ),
      );
      let cuts = 0;
      const cutter = setInterval(() => {
        if (sockets.size > 0) cuts++;
        for (const s of sockets) s.destroy();
      }, 700);
      try {
        expect(await lines).toEqual(Array.from({ length: 300 }, (_, i) => `line-${i + 1}`));
      } finally {
        clearInterval(cutter);
      }
      expect(cuts).toBeGreaterThan(0);
      await firstValueFrom(devbox.shutdown());
    } finally {
      await viaProxy.close();
    }
  });
});

async function waitFor(check: () => boolean | Promise<boolean>, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}
