/**
 * Turns an HTTP error response into the right {@link APIError} subclass,
 * with the message rules of runloop-api.md §3.
 */
import { apiErrorClassFor, type APIError, type ResponseHeaders } from './errors.js';

function parseJsonOrUndefined(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function messageOf(status: number, error: unknown, text: string): string {
  if (text.length === 0) return `${status} status code (no body)`;
  if (error !== undefined && typeof error === 'object' && error !== null) {
    const msg = (error as { message?: unknown }).message;
    if (typeof msg === 'string') return `${status} ${msg}`;
    if (msg !== undefined) return `${status} ${JSON.stringify(msg)}`;
    return `${status} ${JSON.stringify(error)}`;
  }
  if (error !== undefined) return `${status} ${JSON.stringify(error)}`;
  return `${status} ${text}`;
}

function requestIdOf(headers: ResponseHeaders | undefined, error: unknown): string | undefined {
  const fromHeader = headers?.['x-runloop-request-id'] ?? headers?.['x-request-id'];
  if (fromHeader) return fromHeader;
  const fromBody =
    typeof error === 'object' && error !== null ? (error as { request_id?: unknown }).request_id : undefined;
  return typeof fromBody === 'string' ? fromBody : undefined;
}

/**
 * Builds the status-mapped error for a response. `bodyText` is the raw body;
 * if it parses as JSON, that value becomes `error.error`, else the text does.
 *
 * @example
 * const err = apiErrorFromResponse(404, { 'content-type': 'application/json' }, '{"message":"no such devbox"}');
 * err instanceof NotFoundError; // true, err.message === '404 no such devbox'
 */
export function apiErrorFromResponse(status: number, headers: ResponseHeaders | undefined, bodyText: string): APIError {
  const parsed = bodyText.length > 0 ? parseJsonOrUndefined(bodyText) : undefined;
  const error = parsed !== undefined ? parsed : bodyText.length > 0 ? bodyText : undefined;
  const message = messageOf(status, parsed, bodyText);
  const Class = apiErrorClassFor(status);
  return new Class(status, headers, error, message, requestIdOf(headers, parsed));
}
