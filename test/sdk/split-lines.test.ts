import { describe, it } from 'vitest';
import { marbles } from 'rxjs-marbles';
import { splitLines } from '../../src/sdk/internal/split-lines.js';
import type { ExecutionUpdateChunk as OutputChunk } from '../../src/api/views/execution.js';
import type { OutputLine } from '../../src/sdk/output.js';

const out = (line: string, offset: number): OutputLine => ({ stream: 'stdout', line, offset });

describe('splitLines', () => {
  it(
    'passes never through without emitting',
    marbles((m) => {
      const source = m.cold<OutputChunk>('-');
      m.expect(source.pipe(splitLines('stdout'))).toBeObservable('-');
      m.expect(source).toHaveSubscriptions('^');
    }),
  );

  it(
    'completes on empty',
    marbles((m) => {
      const source = m.cold<OutputChunk>('|');
      m.expect(source.pipe(splitLines('stdout'))).toBeObservable('|');
      m.expect(source).toHaveSubscriptions('(^!)');
    }),
  );

  it(
    'splits several lines in one chunk with end-of-line offsets',
    marbles((m) => {
      const source = m.cold<OutputChunk>('-a----|', { a: { output: 'one\ntwo\n', offset: 8 } });
      m.expect(source.pipe(splitLines('stdout'))).toBeObservable('-(xy)-|', { x: out('one', 4), y: out('two', 8) });
      m.expect(source).toHaveSubscriptions('^-----!');
    }),
  );

  it(
    'joins a line split across chunks and flushes the partial tail on completion',
    marbles((m) => {
      // prettier-ignore
      const source = m.cold<OutputChunk>('-a-b-c|', {
      a: { output: 'he', offset: 2 },
      b: { output: 'llo\nwor', offset: 9 },
      c: { output: 'ld', offset: 11 },
    });
      m.expect(source.pipe(splitLines('stderr'))).toBeObservable('---x--(y|)', {
        x: { stream: 'stderr', line: 'hello', offset: 6 },
        y: { stream: 'stderr', line: 'world', offset: 11 },
      });
    }),
  );

  it(
    'handles \\r\\n, also when split between chunks',
    marbles((m) => {
      const source = m.cold<OutputChunk>('ab|', {
        a: { output: 'x\r\ny\r', offset: 5 },
        b: { output: '\n', offset: 6 },
      });
      m.expect(source.pipe(splitLines('stdout'))).toBeObservable('xy|', { x: out('x', 3), y: out('y', 6) });
    }),
  );

  it(
    'counts UTF-8 bytes, not UTF-16 units',
    marbles((m) => {
      const source = m.cold<OutputChunk>('a----|', { a: { output: 'é€\nz\n', offset: 8 } });
      m.expect(source.pipe(splitLines('stdout'))).toBeObservable('(xy)-|', { x: out('é€', 6), y: out('z', 8) });
    }),
  );

  it(
    'infers offsets when chunks carry none, starting at startOffset',
    marbles((m) => {
      const source = m.cold<OutputChunk>('ab|', { a: { output: 'ab\n' }, b: { output: 'c\n' } });
      m.expect(source.pipe(splitLines('stdout', 10))).toBeObservable('xy|', { x: out('ab', 13), y: out('c', 15) });
    }),
  );

  it(
    'emits an empty line for a blank line but no extra line after a final newline',
    marbles((m) => {
      const source = m.cold<OutputChunk>('a----|', { a: { output: '\n\n', offset: 2 } });
      m.expect(source.pipe(splitLines('stdout'))).toBeObservable('(xy)-|', { x: out('', 1), y: out('', 2) });
    }),
  );

  it(
    'does not flush the partial line on error',
    marbles((m) => {
      const source = m.cold<OutputChunk>('a#', { a: { output: 'l1\npart', offset: 7 } });
      m.expect(source.pipe(splitLines('stdout'))).toBeObservable('x#', { x: out('l1', 3) });
    }),
  );

  it(
    'stops at once when unsubscribed early',
    marbles((m) => {
      const source = m.cold<OutputChunk>('a-b-c', {
        a: { output: '1\n', offset: 2 },
        b: { output: '2\n', offset: 4 },
        c: { output: '3\n', offset: 6 },
      });
      m.expect(source.pipe(splitLines('stdout')), '^--!').toBeObservable('x-y', { x: out('1', 2), y: out('2', 4) });
      m.expect(source).toHaveSubscriptions('^--!');
    }),
  );
});
