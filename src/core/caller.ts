/**
 * The core client: the {@link ApiCaller} that every resource in `src/api`
 * sends through. Pipeline: build request → idempotency key → retry →
 * status errors → undici transport.
 */
import { asyncScheduler, defer, map, switchMap, type Observable, type SchedulerLike } from 'rxjs';
import type * as t from 'io-ts';
import { abortOn } from './abort.js';
import { readText, withStatusErrors } from './body.js';
import { resolveConfig, type ClientOptions, type ConfigEnv, type ResolvedConfig } from './config.js';
import { withDebugLog } from './debug-log.js';
import { decode, parseJson } from './decode.js';
import { buildHttpRequest, withIdempotencyKey } from './headers.js';
import { chainInterceptors, type HttpHandler, type HttpInterceptor, type HttpResponse } from './http.js';
import type { ApiCaller, ApiRequest, SseMessage } from './request.js';
import { withRetry } from './retry.js';
import { parseSse } from './sse.js';
import { createTransferHandler, type TransferRequest } from './transfer.js';
import { createUndiciTransport } from './transport.js';

/**
 * Options for {@link createApiCaller}: the client options plus test seams.
 *
 * @example
 * const options: ApiCallerOptions = { bearerToken: 'k', baseURL: 'http://127.0.0.1:4000', random: () => 0 };
 */
export interface ApiCallerOptions extends ClientOptions {
  /** Environment to read `RUNLOOP_*` from; default `process.env`. */
  readonly env?: ConfigEnv;
  /** Replaces the undici transport (e.g. a fake that records requests). */
  readonly transport?: HttpHandler;
  /** Run on every attempt, below retry and status mapping and above the transport, in order. */
  readonly interceptors?: readonly HttpInterceptor[];
  /** Jitter source for retry backoff; default `Math.random`. */
  readonly random?: () => number;
  /** Idempotency-key generator for non-GETs. */
  readonly idempotencyKey?: () => string;
  /** Where `DEBUG=true` logs go; default `console.error`. */
  readonly debugLog?: (line: string) => void;
}

/**
 * The core client: an {@link ApiCaller} plus its resolved config and the raw
 * pipeline (`send`) for callers that need the response itself.
 *
 * @example
 * const caller = createApiCaller({ bearerToken: 'k' });
 * caller.send({ method: 'GET', path: '/v1/devboxes' }).subscribe((res) => console.log(res.status));
 */
export interface CoreClient extends ApiCaller {
  readonly config: ResolvedConfig;
  /** Sends through the whole pipeline; emits a 2xx response whose body must be read (see {@link HttpResponse}). */
  send(request: ApiRequest): Observable<HttpResponse>;
  /**
   * Sends a request to an absolute URL outside the API (a presigned object
   * URL) through the same transport, retry, status mapping, debug log and
   * interceptors, without auth or default headers.
   */
  transfer(request: TransferRequest): Observable<HttpResponse>;
  /** Closes the dispatcher if the client created it. */
  close(): Promise<void>;
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
    return res.body.pipe(readText(), map(() => null));
  }
  const json = isJsonMediaType(res.headers['content-type']);
  return res.body.pipe(
    readText(),
    map((text) => (json ? (text.length === 0 ? undefined : parseJson(text, codecName)) : text)),
  );
}

/**
 * Creates the core client. Throws {@link RunloopConfigError} when no API key is set.
 * Every method is cold and lazy: nothing is sent until subscription, every
 * subscription sends again, and unsubscribing aborts the request.
 *
 * @example
 * const caller = createApiCaller({ baseURL: 'http://127.0.0.1:4000', bearerToken: 'local' });
 * caller.json({ method: 'GET', path: '/v1/devboxes/dbx_1' }, DevboxView).subscribe(console.log);
 */
export function createApiCaller(options: ApiCallerOptions = {}, scheduler: SchedulerLike = asyncScheduler): CoreClient {
  const config = resolveConfig(options, options.env);
  const transport = options.transport ?? createUndiciTransport({ dispatcher: config.dispatcher }, scheduler);
  const debug = (options.env ?? process.env)['DEBUG'] === 'true';
  const handler = chainInterceptors(transport, [
    withIdempotencyKey(options.idempotencyKey),
    withRetry({ maxRetries: config.maxRetries, ...(options.random ? { random: options.random } : {}) }, scheduler),
    withStatusErrors(),
    ...(debug ? [withDebugLog(options.debugLog, scheduler)] : []),
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
      ...(debug ? { debugLog } : {}),
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
    config,
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
    close: () => (config.ownsDispatcher ? config.dispatcher.close() : Promise.resolve()),
  };
}
