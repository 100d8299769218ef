import { describe, it } from 'vitest';
import { marbles } from 'rxjs-marbles';
import { nextOutput } from '../../src/executions/output-stream.js';
import type { OutputProgress } from '../../src/executions/output-log.js';

const p = (size: number, done = false): OutputProgress => ({ size, done });

describe('nextOutput', () => {
  it(
    'emits the first progress past the seen offset, then stops listening',
    marbles((m) => {
      const progress = m.hot('  a-b-c--', { a: p(5), b: p(8), c: p(12) });
      const subs = '           ^---!';
      const expected = '       ----(x|)';
      m.expect(nextOutput(progress, 8, 100, m.scheduler)).toBeObservable(expected, { x: p(12) });
      m.expect(progress).toHaveSubscriptions(subs);
    }),
  );

  it(
    'emits a final progress even when it did not grow',
    marbles((m) => {
      const progress = m.cold('a-b|', { a: p(8), b: p(8, true) });
      const expected = '       --(x|)';
      m.expect(nextOutput(progress, 8, 100, m.scheduler)).toBeObservable(expected, { x: p(8, true) });
      m.expect(progress).toHaveSubscriptions('^-!');
    }),
  );

  it(
    'reports idle when nothing new arrives in time, and unsubscribes',
    marbles((m) => {
      const progress = m.cold('a------', { a: p(3) });
      const expected = '       ---(i|)';
      m.expect(nextOutput(progress, 3, 3, m.scheduler)).toBeObservable(expected, { i: 'idle' });
      m.expect(progress).toHaveSubscriptions('^--!');
    }),
  );

  it(
    'passes a source error through',
    marbles((m) => {
      const progress = m.cold('a-#', { a: p(1) });
      m.expect(nextOutput(progress, 1, 10, m.scheduler)).toBeObservable('--#');
      m.expect(progress).toHaveSubscriptions('^-!');
    }),
  );

  it(
    'never emits on a silent source before the idle time',
    marbles((m) => {
      const progress = m.cold('-');
      m.expect(nextOutput(progress, 0, 5, m.scheduler)).toBeObservable('-----(i|)', { i: 'idle' });
      m.expect(progress).toHaveSubscriptions('^----!');
    }),
  );
});
