/**
 * `pollUntil` and `longPoll` are public: users poll their own things the
 * same way the SDK does, on virtual time.
 */
import { describe, it } from 'vitest';
import { marbles } from 'rxjs-marbles';
import { catchError, defer, map, of } from 'rxjs';
import { PollingTimeoutError, longPoll, pollUntil } from '../../src/index.js';
import { timeout408 } from '../../src/testing/index.js';

describe('pollUntil (public)', () => {
  it(
    'polls a user job every intervalMs after each answer, until it is done',
    marbles((m) => {
      const answers = ['queued', 'running', 'done'];
      let calls = 0;
      const job$ = defer(() => m.cold('-a|', { a: answers[calls++] }));
      // Answers at 1, 13, 25 (1 frame each, 10 frames of pause between).
      m.expect(pollUntil(job$, (s) => s === 'done', { intervalMs: 10 })).toBeObservable('-a 11ms b 11ms (c|)', {
        a: 'queued',
        b: 'running',
        c: 'done',
      });
    }),
  );

  it(
    'fails with PollingTimeoutError carrying the last value at timeoutMs',
    marbles((m) => {
      const job$ = m.cold('-a|', { a: 'queued' });
      const result$ = pollUntil(job$, (s) => s === 'done', { intervalMs: 10, timeoutMs: 15 }).pipe(
        catchError((e: unknown) => of(e instanceof PollingTimeoutError ? `timeout:${String(e.lastValue)}` : 'other')),
      );
      m.expect(result$).toBeObservable('-a 11ms b 1ms (t|)', { a: 'queued', b: 'queued', t: 'timeout:queued' });
    }),
  );
});

describe('longPoll (public)', () => {
  it(
    're-asks at once on a 408 and stops at the first answer that satisfies shouldStop',
    marbles((m) => {
      let calls = 0;
      const wait$ = defer(() =>
        calls++ === 0 ? m.cold('---#', undefined, timeout408()) : m.cold('--a|', { a: { status: 'ready' } }),
      );
      m.expect(longPoll(wait$, (v) => v.status === 'ready').pipe(map((v) => v.status))).toBeObservable('-----(r|)', {
        r: 'ready',
      });
    }),
  );
});
