import { describe, it } from 'vitest';
import { marbles } from 'rxjs-marbles';
import { catchError, defer, throwError, type Observable } from 'rxjs';
import {
  APIConnectionError,
  PollingTimeoutError,
  RunloopError,
  apiErrorFromResponse,
  longPoll,
} from '../../src/core/index.js';

const timeout408 = apiErrorFromResponse(408, { 'x-should-retry': 'true' }, '{"message":"still waiting"}');
const stop = (s: string) => s === 'running' || s === 'failure';

function inTurn<T>(attempts: Observable<T>[]): Observable<T> {
  let i = 0;
  return defer(() => {
    const attempt = attempts[i++];
    if (!attempt) throw new Error('unexpected extra request');
    return attempt;
  });
}

describe('longPoll', () => {
  it(
    're-issues at once after each 408 until a stopping value',
    marbles((m) => {
      const a1 = m.cold<string>('--#', undefined, timeout408);
      const a2 = m.cold<string>('--#', undefined, timeout408);
      const a3 = m.cold<string>('--r|', { r: 'running' });
      const out = longPoll(inTurn([a1, a2, a3]), stop, {}, m.scheduler);
      m.expect(out).toBeObservable('------(r|)', { r: 'running' });
      m.expect(a1).toHaveSubscriptions('^-!');
      m.expect(a2).toHaveSubscriptions('--^-!');
      m.expect(a3).toHaveSubscriptions('----^-!');
    }),
  );

  it(
    'emits a 200 that is not final and re-issues',
    marbles((m) => {
      const a1 = m.cold<string>('--p|', { p: 'provisioning' });
      const a2 = m.cold<string>('--r|', { r: 'running' });
      const out = longPoll(inTurn([a1, a2]), stop, {}, m.scheduler);
      m.expect(out).toBeObservable('--p--(r|)', { p: 'provisioning', r: 'running' });
      m.expect(a1).toHaveSubscriptions('^--!');
      m.expect(a2).toHaveSubscriptions('---^-!');
    }),
  );

  it(
    'rides out retryable failures (a server restart) with backoff, then goes on',
    marbles((m) => {
      const down = new APIConnectionError('Connection error: ECONNREFUSED');
      const a1 = m.cold<string>('--p|', { p: 'provisioning' });
      const a2 = m.cold<string>('-#', undefined, down);
      const a3 = m.cold<string>('-#', undefined, down);
      const a4 = m.cold<string>('--r|', { r: 'running' });
      // Backoff with no jitter: 1 s, then 2 s.
      const out = longPoll(inTurn([a1, a2, a3, a4]), stop, { random: () => 0 }, m.scheduler);
      m.expect(out).toBeObservable('--p 1000ms -- 2000ms --(r|)', { p: 'provisioning', r: 'running' });
      m.expect(a2).toHaveSubscriptions('---^!');
    }),
  );

  it(
    'gives up after maxRetries retryable failures in a row',
    marbles((m) => {
      const down = new APIConnectionError('Connection error: ECONNREFUSED');
      const attempts = [
        m.cold<string>('-#', undefined, down),
        m.cold<string>('-#', undefined, down),
        m.cold<string>('-#', undefined, down),
      ];
      const out = longPoll(inTurn(attempts), stop, { maxRetries: 2, random: () => 0 }, m.scheduler);
      m.expect(out).toBeObservable('- 1000ms -- 2000ms #', undefined, down);
    }),
  );

  it(
    'fails on any other error',
    marbles((m) => {
      const e = apiErrorFromResponse(404, {}, '{"message":"gone"}');
      const a1 = m.cold<string>('--#', undefined, timeout408);
      const a2 = m.cold<string>('-#', undefined, e);
      const out = longPoll(inTurn([a1, a2]), stop, {}, m.scheduler);
      m.expect(out).toBeObservable('---#', undefined, e);
      m.expect(a1).toHaveSubscriptions('^-!');
      m.expect(a2).toHaveSubscriptions('--^!');
    }),
  );

  it(
    'fails at the overall deadline with the last value, aborting the request in flight',
    marbles((m) => {
      const a1 = m.cold<string>('--p|', { p: 'provisioning' });
      const a2 = m.cold<string>('--#', undefined, timeout408);
      const a3 = m.cold<string>('------');
      const out = longPoll(inTurn([a1, a2, a3]), stop, { timeoutMs: 8 }, m.scheduler);
      const fields = out.pipe(
        catchError((e: PollingTimeoutError) => throwError(() => ({ name: e.name, lastValue: e.lastValue }))),
      );
      m.expect(fields).toBeObservable(
        '--p 5ms #',
        { p: 'provisioning' },
        { name: 'PollingTimeoutError', lastValue: 'provisioning' },
      );
      m.expect(a3).toHaveSubscriptions('-----^--!');
    }),
  );

  it(
    'a request that completes without a value fails instead of spinning',
    marbles((m) => {
      const a1 = m.cold<string>('--|');
      const out = longPoll(inTurn([a1]), stop, {}, m.scheduler);
      m.expect(out).toBeObservable(
        '--#',
        undefined,
        new RunloopError('A long-poll request completed without a response'),
      );
      m.expect(a1).toHaveSubscriptions('^-!');
    }),
  );

  it(
    'unsubscribing aborts the request in flight',
    marbles((m) => {
      const a1 = m.cold<string>('-----');
      const out = longPoll(inTurn([a1]), stop, {}, m.scheduler);
      m.expect(out, '^--!').toBeObservable('');
      m.expect(a1).toHaveSubscriptions('^--!');
    }),
  );
});
