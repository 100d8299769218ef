import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { h2Request } from '../../../test/support/h2.js';
import { startTestServer, type TestServer } from '../../../test/support/local-server.js';
import { newProbeState, probeService, type ProbeState } from './probe-service.js';

describe('idempotency by x-request-id (real server)', () => {
  let server: TestServer;
  let state: ProbeState;

  beforeAll(async () => {
    state = newProbeState();
    server = await startTestServer({ runtimeMode: 'none', services: [probeService(state)] });
  });
  afterAll(() => server.dispose());

  it('replays the first reply for a retry with the same key, without running again', async () => {
    const before = state.executions;
    const first = await server.request('POST', '/v1/probe/count', { a: 1 }, { 'x-request-id': 'retry-1' });
    const retry = await server.request('POST', '/v1/probe/count', { a: 1 }, { 'x-request-id': 'retry-1' });
    expect(first.status).toBe(200);
    expect(retry.json).toEqual(first.json);
    expect(retry.headers.get('x-idempotent-replay')).toBe('true');
    expect(state.executions).toBe(before + 1);
  });

  it('makes a concurrent duplicate wait for the first and share its reply (also across protocols)', async () => {
    const before = state.executions;
    const headers = {
      authorization: `Bearer ${server.token}`,
      'content-type': 'application/json',
      'x-request-id': 'dup-1',
    };
    const [a, b] = await Promise.all([
      server.request('POST', '/v1/probe/count', { b: 2 }, { 'x-request-id': 'dup-1' }),
      h2Request(server.url, { method: 'POST', path: '/v1/probe/count', headers, body: JSON.stringify({ b: 2 }) }),
    ]);
    expect(a.status).toBe(200);
    expect(b.status).toBe(200);
    expect(b.json).toEqual(a.json);
    expect(state.executions).toBe(before + 1);
  });

  it('refuses a key reused for a different body with 422', async () => {
    await server.request('POST', '/v1/probe/count', { c: 1 }, { 'x-request-id': 'reuse-1' });
    const other = await server.request('POST', '/v1/probe/count', { c: 2 }, { 'x-request-id': 'reuse-1' });
    expect(other.status).toBe(422);
    expect(other.json.error).toBe('idempotency_key_mismatch');
  });

  it('runs every call without a key, and never stores error replies', async () => {
    const before = state.executions;
    await server.request('POST', '/v1/probe/count', {});
    await server.request('POST', '/v1/probe/count', {});
    expect(state.executions).toBe(before + 2);
    const first = await server.request('POST', '/v1/probe/conflict', {}, { 'x-request-id': 'err-1' });
    const again = await server.request('POST', '/v1/probe/conflict', {}, { 'x-request-id': 'err-1' });
    expect(first.status).toBe(409);
    expect(again.headers.get('x-idempotent-replay')).toBeNull();
  });

  it('keeps stored replies across a restart on the same data dir', async () => {
    const fresh = newProbeState();
    const first = await startTestServer({
      runtimeMode: 'none',
      services: [probeService(fresh)],
      keepDataDir: true,
      token: 't1',
    });
    const original = await first.request('POST', '/v1/probe/count', { d: 1 }, { 'x-request-id': 'durable-1' });
    await first.dispose();
    const again = newProbeState();
    const second = await startTestServer({
      runtimeMode: 'none',
      services: [probeService(again)],
      dataDir: first.dataDir,
      token: 't1',
    });
    try {
      const replay = await second.request('POST', '/v1/probe/count', { d: 1 }, { 'x-request-id': 'durable-1' });
      expect(replay.json).toEqual(original.json);
      expect(again.executions).toBe(0);
    } finally {
      await second.dispose();
    }
  });
});
