/**
 * Storage-object content types (runloop-api.md §12) and inference from a file name.
 */

/**
 * The `content_type` values the objects API accepts.
 *
 * @example
 * const type: ObjectContentType = inferContentType('a.tgz'); // 'tgz'
 */
export type ObjectContentType = 'unspecified' | 'text' | 'binary' | 'gzip' | 'tar' | 'tgz';

const TEXT_EXTENSIONS = new Set(['.txt', '.html', '.css', '.js', '.json', '.xml', '.yaml', '.yml', '.md', '.csv']);

/**
 * Infers an object's content type from its file name, as the official SDK
 * does: known text extensions ⇒ `text`, `.tgz`/`.tar.gz` ⇒ `tgz`, `.gz` ⇒
 * `gzip`, `.tar` ⇒ `tar`, anything else ⇒ `unspecified`. Case-insensitive.
 *
 * @example
 * inferContentType('logs/app.tar.gz'); // 'tgz'
 * inferContentType('README.md');       // 'text'
 */
export function inferContentType(fileName: string): ObjectContentType {
  const base = fileName.replace(/\\/g, '/').split('/').pop()?.toLowerCase() ?? '';
  // `.tar.gz` must be checked before its `.gz` suffix.
  if (base.endsWith('.tar.gz') || base.endsWith('.tgz')) return 'tgz';
  if (base.endsWith('.gz')) return 'gzip';
  if (base.endsWith('.tar')) return 'tar';
  const dot = base.lastIndexOf('.');
  if (dot > 0 && TEXT_EXTENSIONS.has(base.slice(dot))) return 'text';
  return 'unspecified';
}
