/**
 * Runtime file errors ⇒ domain errors, naming the path the client gave:
 * missing ⇒ NotFoundError, a directory or a bad path ⇒ InvalidInputError,
 * not allowed (or outside the devbox) ⇒ ForbiddenError. No space left
 * (ENOSPC) is the devbox's own disk quota, a client matter: TooLargeError
 * `disk_full` (413, not retried), never a 5xx a client would retry for
 * nothing (see http/README.md). Any other failure (EIO: the runtime did not recognise the tool's message)
 * is unprocessable, carrying that message: it is nearly always about the
 * path given.
 */
import {
  ForbiddenError,
  InvalidInputError,
  NotFoundError,
  TooLargeError,
  UnprocessableError,
  WrongStateError,
} from '../errors.js';
import { clip } from '../http/clip.js';
import { DevboxNotRunningError, RuntimeFileError, RuntimeInputError } from '../runtime/errors.js';

/**
 * The domain error for a runtime error about `path`, or the error itself when it is not one.
 *
 * @example
 * await handle.readFile(path).catch((e) => { throw fileError(e, path); });
 */
export function fileError(error: unknown, path: string): unknown {
  const shown = JSON.stringify(clip(path));
  if (error instanceof RuntimeFileError) {
    switch (error.code) {
      case 'ENOENT':
        return new NotFoundError('file', path, { message: `${shown} does not exist` });
      case 'EISDIR':
        return new InvalidInputError('path', `${shown} is a directory`, 'is_a_directory');
      case 'ENOTDIR':
        return new InvalidInputError('path', `${shown} has a parent that is not a directory`, 'not_a_directory');
      case 'EINVAL':
        return new InvalidInputError('path', `${shown} is not a valid path`, 'invalid_path');
      case 'EACCES':
        return new ForbiddenError(`${shown} is not accessible to the devbox user`, 'permission_denied');
      case 'ENOSPC':
        return new TooLargeError(
          'disk_full',
          `${shown} cannot be written: the devbox disk is full (its own disk quota); free space in the devbox, or create it with a larger disk`,
        );
      default:
        return new UnprocessableError('file_error', `${shown} could not be accessed: ${clip(error.message)}`);
    }
  }
  if (error instanceof RuntimeInputError)
    return new InvalidInputError('path', `${shown}: ${clip(error.message)}`, 'invalid_path');
  if (error instanceof DevboxNotRunningError)
    return new WrongStateError('the devbox stopped during the file operation');
  return error;
}
