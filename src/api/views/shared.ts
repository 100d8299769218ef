/**
 * Codec building blocks shared by every view: tolerant and strict enums,
 * nullable fields, range checks, and query-string codecs.
 *
 * Responses use tolerant (open) enums so a status the SDK has never seen
 * does not break decoding; requests use strict enums and range checks so the
 * server can answer a clear 400 instead of acting on nonsense.
 */
import * as t from 'io-ts';

/** A string map such as `metadata` or `environment_variables`. @example StringMap.is({ a: 'b' }) // true */
export const StringMap = t.record(t.string, t.string);
export type StringMap = t.TypeOf<typeof StringMap>;

/**
 * `X | null`, for fields the contract marks `|null`.
 *
 * @example
 * const C = t.partial({ name: nullable(t.string) });
 * C.is({ name: null }); // true
 */
export function nullable<C extends t.Mixed>(codec: C): t.UnionC<[C, t.NullC]> {
  return t.union([codec, t.null]);
}

/**
 * A codec with the same types as `base` but an extra check on the decoded
 * value. It keeps `base` so error reporting can see through it.
 *
 * @example
 * refine(t.string, (s) => s.length > 0, 'NonEmpty') instanceof RefinedType; // true
 */
export class RefinedType<C extends t.Any> extends t.Type<t.TypeOf<C>, t.OutputOf<C>, t.InputOf<C>> {
  constructor(
    name: string,
    readonly base: C,
    readonly check: (value: t.TypeOf<C>) => boolean,
    readonly message: string,
  ) {
    // `C` is any io-ts codec, whose TypeOf is `any` to the linter: the checks are typed by `check` itself.
    /* eslint-disable @typescript-eslint/no-unsafe-argument, @typescript-eslint/no-unsafe-return */
    super(
      name,
      (u): u is t.TypeOf<C> => base.is(u) && check(u),
      (u, c) => {
        const result = base.validate(u, c);
        if (result._tag === 'Left') return result;
        return check(result.right) ? result : t.failure(u, c, message);
      },
      (a) => base.encode(a),
    );
    /* eslint-enable @typescript-eslint/no-unsafe-argument, @typescript-eslint/no-unsafe-return */
  }
}

/** A codec with the same types as `C` plus a check. @example const Port: Refined<t.NumberC> = intRange(1, 65535); */
export type Refined<C extends t.Any> = RefinedType<C>;

/**
 * Adds a check to a codec without branding its type, so callers can pass
 * plain values. The failure carries `message` (it names the rule, never the value).
 *
 * @example
 * const Port = refine(t.number, (n) => n > 0 && n < 65536, 'Port', 'expected a port number');
 * Port.decode(0)._tag; // 'Left'
 */
export function refine<C extends t.Any>(
  codec: C,
  check: (value: t.TypeOf<C>) => boolean,
  name: string,
  message = `expected ${name}`,
): Refined<C> {
  return new RefinedType(name, codec, check, message);
}

/**
 * An integer within `[min, max]`.
 *
 * @example
 * intRange(0, 25).is(26); // false
 */
export function intRange(min: number, max = Number.MAX_SAFE_INTEGER): Refined<t.NumberC> {
  const bounds = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `in [${min}, ${max}]`;
  return refine(
    t.number,
    (n) => Number.isInteger(n) && n >= min && n <= max,
    `Int(${bounds})`,
    `expected an integer ${bounds}`,
  );
}

/**
 * A finite number within `[min, max]`.
 *
 * @example
 * numberRange(0, 25).is(2.5); // true
 */
export function numberRange(min: number, max = Number.MAX_VALUE): Refined<t.NumberC> {
  const bounds = max === Number.MAX_VALUE ? `>= ${min}` : `in [${min}, ${max}]`;
  return refine(
    t.number,
    (n) => Number.isFinite(n) && n >= min && n <= max,
    `Number(${bounds})`,
    `expected a number ${bounds}`,
  );
}

/**
 * A string of at most `max` characters.
 *
 * @example
 * maxLengthString(3).is('abcd'); // false
 */
export function maxLengthString(max: number): Refined<t.StringC> {
  return refine(
    t.string,
    (s) => s.length <= max,
    `String(<= ${max})`,
    `expected a string of at most ${max} characters`,
  );
}

/** A string that is not empty. @example NonEmptyString.is('') // false */
export const NonEmptyString = refine(t.string, (s) => s.length > 0, 'NonEmptyString', 'expected a non-empty string');

/**
 * An array with at least one element.
 *
 * @example
 * nonEmptyArray(t.string).is([]); // false
 */
export function nonEmptyArray<C extends t.Mixed>(item: C): Refined<t.ArrayC<C>> {
  return refine(t.array(item), (a) => a.length > 0, `NonEmptyArray<${item.name}>`, 'expected at least one element');
}

/**
 * The strict codec of a fixed set of strings. Its failure lists the allowed
 * values, so a 400 tells the caller what to send.
 *
 * @example
 * new StrictEnumType('Arch', ['x86_64', 'arm64']).decode('riscv'); // left: 'expected one of x86_64, arm64'
 */
export class StrictEnumType<K extends string> extends t.Type<K, K, unknown> {
  constructor(
    name: string,
    readonly values: readonly K[],
  ) {
    const allowed = new Set<string>(values);
    const is = (u: unknown): u is K => typeof u === 'string' && allowed.has(u);
    super(
      name,
      is,
      (u, c) => (is(u) ? t.success(u) : t.failure(u, c, `expected one of ${values.join(', ')}`)),
      (a) => a,
    );
  }
}

/** The strict codec of a fixed set of strings. @example const C: StrictEnumC<'a' | 'b'> = strictEnum(['a', 'b']); */
export type StrictEnumC<K extends string> = StrictEnumType<K>;

/**
 * A strict enum: anything outside `values` fails. Use it for requests.
 *
 * @example
 * const Arch = strictEnum(['x86_64', 'arm64']);
 * Arch.is('riscv'); // false
 */
export function strictEnum<K extends string>(values: readonly [K, ...K[]], name?: string): StrictEnumC<K> {
  return new StrictEnumType(name ?? values.map((v) => JSON.stringify(v)).join(' | '), values);
}

// `string & {}` keeps editor completion for the known values.
/** A known value of an open enum, or any other string the server may add later. @example const s: Open<'running'> = 'hibernating'; */
export type Open<K extends string> = K | (string & {});

/** A tolerant enum codec: accepts any string, knows its expected values. @example const C: OpenEnumC<'a'> = openEnum('C', ['a']); */
export interface OpenEnumC<K extends string> extends t.Type<Open<K>, string, unknown> {
  /** The values this SDK knows about. */
  readonly known: readonly K[];
  /** The strict form of the same enum, for request validation. */
  readonly strict: StrictEnumC<K>;
  /** Whether `value` is one of the known values. */
  readonly isKnown: (value: string) => value is K;
}

/**
 * A tolerant enum: decodes any string, so a status added on the server never
 * breaks a client (io-ts issue #268). `.strict` rejects unknown values.
 *
 * @example
 * const Status = openEnum('Status', ['running', 'shutdown']);
 * Status.is('hibernating'); // true
 * Status.isKnown('hibernating'); // false
 * Status.strict.is('hibernating'); // false
 */
export function openEnum<K extends string>(name: string, known: readonly [K, ...K[]]): OpenEnumC<K> {
  const set = new Set<string>(known);
  const codec = new t.Type<Open<K>, string, unknown>(
    name,
    (u): u is Open<K> => typeof u === 'string',
    (u, c) => (typeof u === 'string' ? t.success(u) : t.failure(u, c, `expected a string (${name})`)),
    (a) => a,
  );
  return Object.assign(codec, {
    known,
    strict: strictEnum(known, `${name}Strict`),
    isKnown: (value: string): value is K => set.has(value),
  });
}

const INTEGER = /^-?\d+$/;

/**
 * An integer query parameter: a number, or a decimal string as it arrives in
 * a URL, within `[min, max]`. Decodes to a number.
 *
 * @example
 * queryInt(0).decode('42'); // right(42)
 * queryInt(0).decode('4x')._tag; // 'Left'
 */
export function queryInt(min: number, max = Number.MAX_SAFE_INTEGER): t.Type<number, number, unknown> {
  const bounds = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `in [${min}, ${max}]`;
  const message = `expected an integer ${bounds}`;
  const inRange = (n: number) => Number.isSafeInteger(n) && n >= min && n <= max;
  return new t.Type<number, number, unknown>(
    `QueryInt(${bounds})`,
    (u): u is number => typeof u === 'number' && inRange(u),
    (u, c) => {
      const n = typeof u === 'number' ? u : typeof u === 'string' && INTEGER.test(u) ? Number(u) : Number.NaN;
      return inRange(n) ? t.success(n) : t.failure(u, c, message);
    },
    (a) => a,
  );
}

/**
 * A boolean query parameter: a boolean, or `'true'` / `'false'` as sent in a URL.
 *
 * @example
 * QueryBoolean.decode('true'); // right(true)
 * QueryBoolean.decode('yes')._tag; // 'Left'
 */
export const QueryBoolean = new t.Type<boolean, boolean, unknown>(
  'QueryBoolean',
  (u): u is boolean => typeof u === 'boolean',
  (u, c) => {
    if (typeof u === 'boolean') return t.success(u);
    if (u === 'true') return t.success(true);
    if (u === 'false') return t.success(false);
    return t.failure(u, c, "expected 'true' or 'false'");
  },
  (a) => a,
);

/** Upper bound on a page size; a larger `limit` is rejected. @example Math.min(n, MAX_PAGE_LIMIT) */
export const MAX_PAGE_LIMIT = 5000;

/**
 * The cursor query every list endpoint accepts (runloop-api.md §4).
 *
 * @example
 * PageQuery.decode({ limit: '10', include_total_count: 'false' }); // right({ limit: 10, include_total_count: false })
 */
export const PageQuery = t.partial({
  limit: queryInt(1, MAX_PAGE_LIMIT),
  starting_after: t.string,
  include_total_count: QueryBoolean,
});
export type PageQuery = t.TypeOf<typeof PageQuery>;

/** A response with no schema (keep_alive, remove_tunnel, deletes). @example Untyped.is({}) // true */
export const Untyped = t.unknown;
export type Untyped = t.TypeOf<typeof Untyped>;

/** A body that must be empty or `{}` (complete, delete). @example EmptyParams.is({}) // true */
export const EmptyParams = t.type({});
export type EmptyParams = t.TypeOf<typeof EmptyParams>;
