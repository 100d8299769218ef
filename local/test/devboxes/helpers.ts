/**
 * Helpers shared by the devbox, execution and file end-to-end tests: a real
 * server with exactly the services these tests need, plus the shared devbox
 * helpers of test/support.
 */
import { startTestServer, type TestServer, type TestServerOptions } from '../../../test/support/local-server.js';
import { devboxServices } from './services.js';

export { createRunning, exec, shutdown, waitDevbox } from '../../../test/support/devboxes.js';

/** A server with the devbox services and a real runtime. */
export async function startDevboxServer(options: TestServerOptions = {}): Promise<TestServer> {
  return startTestServer({ services: devboxServices(), ...options });
}
