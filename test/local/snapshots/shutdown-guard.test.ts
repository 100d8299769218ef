import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shutdownGuard } from '../../../src/local/snapshots/shutdown-guard.js';

const capturing = new Set<string>();
let server: Server;
let base: string;

beforeAll(async () => {
  const guard = shutdownGuard((id) => capturing.has(id), 'tok');
  server = createServer((req, res) => {
    if (!guard(req, res)) res.end('routed');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

async function post(path: string, auth = 'Bearer tok', method = 'POST') {
  const res = await fetch(`${base}${path}`, { method, headers: { authorization: auth, 'content-type': 'application/json' } });
  return { status: res.status, retry: res.headers.get('x-should-retry'), body: await res.text() };
}

describe('shutdownGuard', () => {
  it('refuses the shutdown of a devbox being snapshotted with 409 and x-should-retry: false', async () => {
    capturing.add('dbx_busy');
    const refused = await post('/v1/devboxes/dbx_busy/shutdown');
    expect(refused.status).toBe(409);
    expect(refused.retry).toBe('false');
    expect(JSON.parse(refused.body)).toMatchObject({ error: 'snapshot_in_progress' });
  });

  it('lets force=true, other devboxes, other routes and unauthenticated requests through', async () => {
    capturing.add('dbx_busy');
    expect((await post('/v1/devboxes/dbx_busy/shutdown?force=true')).body).toBe('routed');
    expect((await post('/v1/devboxes/dbx_idle/shutdown')).body).toBe('routed');
    expect((await post('/v1/devboxes/dbx_busy/suspend')).body).toBe('routed');
    expect((await post('/v1/devboxes/dbx_busy/shutdown', 'Bearer wrong')).body).toBe('routed');
    expect((await post('/v1/devboxes/dbx_busy/shutdown', 'Bearer tok', 'GET')).body).toBe('routed');
    capturing.delete('dbx_busy');
    expect((await post('/v1/devboxes/dbx_busy/shutdown')).body).toBe('routed');
  });
});
