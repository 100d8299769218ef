/**
 * E2E harness: a REAL runloop-local server and an SDK bound to it.
 */
import { firstValueFrom, lastValueFrom, toArray } from 'rxjs';
import { RunloopSDK, isTerminalDevboxStatus, type DevboxView } from '../../../src/index.js';
import { startTestServer, type TestServer, type TestServerOptions } from '../../support/local-server.js';

export interface Harness {
  readonly server: TestServer;
  readonly sdk: RunloopSDK;
  /** Devboxes not yet in a terminal state. */
  live(): Promise<DevboxView[]>;
  /** Waits (up to `ms`) until no devbox is live; returns what is still live. */
  settle(ms?: number): Promise<DevboxView[]>;
  /** Shuts down whatever is left, closes the SDK, stops the server. */
  dispose(): Promise<void>;
}

export async function startHarness(options: TestServerOptions = {}): Promise<Harness> {
  const server = await startTestServer(options);
  const sdk = new RunloopSDK({ baseURL: server.url, bearerToken: server.token, maxRetries: 2 });
  const live = async (): Promise<DevboxView[]> => {
    const all = await lastValueFrom(sdk.api.devboxes.list({ limit: 100 }));
    return all.devboxes.filter((d) => !isTerminalDevboxStatus(d.status));
  };
  const settle = async (ms = 15_000): Promise<DevboxView[]> => {
    const deadline = Date.now() + ms;
    for (;;) {
      const left = await live();
      if (left.length === 0 || Date.now() > deadline) return left;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };
  return {
    server,
    sdk,
    live,
    settle,
    dispose: async () => {
      try {
        for (const d of await live())
          await firstValueFrom(sdk.api.devboxes.shutdown(d.id, { force: true })).catch(() => undefined);
      } finally {
        await sdk.close();
        await server.dispose();
      }
    },
  };
}

/** Collects an Observable's values. */
export function collect<T>(source: import('rxjs').Observable<T>): Promise<T[]> {
  return lastValueFrom(source.pipe(toArray()));
}
