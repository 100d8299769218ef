/**
 * The transport seam is open to users: `transport` and `interceptors` in the
 * SDK options; `FakeTransport` sits below retry and status mapping.
 */
import { describe, expect, it } from 'vitest';
import { firstValueFrom } from 'rxjs';
import { NotFoundError, RunloopSDK } from '../../src/index.js';
import { FakeTransport, devboxView } from '../../src/testing/index.js';
import type { HttpInterceptor } from '../../src/index.js';

/** Waits (real time, at most 2 s) until `transport` has seen `count` attempts. */
async function attempts(transport: FakeTransport, count: number): Promise<void> {
  for (let waited = 0; transport.requests.length < count; waited += 5) {
    if (waited > 2_000) throw new Error(`only ${transport.requests.length} attempts after 2 s`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

function sdkOn(transport: FakeTransport, interceptors: readonly HttpInterceptor[] = []): RunloopSDK {
  return new RunloopSDK({
    bearerToken: 'k',
    baseURL: 'http://fake.test',
    transport: transport.handler,
    interceptors,
    maxRetries: 2,
  });
}

describe('FakeTransport', () => {
  it('sees every attempt: a 503 is retried by the SDK above it, then the answer is decoded', async () => {
    const transport = new FakeTransport();
    const seen: string[] = [];
    const trace: HttpInterceptor = (request, next) => {
      seen.push(`${request.method} ${new URL(request.url).pathname}`);
      return next({ ...request, headers: { ...request.headers, 'x-trace': 'abc' } });
    };
    const info = firstValueFrom(sdkOn(transport, [trace]).devbox.attach('dbx_1').getInfo());
    await attempts(transport, 1);
    const first = transport.expectOne('GET', '/v1/devboxes/dbx_1');
    expect(first.request.headers['x-trace']).toBe('abc');
    expect(first.request.headers['authorization']).toBe('Bearer k');
    first.respond(503, { message: 'busy' }, { 'retry-after-ms': '0' });
    await attempts(transport, 2);
    transport.expectOne('GET', '/v1/devboxes/dbx_1').respond(200, devboxView({ id: 'dbx_1', status: 'running' }));
    expect((await info).status).toBe('running');
    expect(seen).toHaveLength(2);
    transport.verify();
  });

  it('a 404 is mapped to NotFoundError above it', async () => {
    const transport = new FakeTransport();
    const info = firstValueFrom(sdkOn(transport).devbox.attach('dbx_404').getInfo());
    await attempts(transport, 1);
    transport.expectOne('GET', '/v1/devboxes/dbx_404').respond(404, { message: 'no such devbox' });
    await expect(info).rejects.toBeInstanceOf(NotFoundError);
  });

  it('tells answered from cancelled', async () => {
    const transport = new FakeTransport();
    const controller = new AbortController();
    const info = firstValueFrom(sdkOn(transport).devbox.attach('dbx_1').getInfo({ signal: controller.signal }));
    await attempts(transport, 1);
    const pending = transport.expectOne('GET', '/v1/devboxes/dbx_1');
    controller.abort();
    await expect(info).rejects.toMatchObject({ name: 'APIUserAbortError' });
    expect([pending.cancelled, pending.answered]).toEqual([true, false]);
    transport.verify();
  });
});
