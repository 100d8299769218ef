/**
 * How deeply a JSON text nests, found without parsing it: `JSON.parse`
 * accepts any depth, but every later recursive walk of the value (the
 * idempotency fingerprint's `JSON.stringify`, io-ts) overflows the stack
 * on a few thousand levels and would turn a client's body into a 500.
 */

/**
 * The deepest nesting a request body may have; real API bodies stay under 10.
 *
 * @example
 * exceedsJsonDepth(text, MAX_JSON_DEPTH)
 */
export const MAX_JSON_DEPTH = 64;

const OPEN_OBJECT = 0x7b;
const OPEN_ARRAY = 0x5b;
const CLOSE_OBJECT = 0x7d;
const CLOSE_ARRAY = 0x5d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * True when brackets outside strings nest deeper than `max`. Malformed text
 * is left to `JSON.parse` to reject.
 *
 * @example
 * exceedsJsonDepth('[[1]]', 1) // true
 * exceedsJsonDepth('{"a":"[[["}', 1) // false
 */
export function exceedsJsonDepth(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) {
      inString = true;
    } else if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
      if (++depth > max) return true;
    } else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
      depth--;
    }
  }
  return false;
}
