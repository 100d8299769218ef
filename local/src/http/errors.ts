/**
 * Turns whatever a handler threw into a status, headers and an ErrorBody.
 */
import { CursorNotFoundError } from '../store/collection.js';
import { clip } from './clip.js';
import { HttpError, type ErrorBody } from './route.js';

/** Room for a sentence around a few clipped inputs; a longer message echoes too much of some input. */
const MESSAGE_LIMIT = 600;

/**
 * A fully resolved error response.
 *
 * @example
 * const { status, headers, body } = toErrorReply(error);
 */
export interface ErrorReply {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: ErrorBody;
  /** True when the error is a server bug (logged). */
  readonly bug: boolean;
}

/**
 * Maps an error to its reply. 409s and bugs say `x-should-retry: false`:
 * the official client would otherwise retry them for ~30 s. Messages are
 * clipped: they may echo client input.
 *
 * @example
 * const reply = toErrorReply(new HttpError(404, 'not_found', 'no such object'));
 */
export function toErrorReply(error: unknown): ErrorReply {
  if (error instanceof HttpError) {
    const headers: Record<string, string> = { ...error.headers };
    if (error.status === 409 && headers['x-should-retry'] === undefined) headers['x-should-retry'] = 'false';
    const body: ErrorBody =
      error.details === undefined
        ? { error: error.code, message: clip(error.message, MESSAGE_LIMIT) }
        : { error: error.code, message: clip(error.message, MESSAGE_LIMIT), details: error.details };
    return { status: error.status, headers, body, bug: false };
  }
  if (error instanceof CursorNotFoundError) {
    return { status: 400, headers: {}, body: { error: 'invalid_cursor', message: clip(error.message, MESSAGE_LIMIT) }, bug: false };
  }
  return {
    status: 500,
    headers: { 'x-should-retry': 'false' },
    body: { error: 'internal_error', message: 'internal server error (logged)' },
    bug: true,
  };
}
