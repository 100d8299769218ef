/**
 * The request shape that every raw API resource hands to the core client.
 *
 * This file is the contract between `src/api/**` (which describes endpoints)
 * and `src/core/**` (which sends them). Resources never touch undici directly.
 */
import type { Observable } from 'rxjs';
import type * as t from 'io-ts';

/**
 * A query value; `null` encodes as `key=`, `undefined` is omitted (runloop-api.md §4).
 *
 * @example
 * const query: Record<string, QueryValue> = { limit: 10, starting_after: undefined };
 */
export type QueryValue = string | number | boolean | null | undefined;

/**
 * Per-call options accepted by every API method.
 *
 * @example
 * const options: RequestOptions = { signal: AbortSignal.timeout(5_000), maxRetries: 0 };
 */
export interface RequestOptions {
  /** Aborts the request; an aborted call errors with `APIUserAbortError`. */
  readonly signal?: AbortSignal;
  /** Time until response headers, in ms. Defaults to the client's timeout (30 000). */
  readonly timeoutMs?: number;
  /** Overrides the client's maximum retries for this call. */
  readonly maxRetries?: number;
  /** Extra headers; `null` removes a default header. */
  readonly headers?: Readonly<Record<string, string | null>>;
  /** Idempotency key for non-GETs; generated once per call when absent and reused on every retry. */
  readonly idempotencyKey?: string;
}

/**
 * One API call, described as data. Resources build these; the core client
 * sends them lazily on each subscription.
 *
 * @example
 * const req: ApiRequest = { method: 'GET', path: '/v1/devboxes', query: { limit: 10 } };
 */
export interface ApiRequest {
  readonly method: 'GET' | 'POST';
  /** Path under the base URL, starting with `/v1/`. Path parameters must already be encoded. */
  readonly path: string;
  readonly query?: Readonly<Record<string, QueryValue>>;
  /** JSON body. Non-GETs without a body still send `Content-Type: application/json`. */
  readonly body?: unknown;
  /** A multipart body (undici `FormData`); used only by `upload_file`. */
  readonly multipart?: FormData;
  /** Overrides `Accept` (`text/plain`, `application/octet-stream`, `text/event-stream`). */
  readonly accept?: string;
  readonly options?: RequestOptions;
}

/**
 * One Server-Sent Event, as parsed from the stream (runloop-api.md §7).
 *
 * @example
 * const msg: SseMessage = { event: undefined, data: '{"output":"hi\\n","offset":3}' };
 */
export interface SseMessage {
  /** The `event:` field, or `undefined` for the default `message` event. */
  readonly event: string | undefined;
  /** The `data:` lines joined with `\n`. */
  readonly data: string;
}

/**
 * The core client as resources see it. Every method is cold: nothing is sent
 * until subscription, each subscription sends again, and unsubscribing aborts
 * the request in flight.
 *
 * @example
 * caller.json({ method: 'GET', path: `/v1/devboxes/${id}` }, DevboxView).subscribe(console.log);
 */
export interface ApiCaller {
  /** Sends the request and decodes a JSON body with `codec`; a mismatch errors with a decode error naming the path. */
  json<A>(request: ApiRequest, codec: t.Decoder<unknown, A>): Observable<A>;
  /** Sends the request and emits the whole body as UTF-8 text (for `read_file_contents`). */
  text(request: ApiRequest): Observable<string>;
  /**
   * Sends the request and emits the body as it streams, chunk by chunk (for `download_file`). A body cut
   * mid-way is resumed with `Range: bytes=N-` within the retry budget; changed content fails with `DownloadResumeError`.
   */
  bytes(request: ApiRequest): Observable<Uint8Array>;
  /** Sends the request and emits each SSE message; completes when the server closes the stream. */
  sse(request: ApiRequest): Observable<SseMessage>;
}
