/**
 * A devbox shut down while it is still starting: the API says `shutdown`,
 * and the server does not log the aborted start as a failure.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/http/logger.js';
import type { TestServer } from '../../../test/support/local-server.js';
import { startDevboxServer, waitDevbox } from './helpers.js';

describe('a devbox shut down during its start', () => {
  let server: TestServer;
  const lines: string[] = [];
  beforeAll(async () => {
    server = await startDevboxServer({ log: createLogger('warn', (line) => void lines.push(line)) });
  });
  afterAll(() => server?.dispose());

  it('ends in shutdown without a "failed to start" warning', async () => {
    for (let i = 0; i < 3; i++) {
      const created = await server.request('POST', '/v1/devboxes', {});
      expect(created.status, created.text).toBe(200);
      await new Promise((r) => setTimeout(r, i * 150));
      expect((await server.request('POST', `/v1/devboxes/${created.json.id}/shutdown`)).status).toBe(200);
      const view = await waitDevbox(server, created.json.id, ['shutdown', 'failure']);
      expect(view.status).toBe('shutdown');
    }
    // The start may finish its clean-up after the API already said shutdown.
    await new Promise((r) => setTimeout(r, 1500));
    expect(lines.filter((l) => /failed to start/.test(l))).toEqual([]);
  });
});
