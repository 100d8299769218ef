/**
 * POSIX shell quoting, for turning exec-form argv into the single command
 * string the runtime runs with `bash -c`.
 */

/**
 * Quotes one word so a POSIX shell reads it back unchanged.
 *
 * @example
 * shellQuote("it's"); // 'it'\''s'
 */
export function shellQuote(word: string): string {
  if (word !== '' && /^[A-Za-z0-9_@%+=:,./-]+$/.test(word)) return word;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/**
 * Quotes and joins an argv.
 *
 * @example
 * shellJoin(['echo', 'a b']); // "echo 'a b'"
 */
export function shellJoin(argv: readonly string[]): string {
  return argv.map(shellQuote).join(' ');
}
