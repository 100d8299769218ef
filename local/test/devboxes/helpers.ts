/**
 * Helpers shared by the devbox, execution and file end-to-end tests: a real
 * server with exactly the services these tests need, plus the shared devbox
 * helpers of test/support.
 */
import { afterAll, beforeAll, expect } from 'vitest';
import { startTestServer, type TestServer, type TestServerOptions } from '../../../test/support/local-server.js';
import { devboxServices } from './services.js';

export { createRunning, exec, shutdown, waitDevbox } from '../../../test/support/devboxes.js';

/** A server with the devbox services and a real runtime. */
export async function startDevboxServer(options: TestServerOptions = {}): Promise<TestServer> {
  return startTestServer({ services: devboxServices(), ...options });
}

/**
 * One devbox server for a whole test file, with real isolation (the file
 * fails at once where devboxes would run unsandboxed); stopped after it.
 * Call inside `describe`; read `.server` inside tests.
 */
export function useIsolatedDevboxServer(): { readonly server: TestServer } {
  const holder: { server?: TestServer } = {};
  beforeAll(async () => {
    holder.server = await startDevboxServer();
    expect(holder.server.runtimeInfo?.mode).toBe('namespaces');
  });
  afterAll(async () => {
    await holder.server?.dispose();
  });
  return {
    get server(): TestServer {
      if (holder.server === undefined)
        throw new Error('useIsolatedDevboxServer: the server exists only once beforeAll ran');
      return holder.server;
    },
  };
}
