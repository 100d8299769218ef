/**
 * Turns io-ts errors into short messages that name the failing path and the
 * rule, and never echo the offending value (it may be a secret).
 */
import * as t from 'io-ts';
import { RefinedType } from './shared.js';

function isStructural(type: t.Decoder<unknown, unknown>): boolean {
  let inner: unknown = type;
  while (inner instanceof RefinedType) inner = inner.base;
  return inner instanceof t.IntersectionType || inner instanceof t.UnionType;
}

/**
 * The dotted path of one validation error, skipping the positional keys that
 * intersections and unions add (`0`, `1`, …) so the path matches the JSON.
 *
 * @example
 * errorPath(error); // 'launch_parameters.custom_cpu_cores'
 */
export function errorPath(error: t.ValidationError): string {
  const keys: string[] = [];
  error.context.forEach((entry, index) => {
    if (index === 0) return;
    const parent = error.context[index - 1];
    if (entry.key === '' || (parent && isStructural(parent.type))) return;
    keys.push(entry.key);
  });
  return keys.join('.') || '(root)';
}

/**
 * One message per problem: `path: rule`. Unions report each distinct path once.
 *
 * @example
 * describeErrors(ObjectCreateParams.decode({}).left); // ['name: expected NonEmptyString', 'content_type: expected …']
 */
export function describeErrors(errors: t.Errors): string[] {
  const seen = new Set<string>();
  const messages: string[] = [];
  // A nullable field that fails reports both "expected X" and "expected null";
  // the null branch is noise whenever a more specific error exists.
  const specific = errors.filter((e) => !(e.context[e.context.length - 1]?.type instanceof t.NullType));
  for (const error of specific.length > 0 ? specific : errors) {
    const last = error.context[error.context.length - 1];
    const rule = error.message ?? `expected ${last?.type.name ?? 'a valid value'}`;
    const message = `${errorPath(error)}: ${rule}`;
    if (seen.has(message)) continue;
    seen.add(message);
    messages.push(message);
  }
  return messages;
}

/** The outcome of {@link validate}. @example const r: Validated<number> = { ok: true, value: 1 }; */
export type Validated<A> =
  { readonly ok: true; readonly value: A } | { readonly ok: false; readonly problems: string[] };

/**
 * Decodes `input` and reports problems as messages (for a 400 body).
 *
 * @example
 * const r = validate(DevboxCreateParams, body);
 * if (!r.ok) throw new HttpError(400, 'invalid_request', r.problems.join('; '));
 */
export function validate<A>(codec: t.Decoder<unknown, A>, input: unknown): Validated<A> {
  const result = codec.decode(input);
  return result._tag === 'Right'
    ? { ok: true, value: result.right }
    : { ok: false, problems: describeErrors(result.left) };
}
