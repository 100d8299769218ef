/**
 * A file's size inside a devbox, for answering a `Range` request: the
 * runtime's reader streams bytes but does not say how many there are.
 */
import { shellQuote } from '../blueprints/dockerfile/shell-quote.js';
import type { DevboxHandle } from '../runtime/types.js';

/**
 * The size in bytes of the regular file at `path` (relative to the user's
 * home, as for reads), or undefined when it cannot be stat'ed as the user;
 * the read that follows then reports why.
 *
 * @example
 * const size = await fileSizeInside(handle, 'data/big.bin');
 */
export async function fileSizeInside(handle: DevboxHandle, path: string): Promise<number | undefined> {
  // Run as the user, like the reader, so the kernel confines the path the same way.
  const child = handle.spawn({
    command: `test -f ${shellQuote(path)} && stat -L -c %s -- ${shellQuote(path)}`,
    user: 'user',
  });
  child.stdin.end();
  child.stderr.resume();
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out = (out + chunk).slice(0, 64)));
  const code = await child.closed;
  const size = Number(out.trim());
  return code === 0 && out.trim() !== '' && Number.isSafeInteger(size) ? size : undefined;
}
