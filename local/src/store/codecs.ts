/**
 * Small io-ts building blocks for the codecs of stored documents (each
 * record module declares its own codec beside its type).
 */
import * as t from 'io-ts';

/**
 * `C` or null.
 *
 * @example
 * const EndTime = nullable(t.number);
 */
export function nullable<C extends t.Mixed>(codec: C): t.UnionC<[C, t.NullC]> {
  return t.union([codec, t.null]);
}

/**
 * A string-to-string map (metadata, environment variables).
 *
 * @example
 * t.type({ metadata: StoredStringMap })
 */
export const StoredStringMap = t.record(t.string, t.string);
