import { describe, expect, it } from 'vitest';
import { marbles } from 'rxjs-marbles';
import { from, lastValueFrom, toArray } from 'rxjs';
import { SseDecoder, parseSse, type SseMessage } from '../../src/core/index.js';

const bytes = (s: string) => new TextEncoder().encode(s);

function parseAll(chunks: Uint8Array[]): Promise<SseMessage[]> {
  return lastValueFrom(from(chunks).pipe(parseSse(), toArray()));
}

/** Every way of cutting `whole` into two chunks, at byte granularity. */
function allSplits(whole: Uint8Array): Uint8Array[][] {
  const out: Uint8Array[][] = [];
  for (let i = 0; i <= whole.length; i++) out.push([whole.slice(0, i), whole.slice(i)]);
  return out;
}

describe('parseSse', () => {
  it('parses events with \\n, \\r and \\r\\n line endings alike', async () => {
    const expected: SseMessage[] = [
      { event: undefined, data: 'one' },
      { event: 'error', data: '{"code":"408"}' },
    ];
    for (const eol of ['\n', '\r', '\r\n']) {
      const text = `data: one${eol}${eol}event: error${eol}data: {"code":"408"}${eol}${eol}`;
      expect(await parseAll([bytes(text)])).toEqual(expected);
    }
  });

  it('joins data lines, skips comments, ignores id/retry, strips only one space', async () => {
    const text = ': keep-alive\nid: 7\nretry: 100\ndata:  two spaces\ndata:x\ndata\n\n';
    expect(await parseAll([bytes(text)])).toEqual([{ event: undefined, data: ' two spaces\nx\n' }]);
  });

  it('drops a leading BOM and an unterminated final event', async () => {
    const text = '\uFEFFdata: a\n\ndata: cut';
    expect(await parseAll([bytes(text)])).toEqual([{ event: undefined, data: 'a' }]);
  });

  it('gives the same result however the bytes are split (UTF-8, \\r\\n across chunks)', async () => {
    const whole = bytes('data: héllo 🌍\r\n\r\nevent: x\rdata: ü\r\r');
    const expected = await parseAll([whole]);
    expect(expected).toEqual([
      { event: undefined, data: 'héllo 🌍' },
      { event: 'x', data: 'ü' },
    ]);
    for (const split of allSplits(whole)) expect(await parseAll(split)).toEqual(expected);
    expect(await parseAll([...whole].map((b) => Uint8Array.of(b)))).toEqual(expected);
  });

  it('decoder keeps state between pushes', () => {
    const d = new SseDecoder();
    expect(d.push('data: a\r')).toEqual([]);
    expect(d.push('\n')).toEqual([]);
    expect(d.push('\r\n')).toEqual([{ event: undefined, data: 'a' }]);
  });

  it('emits as chunks arrive and forwards errors; unsubscribes upstream on teardown', marbles((m) => {
    const source = m.cold('a-b-#', { a: bytes('data: 1\n'), b: bytes('\ndata: 2') }, new Error('cut'));
    m.expect(source.pipe(parseSse())).toBeObservable('--x-#', { x: { event: undefined, data: '1' } }, new Error('cut'));
    m.expect(source).toHaveSubscriptions('^---!');
  }));

  it('empty and never-ending sources', marbles((m) => {
    const empty = m.cold('|');
    const never = m.cold('-');
    m.expect(empty.pipe(parseSse())).toBeObservable('|');
    m.expect(never.pipe(parseSse()), '^--!').toBeObservable('');
    m.expect(never).toHaveSubscriptions('^--!');
  }));
});
