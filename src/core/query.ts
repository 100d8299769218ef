/**
 * Query-string encoding per runloop-api.md §4.
 */
import { RunloopError } from './errors.js';
import type { QueryValue } from './request.js';

/**
 * Encodes primitives only: booleans as `true`/`false`, `null` as `key=`,
 * `undefined` omitted. Nested values throw (filters such as `metadata[k]`
 * are written as literal bracket keys). Returns `''` or `?a=1&b=2`.
 *
 * @example
 * encodeQuery({ limit: 10, starting_after: 'dbx_1', status: undefined }); // '?limit=10&starting_after=dbx_1'
 */
export function encodeQuery(query: Readonly<Record<string, QueryValue>> | undefined): string {
  if (query === undefined) return '';
  const parts: string[] = [];
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined) continue;
    if (value !== null && typeof value === 'object') {
      throw new RunloopError(`Query parameter ${key} must be a string, number, boolean or null`);
    }
    const text = value === null ? '' : String(value);
    parts.push(`${encodeURIComponent(key)}=${encodeURIComponent(text)}`);
  }
  return parts.length === 0 ? '' : `?${parts.join('&')}`;
}
