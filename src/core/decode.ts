/**
 * Decoding at the edge with io-ts, and a reporter that names paths but never
 * values (io-ts' PathReporter prints the value, which may be a secret).
 */
import * as t from 'io-ts';
import { isLeft } from 'fp-ts/lib/Either.js';
import { ResponseDecodeError, type DecodeFailure } from './errors.js';

// These combinators add a context entry per member whose key is the member's
// index, not a property of the value, so the key is left out of the path.
const MEMBER_TAGS = new Set(['UnionType', 'IntersectionType', 'RefinementType', 'ExactType', 'ReadonlyType']);

function tagOf(type: t.Decoder<unknown, unknown>): string | undefined {
  const tag = (type as { _tag?: unknown })._tag;
  return typeof tag === 'string' ? tag : undefined;
}

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

function pathOf(context: t.Context): string {
  let path = '$';
  for (let i = 1; i < context.length; i++) {
    const parent = context[i - 1];
    const entry = context[i];
    if (!parent || !entry) continue;
    const parentTag = tagOf(parent.type);
    if (parentTag !== undefined && MEMBER_TAGS.has(parentTag)) continue;
    const key = entry.key;
    if (
      parentTag === 'ArrayType' ||
      parentTag === 'ReadonlyArrayType' ||
      parentTag === 'TupleType' ||
      /^\d+$/.test(key)
    ) {
      path += `[${key}]`;
    } else {
      path += IDENTIFIER.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`;
    }
  }
  return path;
}

/**
 * Lists each failing path with the expected type, without the values.
 * Duplicates (one per union member) are merged.
 *
 * @example
 * const result = t.type({ a: t.string }).decode({ a: 1 });
 * if (isLeft(result)) reportPaths(result.left); // [{ path: '$.a', expected: 'string' }]
 */
export function reportPaths(errors: t.Errors): DecodeFailure[] {
  const seen = new Map<string, Set<string>>();
  for (const error of errors) {
    const last = error.context[error.context.length - 1];
    const path = pathOf(error.context);
    const expected = last?.type.name ?? 'unknown';
    const set = seen.get(path) ?? new Set<string>();
    set.add(expected);
    seen.set(path, set);
  }
  return [...seen].map(([path, names]) => ({ path, expected: [...names].join(' | ') }));
}

/**
 * Decodes `value` with `codec`, or throws a {@link ResponseDecodeError} that
 * names the failing path(s) and expected types but never the value.
 *
 * @example
 * const view = decode(t.type({ id: t.string }), JSON.parse(text));
 */
export function decode<A>(codec: t.Decoder<unknown, A>, value: unknown): A {
  const result = codec.decode(value);
  if (isLeft(result)) throw new ResponseDecodeError(reportPaths(result.left), codec.name);
  return result.right;
}

/**
 * Parses JSON text, or throws a {@link ResponseDecodeError} at path `$`
 * (the parser's message is dropped: it quotes the text).
 *
 * @example
 * const value = parseJson('{"id":"dbx_1"}');
 */
export function parseJson(text: string, codecName = 'JSON'): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new ResponseDecodeError([{ path: '$', expected: 'valid JSON' }], codecName);
  }
}
