/**
 * Runtime file errors ⇒ HTTP: missing ⇒ 404, a directory or a bad path ⇒
 * 400, not allowed (or outside the devbox) ⇒ 403, no space ⇒ 507. Any
 * other failure (EIO: the runtime did not recognise the tool's message) is
 * a 422 carrying that message: it is nearly always about the path given.
 */
import { clip } from '../http/clip.js';
import { HttpError } from '../http/route.js';
import { DevboxNotRunningError, RuntimeFileError, RuntimeInputError } from '../runtime/errors.js';

const STATUS: Readonly<Record<string, readonly [number, string]>> = {
  ENOENT: [404, 'not_found'],
  EISDIR: [400, 'is_a_directory'],
  ENOTDIR: [400, 'not_a_directory'],
  EINVAL: [400, 'invalid_path'],
  EACCES: [403, 'permission_denied'],
  ENOSPC: [507, 'no_space'],
};

const WHAT: Readonly<Record<string, string>> = {
  ENOENT: 'does not exist',
  EISDIR: 'is a directory',
  ENOTDIR: 'has a parent that is not a directory',
  EINVAL: 'is not a valid path',
  EACCES: 'is not accessible to the devbox user',
  ENOSPC: 'cannot be written: no space left',
};

/**
 * The HttpError for a runtime error, or the error itself when it is not one.
 *
 * @example
 * await handle.readFile(path).catch((e) => { throw fileHttpError(e, path); });
 */
export function fileHttpError(error: unknown, path: string): unknown {
  if (error instanceof RuntimeFileError) {
    const [status, code] = STATUS[error.code] ?? [422, 'file_error'];
    const what = WHAT[error.code] ?? `could not be accessed: ${clip(error.message)}`;
    return new HttpError(status, code, `${JSON.stringify(clip(path))} ${what}`, status >= 500 ? { 'x-should-retry': 'false' } : {});
  }
  if (error instanceof RuntimeInputError) return new HttpError(400, 'invalid_path', `${JSON.stringify(clip(path))}: ${clip(error.message)}`);
  if (error instanceof DevboxNotRunningError) return new HttpError(409, 'invalid_state', 'the devbox stopped during the file operation', { 'x-should-retry': 'false' });
  return error;
}
