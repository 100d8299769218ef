import { describe, expect, it } from 'vitest';
import { marbles } from 'rxjs-marbles';
import { catchError, defer, finalize, map, throwError, type Observable } from 'rxjs';
import { MaxAttemptsExceededError, PollingTimeoutError, pollUntil } from '../../src/core/index.js';

/** Each poll answers the next state of `states`; `cold` gives the timing of one poll. */
function sequence<T>(states: readonly T[]) {
  let i = 0;
  return () => {
    const value = states[Math.min(i, states.length - 1)] as T;
    i++;
    return value;
  };
}

/** Marble errors compare by name and message only; expose the fields that matter. */
function withErrorFields<T>(source: Observable<T>): Observable<T> {
  return source.pipe(
    catchError((e: { name: string; lastValue?: unknown; attempts?: number; timeoutMs?: number }) =>
      throwError(() => ({ name: e.name, lastValue: e.lastValue, attempts: e.attempts, timeoutMs: e.timeoutMs })),
    ),
  );
}

const isTerminal = (s: string) => s === 'done' || s === 'failed';

// Timing rule under test: the next poll starts `intervalMs` after the previous
// one COMPLETED (a pause between polls, not a period).
describe('pollUntil', () => {
  it(
    'pauses intervalMs after each poll completes and ends with the terminal value',
    marbles((m) => {
      const poll = m.cold('-x|');
      const next = sequence(['queued', 'building', 'done']);
      const out = pollUntil(poll.pipe(map(next)), isTerminal, { intervalMs: 10 }, m.scheduler);
      // Polls at 0, 2+10 and 14+10; the terminal value at 25 ends the third poll early.
      m.expect(out).toBeObservable('-a 11ms b 11ms (c|)', { a: 'queued', b: 'building', c: 'done' });
      m.expect(poll).toHaveSubscriptions(['^-!', '12ms ^-!', '24ms ^!']);
    }),
  );

  it(
    'keeps polling through statuses it does not know, starting after initialDelayMs',
    marbles((m) => {
      const poll = m.cold('-x|');
      const next = sequence(['brand_new_status', 'another_one', 'failed']);
      const out = pollUntil(poll.pipe(map(next)), isTerminal, { intervalMs: 100, initialDelayMs: 5 }, m.scheduler);
      m.expect(out).toBeObservable('6ms a 101ms b 101ms (c|)', {
        a: 'brand_new_status',
        b: 'another_one',
        c: 'failed',
      });
      m.expect(poll).toHaveSubscriptions(['5ms ^-!', '107ms ^-!', '209ms ^!']);
    }),
  );

  it(
    'a terminal first answer ends at once: one poll only',
    marbles((m) => {
      const poll = m.cold('--x|');
      const out = pollUntil(poll.pipe(map(() => 'done')), isTerminal, { intervalMs: 10 }, m.scheduler);
      m.expect(out).toBeObservable('--(d|)', { d: 'done' });
      m.expect(poll).toHaveSubscriptions('^-!');
    }),
  );

  it(
    'a terminal value unsubscribes the poll that emitted it, even if it has more to say',
    marbles((m) => {
      const poll = m.cold('-b-d-b|', { b: 'busy', d: 'done' });
      const out = pollUntil(poll, isTerminal, { intervalMs: 10 }, m.scheduler);
      m.expect(out).toBeObservable('-b-(d|)', { b: 'busy', d: 'done' });
      m.expect(poll).toHaveSubscriptions('^--!');
    }),
  );

  it(
    'never cancels a poll slower than the interval: it runs to its end, then the pause',
    marbles((m) => {
      const poll = m.cold('---------------x|');
      const next = sequence(['a', 'done']);
      const out = pollUntil(poll.pipe(map(next)), isTerminal, { intervalMs: 10 }, m.scheduler);
      m.expect(out).toBeObservable('15ms a 25ms (b|)', { a: 'a', b: 'done' });
      // The first poll lasts 16 ms (> 10 ms interval) and is never cut short.
      m.expect(poll).toHaveSubscriptions(['^ 15ms !', '26ms ^ 14ms !']);
    }),
  );

  it.each([
    [3, '5ms a 8ms b 8ms c 8ms (d|)', ['^-----!', '9ms ^-----!', '18ms ^-----!', '27ms ^----!']],
    [0, '-----a-----b-----c-----(d|)', ['^-----!', '6ms ^-----!', '12ms ^-----!', '18ms ^----!']],
  ])('polls never overlap (interval %i ms, shorter than a poll)', (intervalMs, expected, subscriptions) =>
    marbles((m) => {
      const poll = m.cold('-----x|');
      let open = 0;
      let mostOpen = 0;
      const fetch$ = defer(() => {
        open++;
        mostOpen = Math.max(mostOpen, open);
        return poll.pipe(finalize(() => open--));
      });
      const next = sequence(['a', 'b', 'c', 'done']);
      const out = pollUntil(fetch$.pipe(map(next)), isTerminal, { intervalMs }, m.scheduler);
      m.expect(out).toBeObservable(expected, { a: 'a', b: 'b', c: 'c', d: 'done' });
      // Each poll starts intervalMs after the previous one completed, never before.
      m.expect(poll).toHaveSubscriptions(subscriptions);
      m.scheduler.flush();
      expect(mostOpen).toBe(1);
      expect(open).toBe(0);
    })(),
  );

  it(
    'fails at the deadline with the last value seen, cancelling the poll in flight',
    marbles((m) => {
      const poll = m.cold('---x|');
      const next = sequence(['queued', 'building', 'still']);
      const out = pollUntil(poll.pipe(map(next)), isTerminal, { intervalMs: 10, timeoutMs: 30 }, m.scheduler);
      m.expect(withErrorFields(out)).toBeObservable(
        '---a 13ms b 12ms #',
        { a: 'queued', b: 'building' },
        {
          name: 'PollingTimeoutError',
          lastValue: 'building',
          attempts: undefined,
          timeoutMs: 30,
        },
      );
      // The third poll starts at 28 and is cut at the 30 ms deadline, before its answer at 31.
      m.expect(poll).toHaveSubscriptions(['^---!', '14ms ^---!', '28ms ^-!']);
    }),
  );

  it(
    'the deadline cancels the poll in flight before the error reaches the subscriber',
    marbles((m) => {
      const events: string[] = [];
      const poll = m.cold('-----x|').pipe(finalize(() => events.push('poll closed')));
      const out = pollUntil(poll, isTerminal, { intervalMs: 10, timeoutMs: 3 }, m.scheduler);
      out.subscribe({ error: (e: Error) => events.push(e.name) });
      m.scheduler.flush();
      expect(events).toEqual(['poll closed', 'PollingTimeoutError']);
    }),
  );

  it(
    'the deadline counts the pauses too and stops the next poll from starting',
    marbles((m) => {
      const poll = m.cold('---x|');
      const next = sequence(['queued', 'building', 'still']);
      const out = pollUntil(poll.pipe(map(next)), isTerminal, { intervalMs: 10, timeoutMs: 22 }, m.scheduler);
      m.expect(withErrorFields(out)).toBeObservable(
        '---a 13ms b 4ms #',
        { a: 'queued', b: 'building' },
        {
          name: 'PollingTimeoutError',
          lastValue: 'building',
          attempts: undefined,
          timeoutMs: 22,
        },
      );
      m.expect(poll).toHaveSubscriptions(['^---!', '14ms ^---!']);
    }),
  );

  it(
    'fails at the deadline with undefined when a poll never answers',
    marbles((m) => {
      const poll = m.cold('-');
      const out = pollUntil(poll, isTerminal, { intervalMs: 10, timeoutMs: 30 }, m.scheduler);
      m.expect(withErrorFields(out)).toBeObservable('30ms #', undefined, {
        name: 'PollingTimeoutError',
        lastValue: undefined,
        attempts: undefined,
        timeoutMs: 30,
      });
      m.expect(poll).toHaveSubscriptions('^ 29ms !');
    }),
  );

  it(
    'fails with MaxAttemptsExceededError carrying the last value when the last allowed poll completes',
    marbles((m) => {
      const poll = m.cold('-x|');
      const next = sequence(['a', 'b', 'done']);
      const out = pollUntil(poll.pipe(map(next)), isTerminal, { intervalMs: 10, maxAttempts: 2 }, m.scheduler);
      m.expect(withErrorFields(out)).toBeObservable(
        '-a 11ms b#',
        { a: 'a', b: 'b' },
        {
          name: 'MaxAttemptsExceededError',
          lastValue: 'b',
          attempts: 2,
          timeoutMs: undefined,
        },
      );
      m.expect(poll).toHaveSubscriptions(['^-!', '12ms ^-!']);
    }),
  );

  it(
    'a terminal value on the last allowed attempt succeeds',
    marbles((m) => {
      const poll = m.cold('-x|');
      const next = sequence(['a', 'done']);
      const out = pollUntil(poll.pipe(map(next)), isTerminal, { intervalMs: 10, maxAttempts: 2 }, m.scheduler);
      m.expect(out).toBeObservable('-a 11ms (b|)', { a: 'a', b: 'done' });
      m.expect(poll).toHaveSubscriptions(['^-!', '12ms ^!']);
    }),
  );

  it(
    'an empty poll counts as an attempt and is followed by the pause',
    marbles((m) => {
      const poll = m.cold('-|');
      const out = pollUntil(poll as Observable<string>, isTerminal, { intervalMs: 10, maxAttempts: 3 }, m.scheduler);
      m.expect(withErrorFields(out)).toBeObservable('23ms #', undefined, {
        name: 'MaxAttemptsExceededError',
        lastValue: undefined,
        attempts: 3,
        timeoutMs: undefined,
      });
      m.expect(poll).toHaveSubscriptions(['^!', '11ms ^!', '22ms ^!']);
    }),
  );

  it(
    'propagates a fetch error and stops',
    marbles((m) => {
      const boom = new Error('boom');
      const poll = m.cold('-#', undefined, boom);
      const out = pollUntil(poll, isTerminal, { intervalMs: 10 }, m.scheduler);
      m.expect(out).toBeObservable('-#', undefined, boom);
      m.expect(poll).toHaveSubscriptions('^!');
    }),
  );

  it(
    'propagates an error of a later poll after the values before it',
    marbles((m) => {
      const boom = new Error('boom');
      const first = m.cold('-(a|)', { a: 'busy' });
      const second = m.cold('--#', undefined, boom);
      const polls = [first, second];
      let i = 0;
      const fetch$ = defer(() => polls[i++] ?? first);
      const out = pollUntil(fetch$, isTerminal, { intervalMs: 10, timeoutMs: 1000 }, m.scheduler);
      m.expect(out).toBeObservable('-a 11ms #', { a: 'busy' }, boom);
      m.expect(first).toHaveSubscriptions('^!');
      m.expect(second).toHaveSubscriptions('11ms ^-!');
    }),
  );

  it(
    'unsubscribing during a poll cancels it and polls no more',
    marbles((m) => {
      const poll = m.cold('--x|');
      const out = pollUntil(poll.pipe(map(() => 'busy')), isTerminal, { intervalMs: 10, timeoutMs: 1000 }, m.scheduler);
      m.expect(out, '^ 13ms !').toBeObservable('--a', { a: 'busy' });
      m.expect(poll).toHaveSubscriptions(['^--!', '13ms ^!']);
    }),
  );

  it(
    'unsubscribing during a pause stops the timer: no further poll',
    marbles((m) => {
      const poll = m.cold('-x|');
      const out = pollUntil(poll.pipe(map(() => 'busy')), isTerminal, { intervalMs: 10, timeoutMs: 1000 }, m.scheduler);
      m.expect(out, '^ 19ms !').toBeObservable('-a 11ms a', { a: 'busy' });
      m.expect(poll).toHaveSubscriptions(['^-!', '12ms ^-!']);
    }),
  );

  it(
    'unsubscribing before the initial delay never polls',
    marbles((m) => {
      const poll = m.cold('-x|');
      const out = pollUntil(
        poll.pipe(map(() => 'busy')),
        isTerminal,
        { intervalMs: 10, initialDelayMs: 50 },
        m.scheduler,
      );
      m.expect(out, '^ 9ms !').toBeObservable('-');
      m.expect(poll).toHaveSubscriptions([]);
    }),
  );

  it.each([
    [{ intervalMs: -1 }, /intervalMs/],
    [{ intervalMs: Number.NaN }, /intervalMs/],
    [{ intervalMs: 10, initialDelayMs: -5 }, /initialDelayMs/],
    [{ intervalMs: 10, timeoutMs: 0 }, /timeoutMs/],
    [{ intervalMs: 10, maxAttempts: 0 }, /maxAttempts/],
    [{ intervalMs: 10, maxAttempts: 1.5 }, /maxAttempts/],
  ])('rejects the invalid config %j with a RunloopConfigError, before any poll', (config, message) =>
    marbles((m) => {
      const poll = m.cold('-x|');
      const out = pollUntil(poll, isTerminal, config, m.scheduler).pipe(
        catchError((e: Error) => throwError(() => ({ name: e.name, matches: message.test(e.message) }))),
      );
      m.expect(out).toBeObservable('#', undefined, { name: 'RunloopConfigError', matches: true });
      m.expect(poll).toHaveSubscriptions([]);
    })(),
  );

  it('the error classes expose lastValue', () => {
    expect(new PollingTimeoutError({ status: 'x' }, 5).lastValue).toEqual({ status: 'x' });
    expect(new MaxAttemptsExceededError('y', 3).attempts).toBe(3);
  });
});
