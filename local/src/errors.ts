/**
 * The errors runloop-local's services throw: what went wrong, in the
 * domain's words (no such devbox, wrong state, input over a limit, busy).
 * Nothing here knows about HTTP: `http/errors.ts` is the one place that maps
 * each {@link DomainErrorKind} to a status, retry headers and a JSON body.
 *
 * Every class carries a stable wire `code` (the body's `error` field) and a
 * message that echoes at most ~200 characters (`clip`) of any input.
 */
import { clip } from './http/clip.js';

/**
 * What kind of failure a {@link DomainError} is; `http/errors.ts` maps each
 * to one status (see `http/README.md` for the table).
 *
 * @example
 * const kind: DomainErrorKind = 'not_found';
 */
export type DomainErrorKind =
  | 'invalid_input'
  | 'unauthenticated'
  | 'forbidden'
  | 'not_found'
  | 'not_yet'
  | 'wrong_state'
  | 'too_large'
  | 'unprocessable'
  | 'failed'
  | 'upstream_failed'
  | 'busy'
  | 'unavailable';

// A brand instead of `instanceof` alone: two copies of this module (a
// bundled service, tsx beside a build) still recognise each other's errors.
const BRAND = Symbol.for('runloop-local.DomainError');

/**
 * Base class of every error a service throws on purpose. Anything else that
 * escapes a handler is a bug (a logged 500).
 *
 * @example
 * try { devboxes.get(id); } catch (e) { if (isDomainError(e)) console.log(e.kind, e.code); }
 */
export abstract class DomainError extends Error {
  abstract readonly kind: DomainErrorKind;
  readonly [BRAND] = true;

  constructor(
    /** Stable wire code, the body's `error` field, e.g. `not_found`, `invalid_state`. */
    readonly code: string,
    message: string,
    /** Extra JSON for the body's `details` field. */
    readonly details?: unknown,
  ) {
    super(message);
  }
}

/**
 * True for any {@link DomainError}, even one from another copy of this module.
 *
 * @example
 * if (isDomainError(error)) reply(error.kind);
 */
export function isDomainError(error: unknown): error is DomainError {
  return typeof error === 'object' && error !== null && (error as { [BRAND]?: unknown })[BRAND] === true;
}

/**
 * Input the server refuses: `field` names where (`body.name`, `query.limit`,
 * `path`), the message says what is allowed. A 400.
 *
 * @example
 * throw new InvalidInputError('body.base_blueprint_id', 'give at most one of base_blueprint_id and base_blueprint_name');
 */
export class InvalidInputError extends DomainError {
  readonly kind = 'invalid_input';
  override name = 'InvalidInputError';
  constructor(
    readonly field: string | undefined,
    message: string,
    code = 'invalid_request',
  ) {
    super(code, message);
  }
}

/**
 * Missing or wrong credentials. A 401.
 *
 * @example
 * throw new UnauthenticatedError('this tunnel needs a bearer token');
 */
export class UnauthenticatedError extends DomainError {
  readonly kind = 'unauthenticated';
  override name = 'UnauthenticatedError';
  constructor(message: string, code = 'unauthorized') {
    super(code, message);
  }
}

/**
 * Known caller, refused (an expired presigned URL, a path outside the devbox). A 403.
 *
 * @example
 * throw new ForbiddenError('presigned URL refused: it expired');
 */
export class ForbiddenError extends DomainError {
  readonly kind = 'forbidden';
  override name = 'ForbiddenError';
  constructor(message: string, code = 'forbidden') {
    super(code, message);
  }
}

/**
 * No `resource` has this `id` (or name). A 404; the message clips the id.
 *
 * @example
 * throw new NotFoundError('devbox', 'dbx_gone'); // "devbox dbx_gone does not exist"
 */
export class NotFoundError extends DomainError {
  readonly kind = 'not_found';
  override name = 'NotFoundError';
  constructor(
    /** What was looked for: `devbox`, `execution`, `object`, `disk snapshot`, `file`… */
    readonly resource: string,
    readonly id: string,
    options: { readonly message?: string; readonly code?: string } = {},
  ) {
    super(options.code ?? 'not_found', options.message ?? `${resource} ${clip(id)} does not exist`);
  }
}

/**
 * A long-poll held as long as it may and the awaited state has not come
 * yet: the client should simply ask again. A 408 that says "retry".
 *
 * @example
 * throw new NotYetError(`devbox ${id} is not running yet; ask again`);
 */
export class NotYetError extends DomainError {
  readonly kind = 'not_yet';
  override name = 'NotYetError';
  constructor(message: string, code = 'timeout') {
    super(code, message);
  }
}

/**
 * The resource is in a state that does not allow this now (a shut-down
 * devbox, an object still uploading). Retrying the same request will not
 * help until something else changes it. A 409 that says "do not retry".
 *
 * @example
 * throw new WrongStateError(`devbox ${id} is suspended; it must be running for this operation`);
 */
export class WrongStateError extends DomainError {
  readonly kind = 'wrong_state';
  override name = 'WrongStateError';
  constructor(message: string, code = 'invalid_state') {
    super(code, message);
  }
}

/**
 * The request's content does not fit: over a size limit, or over the
 * caller's own quota (its devbox's disk is full). `limit` is in bytes when
 * known. A 413.
 *
 * @example
 * throw new TooLargeError('disk_full', '"big.bin" cannot be written: the devbox disk is full');
 */
export class TooLargeError extends DomainError {
  readonly kind = 'too_large';
  override name = 'TooLargeError';
  constructor(
    code: string,
    message: string,
    readonly limit?: number,
  ) {
    super(code, message);
  }
}

/**
 * Understood, and never possible as asked: a feature this server lacks, an
 * execution that already ended, a file too large for one read. A 422.
 *
 * @example
 * throw new UnprocessableError('stdin_not_attached', `execution ${id} was not started with attach_stdin`);
 */
export class UnprocessableError extends DomainError {
  readonly kind = 'unprocessable';
  override name = 'UnprocessableError';
  constructor(code: string, message: string) {
    super(code, message);
  }
}

/**
 * A known failure the server reports as its own (a snapshot that failed,
 * content lost on disk). A 500 with this message, not logged as a bug.
 *
 * @example
 * throw new OperationFailedError('snapshot_failed', `snapshot of ${id} failed: disk copy error`);
 */
export class OperationFailedError extends DomainError {
  readonly kind = 'failed';
  override name = 'OperationFailedError';
  constructor(code: string, message: string) {
    super(code, message);
  }
}

/**
 * Something the server forwards to (a port inside a devbox) did not answer. A 502.
 *
 * @example
 * throw new UpstreamError(`nothing answers on port 8080 inside devbox ${id}`);
 */
export class UpstreamError extends DomainError {
  readonly kind = 'upstream_failed';
  override name = 'UpstreamError';
  constructor(message: string, code = 'bad_gateway') {
    super(code, message);
  }
}

/**
 * Nothing changed, and the same request will likely work shortly (a devbox
 * that could not be paused in time). A 503 with `Retry-After`.
 *
 * @example
 * throw new BusyError('devbox_busy', 'the devbox could not be paused in time; try again', 1);
 */
export class BusyError extends DomainError {
  readonly kind = 'busy';
  override name = 'BusyError';
  constructor(
    code: string,
    message: string,
    /** Whole seconds the client should wait before it tries again. */
    readonly retryAfterSeconds = 1,
  ) {
    super(code, message);
  }
}

/**
 * A part of this server is not running (no devbox runtime, no SSH server),
 * and retrying will not bring it. A 503 that says "do not retry".
 *
 * @example
 * throw new UnavailableError('runtime_unavailable', 'the devbox runtime is not available');
 */
export class UnavailableError extends DomainError {
  readonly kind = 'unavailable';
  override name = 'UnavailableError';
  constructor(code: string, message: string) {
    super(code, message);
  }
}
