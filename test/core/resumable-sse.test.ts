import { describe, expect, it } from 'vitest';
import { marbles } from 'rxjs-marbles';
import { TimeoutError, type Observable } from 'rxjs';
import {
  APIConnectionError,
  InternalServerError,
  ResponseDecodeError,
  resumableSse,
  sseErrorToApiError,
  type SseMessage,
} from '../../src/core/index.js';
import { ExecutionUpdateChunk } from '../../src/api/views/execution.js';

const chunk = (output: string, offset?: number): SseMessage => ({
  event: undefined,
  data: JSON.stringify(offset === undefined ? { output } : { output, offset }),
});
const idle: SseMessage = { event: 'error', data: '{"code":"408","message":"idle"}' };

/** `open` that hands out prepared connections in turn and records the offsets asked for. */
function opener(connections: Observable<SseMessage>[]) {
  const offsets: number[] = [];
  let i = 0;
  const open = (offset: number) => {
    offsets.push(offset);
    const c = connections[i++];
    if (!c) throw new Error('unexpected reconnect');
    return c;
  };
  return { open, offsets };
}

describe('resumableSse', () => {
  it(
    'streams chunks and completes when the server closes',
    marbles((m) => {
      const c1 = m.cold('-a-b|', { a: chunk('he', 2), b: chunk('llo', 5) });
      const { open, offsets } = opener([c1]);
      m.expect(resumableSse(open, ExecutionUpdateChunk, 0, {}, m.scheduler)).toBeObservable('-a-b|', {
        a: { output: 'he', offset: 2 },
        b: { output: 'llo', offset: 5 },
      });
      m.expect(c1).toHaveSubscriptions('^---!');
      m.flush();
      expect(offsets).toEqual([0]);
    }),
  );

  it(
    'resumes at once from the last offset after a 408 error event',
    marbles((m) => {
      const c1 = m.cold('-a-b-e', { a: chunk('x', 1), b: chunk('y', 2), e: idle });
      const c2 = m.cold('--c|', { c: chunk('z', 3) });
      const { open, offsets } = opener([c1, c2]);
      m.expect(resumableSse(open, ExecutionUpdateChunk, 0, {}, m.scheduler)).toBeObservable('-a-b---c|', {
        a: { output: 'x', offset: 1 },
        b: { output: 'y', offset: 2 },
        c: { output: 'z', offset: 3 },
      });
      m.expect(c1).toHaveSubscriptions('^----!');
      m.expect(c2).toHaveSubscriptions('-----^--!');
      m.flush();
      expect(offsets).toEqual([0, 2]);
    }),
  );

  it(
    'resumes after a dropped connection with backoff, without loss or repeat',
    marbles((m) => {
      const c1 = m.cold('-a-b-#', { a: chunk('one\n', 4), b: chunk('two\n', 8) }, new APIConnectionError('reset'));
      // A server that replays from slightly earlier must not cause a duplicate.
      const c2 = m.cold('-b-c|', { b: chunk('two\n', 8), c: chunk('three\n', 14) });
      const { open, offsets } = opener([c1, c2]);
      m.expect(resumableSse(open, ExecutionUpdateChunk, 0, { backoffMs: 100 }, m.scheduler)).toBeObservable(
        '-a-b 104ms c|',
        {
          a: { output: 'one\n', offset: 4 },
          b: { output: 'two\n', offset: 8 },
          c: { output: 'three\n', offset: 14 },
        },
      );
      m.expect(c1).toHaveSubscriptions('^----!');
      m.expect(c2).toHaveSubscriptions('105ms ^---!');
      m.flush();
      expect(offsets).toEqual([0, 8]);
    }),
  );

  it(
    'resumes from the initial offset when no chunk arrived, and after a TimeoutError',
    marbles((m) => {
      const c1 = m.cold('--#', undefined, new TimeoutError());
      const c2 = m.cold('-a|', { a: chunk('x', 11) });
      const { open, offsets } = opener([c1, c2]);
      m.expect(resumableSse(open, ExecutionUpdateChunk, 10, {}, m.scheduler)).toBeObservable('---a|', {
        a: { output: 'x', offset: 11 },
      });
      m.expect(c2).toHaveSubscriptions('--^-!');
      m.flush();
      expect(offsets).toEqual([10, 10]);
    }),
  );

  it(
    'gives up after the cap of reconnects without progress',
    marbles((m) => {
      const drop = new APIConnectionError('refused');
      const cs = [0, 1, 2].map(() => m.cold<SseMessage>('#', undefined, drop));
      const { open } = opener(cs);
      // backoff 10, 20 then give up on the third failure (cap 2)
      m.expect(
        resumableSse(open, ExecutionUpdateChunk, 0, { maxFailuresWithoutProgress: 2, backoffMs: 10 }, m.scheduler),
      ).toBeObservable('30ms #', undefined, drop);
      m.expect(cs[0]!).toHaveSubscriptions('(^!)');
      m.expect(cs[1]!).toHaveSubscriptions('10ms (^!)');
      m.expect(cs[2]!).toHaveSubscriptions('30ms (^!)');
    }),
  );

  it(
    'progress resets the failure count',
    marbles((m) => {
      const drop = new APIConnectionError('reset');
      const c1 = m.cold('#', undefined, drop);
      const c2 = m.cold('a#', { a: chunk('x', 1) }, drop);
      const c3 = m.cold('b|', { b: chunk('y', 2) });
      const { open, offsets } = opener([c1, c2, c3]);
      m.expect(
        resumableSse(open, ExecutionUpdateChunk, 0, { maxFailuresWithoutProgress: 1, backoffMs: 10 }, m.scheduler),
      ).toBeObservable('10ms a 10ms b|', { a: { output: 'x', offset: 1 }, b: { output: 'y', offset: 2 } });
      m.expect(c3).toHaveSubscriptions('21ms ^!');
      m.flush();
      expect(offsets).toEqual([0, 0, 1]);
    }),
  );

  it(
    'fails on any other error event with the mapped APIError',
    marbles((m) => {
      const c1 = m.cold('-a-e', { a: chunk('x', 1), e: { event: 'error', data: '{"code":"500","message":"boom"}' } });
      const { open } = opener([c1]);
      const expected = sseErrorToApiError({ event: 'error', data: '{"code":"500","message":"boom"}' });
      expect(expected).toBeInstanceOf(InternalServerError);
      expect(expected.status).toBe(500);
      m.expect(resumableSse(open, ExecutionUpdateChunk, 0, {}, m.scheduler)).toBeObservable(
        '-a-#',
        { a: { output: 'x', offset: 1 } },
        expected,
      );
      m.expect(c1).toHaveSubscriptions('^--!');
    }),
  );

  it(
    'fails on non-JSON data with a decode error',
    marbles((m) => {
      const c1 = m.cold('-a', { a: { event: undefined, data: 'not json' } });
      const { open } = opener([c1]);
      const expected = new ResponseDecodeError([{ path: '$', expected: 'valid JSON' }], 'ExecutionUpdateChunk');
      m.expect(resumableSse(open, ExecutionUpdateChunk, 0, {}, m.scheduler)).toBeObservable('-#', undefined, expected);
      m.expect(c1).toHaveSubscriptions('^!');
    }),
  );

  it(
    'keeps the last offset for chunks without one',
    marbles((m) => {
      const c1 = m.cold('ab|', { a: chunk('x', 3), b: chunk('y') });
      const { open } = opener([c1]);
      m.expect(resumableSse(open, ExecutionUpdateChunk, 0, {}, m.scheduler)).toBeObservable('ab|', {
        a: { output: 'x', offset: 3 },
        b: { output: 'y', offset: 3 },
      });
    }),
  );

  it(
    'idle 408s never give up, but after three in a row without output they are spaced out',
    marbles((m) => {
      const idles = [0, 1, 2, 3, 4].map(() => m.cold<SseMessage>('-e', { e: idle }));
      const last = m.cold<SseMessage>('a|', { a: chunk('late', 4) });
      const { open, offsets } = opener([...idles, last]);
      m.expect(
        resumableSse(open, ExecutionUpdateChunk, 0, { maxFailuresWithoutProgress: 1 }, m.scheduler),
      ).toBeObservable('605ms a|', {
        a: { output: 'late', offset: 4 },
      });
      m.expect(idles[0]!).toHaveSubscriptions('^!');
      m.expect(idles[1]!).toHaveSubscriptions('-^!');
      m.expect(idles[2]!).toHaveSubscriptions('--^!');
      m.expect(idles[3]!).toHaveSubscriptions('---^!');
      m.expect(idles[4]!).toHaveSubscriptions('204ms ^!');
      m.expect(last).toHaveSubscriptions('605ms ^!');
      m.flush();
      expect(offsets).toEqual([0, 0, 0, 0, 0, 0]);
    }),
  );

  it(
    'unsubscribing closes the connection',
    marbles((m) => {
      const c1 = m.cold('-a----', { a: chunk('x', 1) });
      const { open } = opener([c1]);
      m.expect(resumableSse(open, ExecutionUpdateChunk, 0, {}, m.scheduler), '^--!').toBeObservable('-a', {
        a: { output: 'x', offset: 1 },
      });
      m.expect(c1).toHaveSubscriptions('^--!');
    }),
  );
});
