import { Observable, isObservable, of, throwError } from 'rxjs';
import { apiErrorFromResponse } from '../core/api-error.js';
import type { ApiRequest, SseMessage } from '../core/request.js';

/**
 * What a scripted request answers with: an Observable (subscribed when the
 * request is sent, so `cold('--a|')` delays it in virtual time) or a plain
 * value (answered at once). For `sse` requests a value may be an array of
 * chunks or messages, see {@link sseReply}.
 *
 * @example
 * caller.when('GET /v1/devboxes/dbx_1').respond({ id: 'dbx_1', status: 'running' }, cold('--#', undefined, err));
 */
export type Reply = unknown;

/**
 * A reply that fails like the server answering `status` with a JSON `body`
 * and `headers` (the same typed error the real client raises: NotFoundError
 * for 404, …). It reaches the SDK as that HTTP answer, so a retryable status
 * is retried when the caller allows retries (`retry-after-ms` sets the wait).
 *
 * @example
 * caller.when({ path: /wait_for_status$/ }).respond(statusReply(408), { id: 'dbx_1', status: 'running' });
 * new FakeApiCaller({ maxRetries: 1 }).when('/v1/x').respond(statusReply(503, undefined, { 'retry-after-ms': '10' }), { id: 'x' });
 */
export function statusReply(
  status: number,
  body: unknown = { error: 'status', message: `status ${status}` },
  headers: Readonly<Record<string, string>> = {},
): Observable<never> {
  return throwError(() =>
    apiErrorFromResponse(status, { 'content-type': 'application/json', ...headers }, JSON.stringify(body)),
  );
}

/**
 * An SSE reply: each item is an SSE message, or an output chunk
 * `{ output, offset }` that becomes a `data:` message. Completes after the
 * last one unless `then` says to fail (e.g. a dropped connection).
 *
 * @example
 * caller.when({ path: /stream_stdout_updates$/ }).respond(sseReply([{ output: 'hi\n', offset: 3 }]));
 */
export function sseReply(items: readonly unknown[], then?: { readonly error: unknown }): Observable<SseMessage> {
  return new Observable<SseMessage>((subscriber) => {
    for (const item of items) subscriber.next(toSseMessage(item));
    if (then) subscriber.error(then.error);
    else subscriber.complete();
  });
}

/**
 * A reply computed from the request, when the request is sent (e.g. a
 * long-poll answering the statuses it asked for, an SSE stream starting at
 * the requested offset). Views are never functions, so a function reply is
 * always a responder.
 *
 * @example
 * const echo: Responder = (request) => ({ asked: request.body });
 */
export type Responder = (request: ApiRequest) => Reply;

/**
 * Normalises any reply into an Observable of raw values; a {@link Responder}
 * is called with the request first.
 *
 * @example
 * replyToObservable({ id: 'a' }, request).subscribe(console.log); // { id: 'a' }
 */
export function replyToObservable(reply: Reply, request: ApiRequest): Observable<unknown> {
  if (typeof reply === 'function') return replyToObservable((reply as Responder)(request), request);
  return isObservable(reply) ? reply : of(reply);
}

/**
 * An SSE message as is, or an object/chunk JSON-encoded into `data`.
 *
 * @example
 * toSseMessage({ output: 'a', offset: 1 }); // { event: undefined, data: '{"output":"a","offset":1}' }
 */
export function toSseMessage(item: unknown): SseMessage {
  if (typeof item === 'object' && item !== null && 'data' in item && typeof item.data === 'string') {
    const event = 'event' in item && typeof item.event === 'string' ? item.event : undefined;
    return { event, data: item.data };
  }
  return { event: undefined, data: typeof item === 'string' ? item : JSON.stringify(item) };
}

/**
 * The error a long-poll gets when the server held the request and nothing
 * changed (HTTP 408): the SDK asks again at once. For `cold('--#', undefined, timeout408())`.
 *
 * @example
 * caller.when({ path: /wait_for_status$/ }).respond(cold('--#', undefined, timeout408()), runningView);
 */
export function timeout408(): Error {
  return apiErrorFromResponse(
    408,
    { 'content-type': 'application/json' },
    JSON.stringify({ error: 'timeout', message: 'still waiting' }),
  );
}
