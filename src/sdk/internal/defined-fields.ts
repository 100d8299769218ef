/**
 * Building wire bodies from camelCase params. Drops the keys whose value is `undefined`, typed so the result fits an
 * options or body type under `exactOptionalPropertyTypes` (where an absent
 * key and a key set to `undefined` differ). This replaces the
 * `...(x === undefined ? {} : { x })` spread, one per field.
 */

/**
 * `T` with every key that may be `undefined` made optional and without `undefined`.
 *
 * @example
 * type D = Defined<{ a: string; b: number | undefined }>; // { a: string; b?: number }
 */
export type Defined<T> = { [K in keyof T as undefined extends T[K] ? never : K]: T[K] } & {
  [K in keyof T as undefined extends T[K] ? K : never]?: Exclude<T[K], undefined>;
};

/**
 * A copy of `fields` without its `undefined` values (`null` is kept: on the
 * wire it means "clear").
 *
 * @example
 * definedFields({ name: 'dev', blueprint_id: undefined, metadata: null }); // { name: 'dev', metadata: null }
 */
export function definedFields<T extends object>(fields: T): Defined<T> {
  // A plain loop: this runs on every call that builds a body (each exec), and entries/filter/fromEntries allocate thrice.
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(fields)) {
    const value = (fields as Record<string, unknown>)[key];
    if (value !== undefined) out[key] = value;
  }
  return out as Defined<T>;
}

/**
 * `f(value)`, keeping `null` (a cleared field) and `undefined` (an absent one) as they are.
 *
 * @example
 * mapNullable(params.afterIdle, afterIdleToWire); // null stays null
 */
export function mapNullable<A, B>(value: A | null | undefined, f: (a: A) => B): B | null | undefined {
  if (value === null) return null;
  return value === undefined ? undefined : f(value);
}

/**
 * A mutable copy of a readonly list (wire types are mutable), keeping `null` and `undefined`.
 *
 * @example
 * copyList(params.launchCommands); // string[] | null | undefined
 */
export function copyList<A>(list: readonly A[] | null | undefined): A[] | null | undefined {
  return mapNullable(list, (l) => [...l]);
}
