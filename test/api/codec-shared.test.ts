import * as t from 'io-ts';
import { describe, expect, it } from 'vitest';
import {
  describeErrors,
  intRange,
  listOf,
  maxLengthString,
  nonEmptyArray,
  nullable,
  numberRange,
  openEnum,
  PageQuery,
  QueryBoolean,
  queryInt,
  strictEnum,
  validate,
} from '../../src/api/views/index.js';

const Color = openEnum('Color', ['red', 'green']);

describe('openEnum', () => {
  it('decodes known and unknown strings alike', () => {
    expect(Color.decode('red')).toEqual({ _tag: 'Right', right: 'red' });
    expect(Color.decode('ultraviolet')).toEqual({ _tag: 'Right', right: 'ultraviolet' });
  });
  it('rejects non-strings', () => {
    expect(Color.decode(3)._tag).toBe('Left');
    expect(Color.decode(null)._tag).toBe('Left');
    expect(Color.is(3)).toBe(false);
  });
  it('knows its values and guards them', () => {
    expect(Color.known).toEqual(['red', 'green']);
    expect(Color.isKnown('green')).toBe(true);
    expect(Color.isKnown('blue')).toBe(false);
  });
  it('has a strict form that rejects unknown values', () => {
    expect(Color.strict.decode('green')._tag).toBe('Right');
    expect(Color.strict.decode('blue')._tag).toBe('Left');
  });
});

describe('strictEnum', () => {
  it('accepts only its values', () => {
    const Arch = strictEnum(['x86_64', 'arm64']);
    expect(Arch.is('arm64')).toBe(true);
    expect(Arch.is('riscv')).toBe(false);
    expect(Arch.is('toString')).toBe(false);
  });
  it('names the allowed values when it fails', () => {
    expect(validate(t.type({ arch: strictEnum(['x86_64', 'arm64']) }), { arch: 'riscv' })).toEqual({
      ok: false,
      problems: ['arch: expected one of x86_64, arm64'],
    });
  });
});

describe('ranges', () => {
  it('intRange checks bounds and integrality', () => {
    const c = intRange(0, 25);
    expect([0, 25].map((n) => c.is(n))).toEqual([true, true]);
    expect([-1, 26, 2.5, Number.NaN].map((n) => c.decode(n)._tag)).toEqual(['Left', 'Left', 'Left', 'Left']);
  });
  it('numberRange accepts fractions within bounds', () => {
    const c = numberRange(0, 25);
    expect(c.is(2.5)).toBe(true);
    expect(c.is(25.01)).toBe(false);
    expect(c.is(Number.POSITIVE_INFINITY)).toBe(false);
  });
  it('maxLengthString and nonEmptyArray', () => {
    expect(maxLengthString(3).is('abc')).toBe(true);
    expect(maxLengthString(3).is('abcd')).toBe(false);
    expect(nonEmptyArray(t.string).is([])).toBe(false);
    expect(nonEmptyArray(t.string).is(['a'])).toBe(true);
  });
});

describe('query codecs', () => {
  it('queryInt decodes decimal strings and numbers', () => {
    const c = queryInt(0);
    expect(c.decode('42')).toEqual({ _tag: 'Right', right: 42 });
    expect(c.decode(7)).toEqual({ _tag: 'Right', right: 7 });
  });
  it('queryInt rejects junk, fractions, out of range and empty strings', () => {
    const c = queryInt(1, 10);
    for (const bad of ['', '4x', '1.5', ' 3', '0', '11', '-1', 'NaN', '1e3', null, true]) {
      expect(c.decode(bad)._tag, String(bad)).toBe('Left');
    }
  });
  it("QueryBoolean accepts booleans and 'true'/'false' only", () => {
    expect(QueryBoolean.decode('true')).toEqual({ _tag: 'Right', right: true });
    expect(QueryBoolean.decode('false')).toEqual({ _tag: 'Right', right: false });
    expect(QueryBoolean.decode(false)).toEqual({ _tag: 'Right', right: false });
    expect(QueryBoolean.decode('1')._tag).toBe('Left');
    expect(QueryBoolean.decode('TRUE')._tag).toBe('Left');
  });
  it('PageQuery decodes a URL query', () => {
    expect(PageQuery.decode({ limit: '10', starting_after: 'dbx_9', include_total_count: 'false' })).toEqual({
      _tag: 'Right',
      right: { limit: 10, starting_after: 'dbx_9', include_total_count: false },
    });
    expect(PageQuery.decode({ limit: '0' })._tag).toBe('Left');
  });
});

describe('nullable and listOf', () => {
  it('nullable accepts null and the inner type only', () => {
    const c = nullable(t.string);
    expect(c.is(null)).toBe(true);
    expect(c.is('a')).toBe(true);
    expect(c.is(undefined)).toBe(false);
  });
  it('listOf requires the items key and has_more, total_count optional and nullable', () => {
    const L = listOf('things', t.type({ id: t.string }));
    expect(L.is({ things: [{ id: 'a' }], has_more: true })).toBe(true);
    expect(L.is({ things: [], has_more: false, total_count: null })).toBe(true);
    expect(L.is({ things: [], has_more: false, total_count: 3 })).toBe(true);
    expect(L.is({ things: [] })).toBe(false);
    expect(L.is({ items: [], has_more: false })).toBe(false);
    expect(L.is({ things: [{ id: 1 }], has_more: false })).toBe(false);
  });
});

describe('error reports', () => {
  it('name the JSON path and the rule, without positional noise', () => {
    const C = t.intersection([t.type({ a: t.type({ b: intRange(0, 5) }) }), t.partial({ c: nullable(t.string) })]);
    const result = validate(C, { a: { b: 9 }, c: 4 });
    expect(result).toEqual({
      ok: false,
      problems: ['a.b: expected an integer in [0, 5]', 'c: expected string'],
    });
  });
  it('never include the offending value', () => {
    const secret = 'sk-very-secret-value';
    const C = t.type({ token: t.number });
    const decoded = C.decode({ token: secret });
    if (decoded._tag === 'Right') throw new Error('expected a failure');
    const text = describeErrors(decoded.left).join('\n');
    expect(text).toContain('token');
    expect(text).not.toContain(secret);
  });
  it('returns the decoded value when valid', () => {
    expect(validate(queryInt(0), '5')).toEqual({ ok: true, value: 5 });
  });
});
