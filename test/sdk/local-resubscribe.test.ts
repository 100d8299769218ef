/**
 * `RunloopSDK.local()` can be subscribed to again on the same data dir
 * (`repeat`, `retry`, two `firstValueFrom` in a row): the next start waits
 * until the previous server released the dir. A fake server module stands in
 * for runloop-local and, like it, refuses a data dir that is still locked.
 */
import { describe, expect, it } from 'vitest';
import { firstValueFrom, lastValueFrom, map, repeat, take, toArray } from 'rxjs';
import type { LocalServerLoader } from '../../src/sdk/local-loader.js';
import { localSdk$ } from '../../src/sdk/local.js';

function lockingServer(stopMs: number): { load: LocalServerLoader; starts: string[] } {
  const locked = new Set<string>();
  const starts: string[] = [];
  let port = 4000;
  // Async like the real loader, though nothing here waits.
  // eslint-disable-next-line @typescript-eslint/require-await
  const load: LocalServerLoader = async () => ({
    // eslint-disable-next-line @typescript-eslint/require-await
    startLocalServer: async ({ dataDir = '' }) => {
      if (locked.has(dataDir))
        throw Object.assign(new Error(`data dir ${dataDir} is locked`), { name: 'DataDirLockedError' });
      locked.add(dataDir);
      const url = `http://127.0.0.1:${port++}`;
      starts.push(url);
      return {
        url,
        token: 't',
        // Stopping takes a while (devboxes shut down) and releases the lock only at its end.
        stop: () => new Promise<void>((resolve) => setTimeout(() => (locked.delete(dataDir), resolve()), stopMs)),
      };
    },
  });
  return { load, starts };
}

const sdkOf = (client: { baseURL?: string }) => ({ url: client.baseURL ?? '', close: () => Promise.resolve() });

describe('RunloopSDK.local() re-subscribed on the same data dir', () => {
  it('two firstValueFrom in a row both get a server', async () => {
    const { load, starts } = lockingServer(50);
    const local$ = localSdk$({ dataDir: '/tmp/rl-resubscribe-a' }, sdkOf, load).pipe(map((sdk) => sdk.url));
    expect(await firstValueFrom(local$)).toBe('http://127.0.0.1:4000');
    expect(await firstValueFrom(local$)).toBe('http://127.0.0.1:4001');
    expect(starts).toHaveLength(2);
  });

  it('repeat restarts it three times', async () => {
    const { load } = lockingServer(20);
    const urls = await lastValueFrom(
      localSdk$({ dataDir: '/tmp/rl-resubscribe-b' }, sdkOf, load).pipe(
        take(1),
        map((sdk) => sdk.url),
        repeat(3),
        toArray(),
      ),
    );
    expect(urls).toEqual(['http://127.0.0.1:4000', 'http://127.0.0.1:4001', 'http://127.0.0.1:4002']);
  });
});
