/**
 * Shortens client input before it is echoed in an error message: a 1 MB
 * `file_path` must not come back as a 1 MB error body.
 */

/**
 * How much of one input an error message echoes.
 *
 * @example
 * clip(path, ECHO_LIMIT)
 */
export const ECHO_LIMIT = 200;

/**
 * `text` when it has at most `max` characters; otherwise its start and its
 * end around an ellipsis (the end of a path is often what tells), `max` in all.
 *
 * @example
 * clip('a'.repeat(1000), 10) // 'aaaaaaa…aa'
 */
export function clip(text: string, max: number = ECHO_LIMIT): string {
  if (text.length <= max) return text;
  const tail = Math.floor((max - 1) / 4);
  return `${text.slice(0, max - 1 - tail)}…${tail > 0 ? text.slice(-tail) : ''}`;
}
