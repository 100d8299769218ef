import { describe, expect, it } from 'vitest';
import { marbles } from 'rxjs-marbles';
import { catchError, map, of } from 'rxjs';
import { APIConnectionError, AuthenticationError } from '../../src/core/errors.js';
import { sseReply, statusReply, testSdk } from '../../src/testing/index.js';

const WATCH = 'GET /v1/devboxes/evictions/watch';
const event = (id: string, at: number) => ({ data: JSON.stringify({ devbox_id: id, eviction_deadline_ms: at }) });

describe('runloop.devbox.evictions() (the eviction feed)', () => {
  it(
    'emits decoded events and reconnects after the server closes, 0.5 s then doubling',
    marbles((m) => {
      const { sdk, caller } = testSdk();
      const first = m.cold('-a|', { a: event('dbx_1', 10) });
      const second = m.cold('--|');
      const third = m.cold('-b-', { b: event('dbx_2', 20) });
      caller.when(WATCH).respond(first, second, third);
      const ids$ = sdk.devbox.evictions().pipe(map((e) => `${e.devbox_id}@${e.eviction_deadline_ms}`));
      // prettier-ignore
      m.expect(ids$, '^ 3000ms !').toBeObservable('- a 1503ms b', { a: 'dbx_1@10', b: 'dbx_2@20' });
      m.expect(first).toHaveSubscriptions('^-!');
      // closed at 2, reconnect after 500 ms; closed again 2 ms later, reconnect after 1000 ms.
      m.expect(second).toHaveSubscriptions('502ms ^-!');
      m.expect(third).toHaveSubscriptions('1504ms ^ 1496ms !');
      m.scheduler.flush();
      expect(caller.match(WATCH).map((r) => r.request.accept)).toEqual([
        'text/event-stream',
        'text/event-stream',
        'text/event-stream',
      ]);
      caller.verify();
    }),
  );

  it(
    'reconnects after a dropped connection, and the delay resets after an event',
    marbles((m) => {
      const { sdk, caller } = testSdk();
      const dropped = new APIConnectionError('reset');
      const first = m.cold('-a#', { a: event('dbx_1', 1) }, dropped);
      const second = m.cold('-b-', { b: event('dbx_2', 2) });
      caller.when(WATCH).respond(first, second);
      m.expect(sdk.devbox.evictions().pipe(map((e) => e.devbox_id)), '^ 1000ms !').toBeObservable('-a 501ms b', {
        a: 'dbx_1',
        b: 'dbx_2',
      });
      m.expect(second).toHaveSubscriptions('502ms ^ 498ms !');
    }),
  );

  it(
    'fails on a status that must not be retried (e.g. 401), and on a malformed event',
    marbles((m) => {
      const { sdk, caller } = testSdk();
      caller.when(WATCH).respond(statusReply(401));
      const name = (e: unknown) =>
        of(e instanceof AuthenticationError ? 'auth' : e instanceof Error ? e.name : 'other');
      m.expect(sdk.devbox.evictions().pipe(catchError(name))).toBeObservable('(x|)', { x: 'auth' });
      const bad = testSdk();
      bad.caller.when(WATCH).respond(sseReply([{ devbox_id: 5 }]));
      m.expect(bad.sdk.devbox.evictions().pipe(catchError(name))).toBeObservable('(x|)', { x: 'ResponseDecodeError' });
    }),
  );

  it(
    "devbox.eviction() emits only this devbox's notice, once, then closes the feed",
    marbles((m) => {
      const { sdk, caller } = testSdk();
      const feed = m.cold('-a-b-c-', { a: event('dbx_2', 1), b: event('dbx_1', 2), c: event('dbx_1', 3) });
      caller.when(WATCH).respond(feed);
      const notice$ = sdk.devbox
        .attach('dbx_1')
        .eviction()
        .pipe(map((e) => e.eviction_deadline_ms));
      m.expect(notice$).toBeObservable('---(b|)', { b: 2 });
      m.expect(feed).toHaveSubscriptions('^--!');
    }),
  );
});
