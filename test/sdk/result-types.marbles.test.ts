/**
 * Types say what they mean: `Observable<void>` where nothing useful is
 * answered, literal statuses on the per-status errors, and a polling
 * timeout that names what it waited for.
 */
import { describe, expect, expectTypeOf, it } from 'vitest';
import { marbles } from 'rxjs-marbles';
import { catchError, map, of, type Observable } from 'rxjs';
import { NotFoundError, PollingTimeoutError, RateLimitError, type APIError } from '../../src/index.js';
import { devboxView, testSdk, timeout408 } from '../../src/testing/index.js';

describe('Observable<void>', () => {
  it(
    'keepAlive, removeTunnel and the deletes emit one undefined, then complete',
    marbles((m) => {
      const { sdk, caller } = testSdk();
      caller.when('POST /v1/devboxes/dbx_1/keep_alive').respond(m.cold('-a|', { a: { id: 'dbx_1' } }));
      const devbox = sdk.devbox.attach('dbx_1');
      expectTypeOf(devbox.keepAlive()).toEqualTypeOf<Observable<void>>();
      expectTypeOf(devbox.net.removeTunnel()).toEqualTypeOf<Observable<void>>();
      expectTypeOf(devbox.file.upload).returns.toEqualTypeOf<Observable<void>>();
      m.expect(devbox.keepAlive()).toBeObservable('-(u|)', { u: undefined });
    }),
  );
});

describe('per-status errors', () => {
  it('carry their literal status type', () => {
    const err: unknown = new NotFoundError(404, undefined, undefined, 'gone');
    if (!(err instanceof NotFoundError)) throw new Error('not a NotFoundError');
    expectTypeOf(err.status).toEqualTypeOf<404>();
    const status: 404 = err.status;
    expect(status).toBe(404);
    expectTypeOf<RateLimitError['status']>().toEqualTypeOf<429>();
    expectTypeOf<APIError['status']>().toEqualTypeOf<number | undefined>();
  });
});

describe('PollingTimeoutError', () => {
  it(
    'names the resource, the awaited state and the last status',
    marbles((m) => {
      const { sdk, caller } = testSdk();
      caller
        .when('POST /v1/devboxes/dbx_1/wait_for_status')
        .respond(
          m.cold('-a|', { a: devboxView({ id: 'dbx_1', status: 'provisioning' }) }),
          m.cold('------#', undefined, timeout408()),
        );
      const message$ = sdk.devbox
        .attach('dbx_1')
        .awaitRunning({ pollingConfig: { timeoutMs: 5 } })
        .pipe(
          map(() => 'no timeout'),
          catchError((e: unknown) => of(e instanceof PollingTimeoutError ? e.message : String(e))),
        );
      m.expect(message$).toBeObservable('-----(m|)', {
        m: 'devbox dbx_1 did not reach running within 5 ms (last status: provisioning)',
      });
    }),
  );
});
