/**
 * A fleet's long-polls through the whole server (HTTP layer + devbox waits):
 * many concurrent `wait_for_status` holds must not pile listeners onto the
 * server's shared stopping signal (MaxListenersExceededWarning).
 */
import http2 from 'node:http2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEVBOX_WAIT_ENV } from '../../src/devboxes/index.js';
import { startTestServer, type TestServer } from '../../../test/support/local-server.js';

const HOLDS = 20;

/** `count` concurrent POSTs of `body` on one h2c session (as the official client sends them); resolves with the statuses. */
async function h2PostBurst(url: string, token: string, path: string, body: unknown, count: number): Promise<number[]> {
  const session = http2.connect(url);
  session.on('error', () => undefined);
  const one = (): Promise<number> =>
    new Promise((resolve, reject) => {
      const stream = session.request({
        ':method': 'POST',
        ':path': path,
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
      });
      let status = 0;
      stream.on('response', (headers) => (status = Number(headers[':status'])));
      stream.on('data', () => undefined);
      stream.on('error', reject);
      stream.on('end', () => resolve(status));
      stream.end(JSON.stringify(body));
    });
  try {
    return await Promise.all(Array.from({ length: count }, one));
  } finally {
    session.close();
  }
}

describe('a fleet of long-polls on the real server', () => {
  let server: TestServer;
  let devboxId: string | undefined;
  const warnings: Error[] = [];
  const onWarning = (warning: Error): void => void warnings.push(warning);
  const heldBefore = process.env[DEVBOX_WAIT_ENV];

  beforeAll(async () => {
    // Each hold answers 408 after this long: every one of them is held at the same time.
    process.env[DEVBOX_WAIT_ENV] = '2000';
    server = await startTestServer();
    process.on('warning', onWarning);
  });
  afterAll(async () => {
    process.off('warning', onWarning);
    if (devboxId !== undefined) await server.request('POST', `/v1/devboxes/${devboxId}/shutdown`);
    await server?.dispose();
    if (heldBefore === undefined) delete process.env[DEVBOX_WAIT_ENV];
    else process.env[DEVBOX_WAIT_ENV] = heldBefore;
  });

  it(`holds ${HOLDS} concurrent wait_for_status calls without a MaxListenersExceededWarning`, async () => {
    const created = await server.request('POST', '/v1/devboxes', { name: 'fleet-long-polls' });
    expect(created.status).toBe(200);
    devboxId = created.json.id as string;

    // Never reached by a devbox nobody suspends: each call holds until its 408.
    const statuses = await h2PostBurst(
      server.url,
      server.token,
      `/v1/devboxes/${devboxId}/wait_for_status`,
      { statuses: ['suspended'] },
      HOLDS,
    );
    await new Promise((resolve) => setImmediate(resolve));

    expect(statuses).toEqual(Array.from({ length: HOLDS }, () => 408));
    expect(warnings.filter((w) => w.name === 'MaxListenersExceededWarning').map(String)).toEqual([]);
  });
});
