/**
 * A whole runloop-local in its own process, for SIGKILL tests: every
 * service, on a given port (so a restarted server has the same URL), prints
 * `{"url": …}` once listening.
 * Usage: node --import tsx kill-server.ts <dataDir> <token> <port>
 */
import { createLogger } from '../../src/http/logger.js';
import { startLocalServer } from '../../src/server.js';

const [dataDir, token, port] = process.argv.slice(2);
const server = await startLocalServer({
  port: Number(port),
  host: '127.0.0.1',
  dataDir,
  token,
  log: createLogger('error'),
});
process.stdout.write(`${JSON.stringify({ url: server.url })}\n`);
