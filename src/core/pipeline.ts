/**
 * The request pipeline on any transport, platform-free: build request →
 * idempotency key → retry → status errors → [debug log] → interceptors →
 * transport. The Node client (`caller.ts`) runs it on undici, the browser
 * client (`src/browser`) on fetch.
 */
import { asyncScheduler, defer, map, switchMap, type Observable, type SchedulerLike } from 'rxjs';
import type * as t from 'io-ts';
import { abortOn } from './abort.js';
import { readText, withStatusErrors } from './body.js';
import type { BaseConfig } from './client-options.js';
import { withDebugLog } from './debug-log.js';
import { decode, parseJson } from './decode.js';
import { buildHttpRequest, withIdempotencyKey } from './headers.js';
import { chainInterceptors, type HttpHandler, type HttpInterceptor, type HttpResponse } from './http.js';
import type { ApiCaller, ApiRequest, SseMessage } from './request.js';
import { withRetry } from './retry.js';
import { parseSse } from './sse.js';
import { createTransferHandler, type TransferRequest } from './transfer.js';

/**
 * The pipeline's seams, on any platform.
 *
 * @example
 * const options: PipelineOptions = { random: () => 0, debug: false };
 */
export interface PipelineOptions {
  /** Run on every attempt, below retry and status mapping and above the transport, in order. */
  readonly interceptors?: readonly HttpInterceptor[];
  /** Jitter source for retry backoff; default `Math.random`. */
  readonly random?: () => number;
  /** Idempotency-key generator for non-GETs. */
  readonly idempotencyKey?: () => string;
  /** Log every request and response (`DEBUG=true`). */
  readonly debug?: boolean;
  /** Where debug logs go; default `console.error`. */
  readonly debugLog?: (line: string) => void;
}

/**
 * An {@link ApiCaller} plus the raw pipeline (`send`) for callers that need the response itself.
 *
 * @example
 * caller.send({ method: 'GET', path: '/v1/devboxes' }).subscribe((res) => console.log(res.status));
 */
export interface PipelineCaller extends ApiCaller {
  /** Sends through the whole pipeline; emits a 2xx response whose body must be read (see {@link HttpResponse}). */
  send(request: ApiRequest): Observable<HttpResponse>;
  /**
   * Sends a request to an absolute URL outside the API (a presigned object
   * URL) through the same transport, retry, status mapping, debug log and
   * interceptors, without auth or default headers.
   */
  transfer(request: TransferRequest): Observable<HttpResponse>;
}

function isJsonMediaType(contentType: string | undefined): boolean {
  if (contentType === undefined) return false;
  const media = contentType.split(';')[0]?.trim().toLowerCase() ?? '';
  return media.includes('application/json') || media.endsWith('+json');
}

/**
 * Reads a success body per runloop-api.md §3: 204 ⇒ `null`; JSON media type
 * ⇒ parsed (empty ⇒ `undefined`); anything else ⇒ the text.
 *
 * @example
 * send(req).pipe(switchMap((res) => readResponseValue(res, 'DevboxView')));
 */
export function readResponseValue(res: HttpResponse, codecName = 'JSON'): Observable<unknown> {
  if (res.status === 204) {
    // Still drain the (empty) body so the connection is reusable.
    return res.body.pipe(
      readText(),
      map(() => null),
    );
  }
  const json = isJsonMediaType(res.headers['content-type']);
  return res.body.pipe(
    readText(),
    map((text) => (json ? (text.length === 0 ? undefined : parseJson(text, codecName)) : text)),
  );
}

/**
 * The {@link ApiCaller} over `transport` with `config`. Every method is cold
 * and lazy: nothing is sent until subscription, every subscription sends
 * again, and unsubscribing aborts the request.
 *
 * @example
 * const caller = createPipelineCaller(resolveBaseConfig({ bearerToken: 'k' }), createFetchTransport());
 * caller.json({ method: 'GET', path: '/v1/devboxes/dbx_1' }, DevboxView).subscribe(console.log);
 */
export function createPipelineCaller(
  config: BaseConfig,
  transport: HttpHandler,
  options: PipelineOptions = {},
  scheduler: SchedulerLike = asyncScheduler,
): PipelineCaller {
  const handler = chainInterceptors(transport, [
    withIdempotencyKey(options.idempotencyKey),
    withRetry({ maxRetries: config.maxRetries, ...(options.random ? { random: options.random } : {}) }, scheduler),
    withStatusErrors(),
    ...(options.debug === true ? [withDebugLog(options.debugLog, scheduler)] : []),
    ...(options.interceptors ?? []),
  ]);

  const debugLog = options.debugLog ?? ((line: string) => console.error(line));
  const transfer = createTransferHandler(
    {
      transport,
      maxRetries: config.maxRetries,
      timeoutMs: config.timeoutMs,
      ...(options.random ? { random: options.random } : {}),
      ...(options.interceptors ? { interceptors: options.interceptors } : {}),
      ...(options.debug === true ? { debugLog } : {}),
    },
    scheduler,
  );

  /**
   * `read`: how the body will be read. A download is resumed with `Range`
   * when its body is cut; a small body read whole is re-sent instead.
   */
  const send = (request: ApiRequest, read: 'stream' | 'download' | 'whole' = 'stream'): Observable<HttpResponse> =>
    defer(() =>
      handler({
        ...buildHttpRequest(config, request),
        ...(read === 'download' ? { resumable: true } : read === 'whole' ? { buffered: true } : {}),
      }),
    );

  return {
    send: (request) => send(request).pipe(abortOn(request.options?.signal)),
    transfer: (request) => defer(() => transfer(request)),
    json: <A>(request: ApiRequest, codec: t.Decoder<unknown, A>) =>
      send(request, 'whole').pipe(
        switchMap((res) => readResponseValue(res, codec.name)),
        map((value) => decode(codec, value)),
        abortOn(request.options?.signal),
      ),
    text: (request) =>
      send(request, 'whole').pipe(
        switchMap((res) => res.body.pipe(readText())),
        abortOn(request.options?.signal),
      ),
    bytes: (request) =>
      send(request, 'download').pipe(
        switchMap((res) => res.body),
        abortOn(request.options?.signal),
      ),
    sse: (request): Observable<SseMessage> =>
      send({ ...request, accept: request.accept ?? 'text/event-stream' }).pipe(
        switchMap((res) => res.body.pipe(parseSse())),
        abortOn(request.options?.signal),
      ),
  };
}
