/**
 * A server in its own process, for the crash test: started with a data dir
 * and a token, prints `{"url": …}` once listening, and is killed with SIGKILL.
 * Usage: node --import tsx crash-server.ts <dataDir> <token>
 */
import { createLogger } from '../../src/http/logger.js';
import { startLocalServer } from '../../src/server.js';
import { devboxServices } from './services.js';

const [dataDir, token] = process.argv.slice(2);
const server = await startLocalServer({
  port: 0,
  dataDir,
  token,
  log: createLogger('error'),
  services: devboxServices(),
});
process.stdout.write(`${JSON.stringify({ url: server.url })}\n`);
