import { describe, expect, it } from 'vitest';
import { marbles } from 'rxjs-marbles';
import { catchError, map, throwError, type Observable } from 'rxjs';
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

describe('pollUntil', () => {
  it('polls on the interval and completes with the terminal value', marbles((m) => {
    const poll = m.cold('-x|');
    const next = sequence(['queued', 'building', 'done']);
    const out = pollUntil(poll.pipe(map(next)), isTerminal, { intervalMs: 10 }, m.scheduler);
    m.expect(out).toBeObservable('-a 9ms b 9ms (c|)', { a: 'queued', b: 'building', c: 'done' });
    m.expect(poll).toHaveSubscriptions(['^-!', '10ms ^-!', '20ms ^!']);
  }));

  it('keeps polling through statuses it does not know, one poll per interval', marbles((m) => {
    const poll = m.cold('-x|');
    const next = sequence(['brand_new_status', 'another_one', 'failed']);
    const out = pollUntil(poll.pipe(map(next)), isTerminal, { intervalMs: 100, initialDelayMs: 5 }, m.scheduler);
    m.expect(out).toBeObservable('6ms a 99ms b 99ms (c|)', { a: 'brand_new_status', b: 'another_one', c: 'failed' });
    m.expect(poll).toHaveSubscriptions(['5ms ^-!', '105ms ^-!', '205ms ^!']);
  }));

  it('fails at the deadline with the last value seen, cancelling the poll in flight', marbles((m) => {
    const poll = m.cold('---x|');
    const next = sequence(['queued', 'building', 'still']);
    const out = pollUntil(poll.pipe(map(next)), isTerminal, { intervalMs: 10, timeoutMs: 22 }, m.scheduler);
    m.expect(withErrorFields(out)).toBeObservable('---a 9ms b 8ms #', { a: 'queued', b: 'building' }, {
      name: 'PollingTimeoutError', lastValue: 'building', attempts: undefined, timeoutMs: 22,
    });
    m.expect(poll).toHaveSubscriptions(['^---!', '10ms ^---!', '20ms ^-!']);
  }));

  it('fails at the deadline with undefined when nothing arrived', marbles((m) => {
    const poll = m.cold('-');
    const out = pollUntil(poll, isTerminal, { intervalMs: 10, timeoutMs: 30 }, m.scheduler);
    m.expect(withErrorFields(out)).toBeObservable('30ms #', undefined, {
      name: 'PollingTimeoutError', lastValue: undefined, attempts: undefined, timeoutMs: 30,
    });
    m.expect(poll).toHaveSubscriptions('^ 29ms !');
  }));

  it('fails with MaxAttemptsExceededError carrying the last value', marbles((m) => {
    const poll = m.cold('-x|');
    const next = sequence(['a', 'b', 'done']);
    const out = pollUntil(poll.pipe(map(next)), isTerminal, { intervalMs: 10, maxAttempts: 2 }, m.scheduler);
    m.expect(withErrorFields(out)).toBeObservable('-a 9ms #', { a: 'a' }, {
      name: 'MaxAttemptsExceededError', lastValue: 'b', attempts: 2, timeoutMs: undefined,
    });
    m.expect(poll).toHaveSubscriptions(['^-!', '10ms ^!']);
  }));

  it('a terminal value on the last allowed attempt succeeds', marbles((m) => {
    const poll = m.cold('-x|');
    const next = sequence(['a', 'done']);
    const out = pollUntil(poll.pipe(map(next)), isTerminal, { intervalMs: 10, maxAttempts: 2 }, m.scheduler);
    m.expect(out).toBeObservable('-a 9ms (b|)', { a: 'a', b: 'done' });
    m.expect(poll).toHaveSubscriptions(['^-!', '10ms ^!']);
  }));

  it('never cancels a slow poll: ticks during it are skipped', marbles((m) => {
    const poll = m.cold('---------------x|');
    const next = sequence(['a', 'done']);
    const out = pollUntil(poll.pipe(map(next)), isTerminal, { intervalMs: 10 }, m.scheduler);
    m.expect(out).toBeObservable('15ms a 19ms (b|)', { a: 'a', b: 'done' });
    m.expect(poll).toHaveSubscriptions(['^ 15ms !', '20ms ^ 14ms !']);
  }));

  it('propagates a fetch error and stops', marbles((m) => {
    const boom = new Error('boom');
    const poll = m.cold('-#', undefined, boom);
    const out = pollUntil(poll, isTerminal, { intervalMs: 10 }, m.scheduler);
    m.expect(out).toBeObservable('-#', undefined, boom);
    m.expect(poll).toHaveSubscriptions('^!');
  }));

  it('unsubscribing stops the polls and the timer', marbles((m) => {
    const poll = m.cold('-x|');
    const out = pollUntil(poll.pipe(map(() => 'busy')), isTerminal, { intervalMs: 10, timeoutMs: 1000 }, m.scheduler);
    m.expect(out, '^ 14ms !').toBeObservable('-a 9ms a', { a: 'busy' });
    m.expect(poll).toHaveSubscriptions(['^-!', '10ms ^-!']);
  }));

  it('the error classes expose lastValue', () => {
    expect(new PollingTimeoutError({ status: 'x' }, 5).lastValue).toEqual({ status: 'x' });
    expect(new MaxAttemptsExceededError('y', 3).attempts).toBe(3);
  });
});
