import { describe, expect, it } from 'vitest';
import { utf8Pieces } from '../../src/core/bytes.js';

const joined = (pieces: Iterable<Uint8Array>): string => Buffer.concat([...pieces]).toString('utf8');

describe('utf8Pieces', () => {
  it('encodes the whole text, piece by piece, to the same bytes as at once', () => {
    const text = 'héllo wörld, ünïcode';
    const pieces = [...utf8Pieces(text, 4)];
    expect(pieces.length).toBe(Math.ceil(text.length / 4));
    expect(Buffer.concat(pieces).equals(Buffer.from(text, 'utf8'))).toBe(true);
  });
  it('never cuts a surrogate pair: a piece that would end inside one takes it whole', () => {
    const text = `ab\u{1F600}c\u{1F600}`; // the pairs sit at 2-3 and 5-6
    expect(joined(utf8Pieces(text, 3))).toBe(text);
    expect(joined(utf8Pieces(text, 1))).toBe(text);
    expect(joined(utf8Pieces('\u{1F600}'.repeat(5), 2))).toBe('\u{1F600}'.repeat(5));
  });
  it('yields nothing for an empty text', () => {
    expect([...utf8Pieces('')]).toEqual([]);
  });
});
