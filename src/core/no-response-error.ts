/**
 * The one error both transports (undici and fetch) give when a request got no
 * response, so retry and callers see the same classes on every platform.
 */
import { APIConnectionError, APIConnectionTimeoutError } from './errors.js';

/**
 * The error for a request that got no response: a timeout when the header
 * deadline fired (the abort it caused is what failed), a connection error otherwise.
 *
 * @example
 * subscriber.error(noResponseError(err, timedOut, request.timeoutMs));
 */
export function noResponseError(cause: unknown, timedOut: boolean, timeoutMs: number): APIConnectionError {
  return timedOut
    ? new APIConnectionTimeoutError(`No response headers within ${timeoutMs} ms`, { cause })
    : new APIConnectionError(`Connection error: ${(cause as Error)?.message ?? String(cause)}`, { cause });
}
