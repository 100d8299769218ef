/**
 * Request validation with io-ts codecs, reporting WHERE a value is wrong and
 * what was expected, never the value itself (it may be a secret).
 */
import { isLeft } from 'fp-ts/lib/Either.js';
import type * as t from 'io-ts';
import { HttpError } from './route.js';

const MAX_REPORTED = 8;

function isStructural(type: t.Decoder<unknown, unknown> | undefined): boolean {
  const tag = (type as { _tag?: string } | undefined)?._tag;
  return (
    tag === 'IntersectionType' ||
    tag === 'UnionType' ||
    tag === 'RefinementType' ||
    tag === 'ExactType' ||
    tag === 'ReadonlyType'
  );
}

/**
 * `body.launch_parameters.keep_alive_time_seconds` from an io-ts context,
 * skipping the indices that unions and intersections add.
 *
 * @example
 * pathOf('body', error.context) // 'body.statuses[0]'
 */
export function pathOf(root: string, context: t.Context): string {
  let path = root;
  for (let i = 1; i < context.length; i++) {
    const parent = context[i - 1]?.type;
    const entry = context[i]!;
    if (isStructural(parent)) continue;
    path += /^\d+$/.test(entry.key) ? `[${entry.key}]` : `.${entry.key}`;
  }
  return path;
}

/**
 * A readable, value-free summary of decode errors: `body.name: expected string; body.ttl_ms: expected number`.
 *
 * @example
 * describeErrors('query', errors)
 */
export function describeErrors(root: string, errors: t.Errors): string {
  const lines = new Map<string, Set<string>>();
  for (const error of errors) {
    const path = pathOf(root, error.context);
    const expected = error.context[error.context.length - 1]?.type.name ?? 'a valid value';
    const what = error.message ?? (error.value === undefined ? `required ${expected}` : `expected ${expected}`);
    const set = lines.get(path) ?? new Set<string>();
    set.add(what);
    lines.set(path, set);
  }
  const parts = [...lines].slice(0, MAX_REPORTED).map(([path, whats]) => `${path}: ${[...whats].join(' or ')}`);
  if (lines.size > MAX_REPORTED) parts.push(`and ${lines.size - MAX_REPORTED} more`);
  return `invalid ${root}: ${parts.join('; ')}`;
}

/**
 * Decodes `value` or throws a 400 {@link HttpError} naming the offending paths.
 *
 * @example
 * const body = decodeOrThrow(ObjectCreate, json, 'body');
 */
export function decodeOrThrow<A>(codec: t.Decoder<unknown, A>, value: unknown, root: 'body' | 'query'): A {
  const result = codec.decode(value);
  if (isLeft(result)) throw new HttpError(400, 'invalid_request', describeErrors(root, result.left));
  return result.right;
}

function topKey(context: t.Context): string | undefined {
  for (let i = 1; i < context.length; i++) {
    if (!isStructural(context[i - 1]?.type)) return context[i]!.key;
  }
  return undefined;
}

function coerce(text: string): unknown {
  if (text === 'true') return true;
  if (text === 'false') return false;
  if (text !== '' && /^-?\d+(\.\d+)?$/.test(text)) return Number(text);
  return text;
}

/**
 * Decodes a query (all values strings) with a codec written for JSON types:
 * a value is turned into a number or boolean only where the codec rejects
 * the string, so `name=123` stays a string where a string is expected.
 *
 * @example
 * decodeQuery(ListObjectsQuery, { limit: '10', name: '123' }) // { limit: 10, name: '123' }
 */
export function decodeQuery<A>(codec: t.Decoder<unknown, A>, query: Readonly<Record<string, string>>): A {
  let candidate: Record<string, unknown> = { ...query };
  const coerced = new Set<string>();
  for (;;) {
    const result = codec.decode(candidate);
    if (!isLeft(result)) return result.right;
    const keys = new Set(
      result.left
        .map((e) => topKey(e.context))
        .filter((k): k is string => k !== undefined && k in query && !coerced.has(k)),
    );
    const changed = [...keys].filter((k) => coerce(query[k]!) !== query[k]);
    if (changed.length === 0) throw new HttpError(400, 'invalid_request', describeErrors('query', result.left));
    candidate = { ...candidate };
    for (const key of changed) {
      candidate[key] = coerce(query[key]!);
      coerced.add(key);
    }
  }
}
