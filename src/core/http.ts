/**
 * The transport seam's types: one function from request to `Observable<HttpResponse>`,
 * and interceptors, which are plain functions wrapped around it.
 */
import type { Observable } from 'rxjs';
import type { ResponseHeaders } from './errors.js';

/**
 * A request body read from a stream (presigned uploads). `open` is called
 * once per attempt, so a retry sends the bytes again from the start; when
 * the source can be read only once (`replayable: false`, e.g. a caller's
 * Readable) the request is never retried.
 *
 * @example
 * const body: StreamingBody = { open: () => fs.createReadStream('big.bin'), length: size, replayable: true };
 */
export interface StreamingBody {
  readonly open: () => AsyncIterable<Uint8Array>;
  /** Byte length, sent as `Content-Length`; without it the body goes chunked. */
  readonly length?: number;
  /** False when `open` can run only once: no retry is attempted. */
  readonly replayable: boolean;
}

/**
 * Whether a request body is the streaming form.
 *
 * @example
 * isStreamingBody(request.body) && request.body.replayable;
 */
export function isStreamingBody(body: HttpRequest['body']): body is StreamingBody {
  return typeof body === 'object' && body !== null && 'open' in body && typeof body.open === 'function';
}

/**
 * A fully built HTTP request, as data.
 *
 * @example
 * const req: HttpRequest = { method: 'GET', url: 'http://127.0.0.1:4000/v1/devboxes', headers: {}, timeoutMs: 30_000 };
 */
export interface HttpRequest {
  readonly method: 'GET' | 'POST' | 'PUT';
  /** Absolute URL including the query string. */
  readonly url: string;
  /** Lower-cased names. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string | Uint8Array | FormData | StreamingBody;
  /** Time until response headers, per attempt. */
  readonly timeoutMs: number;
  /** Retries after the first attempt; read by the retry interceptor. */
  readonly maxRetries?: number;
  /**
   * A download whose body, when the connection drops mid-body, the retry
   * interceptor resumes with `Range: bytes=N-` (within the same retry budget),
   * checking that the resumed bytes belong to the same content.
   */
  readonly resumable?: boolean;
  /**
   * A small body the caller reads whole (JSON, text): the retry interceptor
   * reads it before handing the response on, so a body cut mid-way is
   * re-sent like a lost response (same budget, same idempotency key).
   */
  readonly buffered?: boolean;
}

/**
 * A response with its body still unread. `body` is single-use and cold: it
 * must be subscribed synchronously while the response is being emitted
 * (`switchMap`/`concatMap` do this); otherwise the transport dumps it so the
 * connection goes back to the pool. Unsubscribing `body` early aborts it.
 *
 * @example
 * transport(req).pipe(switchMap((res) => res.body));
 */
export interface HttpResponse {
  readonly status: number;
  /** Lower-cased names; repeated headers joined with `, `. */
  readonly headers: ResponseHeaders;
  readonly body: Observable<Uint8Array>;
}

/**
 * The transport seam: cold, one request per subscription, aborted on unsubscribe.
 *
 * @example
 * const handler: HttpHandler = createUndiciTransport({ dispatcher });
 */
export type HttpHandler = (request: HttpRequest) => Observable<HttpResponse>;

/**
 * A step in the request pipeline: may change the request, call `next`
 * (any number of times), and change the response stream.
 *
 * @example
 * const withTrace: HttpInterceptor = (req, next) => next({ ...req, headers: { ...req.headers, 'x-trace': '1' } });
 */
export type HttpInterceptor = (request: HttpRequest, next: HttpHandler) => Observable<HttpResponse>;

/**
 * Wraps `handler` with `interceptors`; the first one is outermost.
 *
 * @example
 * const send = chainInterceptors(transport, [withIdempotencyKey(), withRetry(policy)]);
 */
export function chainInterceptors(handler: HttpHandler, interceptors: readonly HttpInterceptor[]): HttpHandler {
  return interceptors.reduceRight<HttpHandler>((next, interceptor) => (req) => interceptor(req, next), handler);
}
