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

  it('drops a BOM split across chunks, but keeps U+FEFF anywhere else', async () => {
    const whole = bytes('\uFEFFdata: a\n\ndata: \uFEFFb\n\n');
    const expected = [
      { event: undefined, data: 'a' },
      { event: undefined, data: '\uFEFFb' },
    ];
    for (const split of allSplits(whole)) expect(await parseAll(split)).toEqual(expected);
    expect(await parseAll([...whole].map((b) => Uint8Array.of(b)))).toEqual(expected);
  });

  it('decodes bytes exactly as a streaming TextDecoder would, invalid UTF-8 included, however they are cut', async () => {
    // A seeded generator: the same cases on every run.
    let seed = 42;
    const next = (n: number) => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 16) % n;
    const pieces = ['data: ', 'event: x', 'é', '😀', '\n', '\r', '\r\n', ': c', 'data', 'a'].map(bytes);
    const invalid = [Uint8Array.of(0xff), Uint8Array.of(0xe2, 0x82), Uint8Array.of(0xf0, 0x9f), Uint8Array.of(0x80)];
    for (let round = 0; round < 200; round++) {
      const parts = Array.from({ length: 1 + next(40) }, () =>
        next(8) === 0 ? invalid[next(invalid.length)]! : pieces[next(pieces.length)]!,
      );
      const whole = Uint8Array.from(parts.flatMap((p) => [...p]));
      const reference = new SseDecoder().push(new TextDecoder().decode(whole));
      const cuts = [0, ...Array.from({ length: next(5) }, () => next(whole.length + 1)), whole.length].sort(
        (a, b) => a - b,
      );
      const chunks = cuts.slice(1).map((end, i) => whole.slice(cuts[i], end));
      expect(await parseAll(chunks)).toEqual(reference);
    }
  });

  it('does not keep references to the chunks it was given (a caller may reuse its buffer)', () => {
    const d = new SseDecoder();
    const buffer = new Uint8Array(8);
    buffer.set(bytes('data: ab'));
    expect(d.pushBytes(buffer)).toEqual([]);
    buffer.fill(0x7a);
    expect(d.pushBytes(bytes('c\n\n'))).toEqual([{ event: undefined, data: 'abc' }]);
  });

  it('splits text pushed in any pieces like the same text pushed whole', () => {
    const text = 'data: one\r\ndata: two\rdata: é😀\n\n: note\nevent: e\ndata\r\n\r\n';
    const whole = new SseDecoder().push(text);
    expect(whole).toEqual([
      { event: undefined, data: 'one\ntwo\né😀' },
      { event: 'e', data: '' },
    ]);
    for (let i = 0; i <= text.length; i++) {
      for (const j of [i, Math.min(text.length, i + 1), Math.min(text.length, i + 7)]) {
        const d = new SseDecoder();
        expect([...d.push(text.slice(0, i)), ...d.push(text.slice(i, j)), ...d.push(text.slice(j))]).toEqual(whole);
      }
    }
  });

  it('decoder keeps state between pushes', () => {
    const d = new SseDecoder();
    expect(d.push('data: a\r')).toEqual([]);
    expect(d.push('\n')).toEqual([]);
    expect(d.push('\r\n')).toEqual([{ event: undefined, data: 'a' }]);
  });

  it(
    'emits as chunks arrive and forwards errors; unsubscribes upstream on teardown',
    marbles((m) => {
      const source = m.cold('a-b-#', { a: bytes('data: 1\n'), b: bytes('\ndata: 2') }, new Error('cut'));
      m.expect(source.pipe(parseSse())).toBeObservable(
        '--x-#',
        { x: { event: undefined, data: '1' } },
        new Error('cut'),
      );
      m.expect(source).toHaveSubscriptions('^---!');
    }),
  );

  it(
    'empty and never-ending sources',
    marbles((m) => {
      const empty = m.cold('|');
      const never = m.cold('-');
      m.expect(empty.pipe(parseSse())).toBeObservable('|');
      m.expect(never.pipe(parseSse()), '^--!').toBeObservable('');
      m.expect(never).toHaveSubscriptions('^--!');
    }),
  );
});
