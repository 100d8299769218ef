/**
 * An objects-only server in its own process, for the crash test: prints
 * `{"url": …}` once listening, then waits to be killed with SIGKILL.
 * Usage: node --import tsx crash-server.ts <dataDir> <token>
 */
import { createLogger } from '../../src/http/logger.js';
import { createObjectsService } from '../../src/objects/index.js';
import { startLocalServer } from '../../src/server.js';

const [dataDir, token] = process.argv.slice(2);
const server = await startLocalServer({
  port: 0,
  dataDir,
  token,
  runtimeMode: 'none',
  log: createLogger('error'),
  services: [createObjectsService],
});
process.stdout.write(`${JSON.stringify({ url: server.url })}\n`);
