/**
 * The `last_n` tail of an output, read backwards from the end of its file so
 * that a huge output never has to be read whole.
 */
import type { OutputReader } from './output-log.js';

/**
 * Default `last_n` (runloop-api.md §7).
 *
 * @example
 * await tailLines(reader, size, query.last_n ?? DEFAULT_LAST_N);
 */
export const DEFAULT_LAST_N = 100;
/**
 * The tail put into a view is capped, whatever `last_n` says; the rest is behind the SSE stream.
 *
 * @example
 * await tailLines(reader, size, 100, MAX_TAIL_BYTES);
 */
export const MAX_TAIL_BYTES = 1024 * 1024;
const BLOCK = 64 * 1024;

/**
 * A tail: the text and whether anything before it was left out.
 *
 * @example
 * const { text, truncated }: OutputTail = await tailLines(reader, size, 10);
 */
export interface OutputTail {
  readonly text: string;
  readonly truncated: boolean;
}

/**
 * Reads the last `lines` lines of the first `size` bytes of an output. A
 * trailing newline does not count as an extra (empty) line.
 *
 * @example
 * const { text, truncated } = await tailLines(reader, log.size, 100);
 */
export async function tailLines(
  reader: OutputReader,
  size: number,
  lines: number,
  maxBytes = MAX_TAIL_BYTES,
): Promise<OutputTail> {
  if (size === 0 || lines <= 0) return { text: '', truncated: size > 0 };
  const blocks: Buffer[] = [];
  let start = size;
  let newlines = 0;
  // The newline that ends the last line is not a separator.
  let skipLastNewline = true;
  let cut = -1;
  while (start > 0 && cut < 0 && size - start < maxBytes) {
    const from = Math.max(0, start - BLOCK, size - maxBytes);
    const block = await reader.read(from, start);
    for (let i = block.length - 1; i >= 0; i--) {
      if (block[i] !== 0x0a) continue;
      if (skipLastNewline && from + i === size - 1) continue;
      newlines++;
      if (newlines === lines) {
        cut = from + i + 1;
        break;
      }
    }
    skipLastNewline = false;
    blocks.unshift(block);
    start = from;
  }
  const all = Buffer.concat(blocks);
  let skip = cut >= 0 ? cut - start : 0;
  // A byte-capped tail may start inside a character: drop its continuation bytes.
  if (cut < 0 && start > 0) while (skip < all.length && ((all[skip] ?? 0) & 0xc0) === 0x80) skip++;
  const begin = start + skip;
  const text = all.subarray(skip).toString('utf8');
  return { text, truncated: begin > 0 };
}
