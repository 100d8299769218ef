/**
 * The one place that turns whatever a handler threw into a status, headers
 * and an {@link ErrorBody}. Services throw domain errors (`../errors.ts`);
 * the HTTP layer's own refusals (routing, auth, body parsing) and routes of
 * outside services throw {@link HttpError}. Anything else is a bug: a logged
 * 500 that shows no internals.
 */
import { isDomainError, type DomainError, type DomainErrorKind } from '../errors.js';
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
 * How each kind of domain error is answered. `retry` sets `x-should-retry`
 * where a client's default would be wrong: the official client retries
 * 408, 409 and every 5xx for ~30 s unless told not to.
 */
const STATUS_OF: Readonly<Record<DomainErrorKind, { readonly status: number; readonly retry?: boolean }>> = {
  invalid_input: { status: 400 },
  unauthenticated: { status: 401 },
  forbidden: { status: 403 },
  not_found: { status: 404 },
  not_yet: { status: 408, retry: true },
  wrong_state: { status: 409, retry: false },
  too_large: { status: 413, retry: false },
  unprocessable: { status: 422, retry: false },
  failed: { status: 500, retry: false },
  upstream_failed: { status: 502, retry: false },
  busy: { status: 503, retry: true },
  unavailable: { status: 503, retry: false },
};

/**
 * The status a domain error kind is answered with.
 *
 * @example
 * statusOf('wrong_state') // 409
 */
export function statusOf(kind: DomainErrorKind): number {
  return STATUS_OF[kind].status;
}

function bodyOf(code: string, message: string, details: unknown): ErrorBody {
  const clipped = clip(message, MESSAGE_LIMIT);
  return details === undefined ? { error: code, message: clipped } : { error: code, message: clipped, details };
}

function fromDomain(error: DomainError): ErrorReply {
  const { status, retry } = STATUS_OF[error.kind];
  const headers: Record<string, string> = {};
  if (retry !== undefined) headers['x-should-retry'] = String(retry);
  if (error.kind === 'busy')
    headers['retry-after'] = String((error as DomainError & { retryAfterSeconds: number }).retryAfterSeconds);
  return { status, headers, body: bodyOf(error.code, error.message, error.details), bug: false };
}

/**
 * Maps an error to its reply. 409s and bugs say `x-should-retry: false`:
 * the official client would otherwise retry them for ~30 s. Messages are
 * clipped: they may echo client input.
 *
 * @example
 * const reply = toErrorReply(new NotFoundError('object', 'obj_1')); // 404 { error: 'not_found', … }
 */
export function toErrorReply(error: unknown): ErrorReply {
  if (isDomainError(error)) return fromDomain(error);
  if (error instanceof HttpError) {
    const headers: Record<string, string> = { ...error.headers };
    if (error.status === 409 && headers['x-should-retry'] === undefined) headers['x-should-retry'] = 'false';
    return { status: error.status, headers, body: bodyOf(error.code, error.message, error.details), bug: false };
  }
  return {
    status: 500,
    headers: { 'x-should-retry': 'false' },
    body: { error: 'internal_error', message: 'internal server error (logged)' },
    bug: true,
  };
}
