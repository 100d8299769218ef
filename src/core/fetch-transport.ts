/**
 * The transport on WHATWG `fetch`: `HttpRequest => Observable<HttpResponse>`
 * for browsers (and any runtime with `fetch` and `ReadableStream`), with the
 * same contract as the undici transport (`transport.ts`):
 *
 * - cold, one request per subscription, each with its own `AbortController`
 *   that teardown aborts until the response is handed over;
 * - no headers within `timeoutMs` ⇒ {@link APIConnectionTimeoutError}, any
 *   other failure to get a response ⇒ {@link APIConnectionError}, a request
 *   that cannot be built (bad URL or header) ⇒ a plain {@link RunloopError};
 *   HTTP error statuses are not errors here;
 * - the body is a single-use Observable of chunks read from the response's
 *   `ReadableStream` as they arrive (SSE streams chunk by chunk); unsubscribing
 *   it early cancels the stream and aborts the request, and a body nobody
 *   subscribed to is cancelled so the connection is released.
 */
import { Observable, asyncScheduler, type SchedulerLike } from 'rxjs';
import { APIConnectionError, RunloopError } from './errors.js';
import { noResponseError } from './no-response-error.js';
import type { HttpHandler, HttpRequest, HttpResponse } from './http.js';

function noop(): void {}

/**
 * Options for {@link createFetchTransport}.
 *
 * @example
 * const options: FetchTransportOptions = { fetch: window.fetch.bind(window) };
 */
export interface FetchTransportOptions {
  /** The `fetch` to call; default `globalThis.fetch`. */
  readonly fetch?: typeof fetch;
}

interface SingleUseBody {
  readonly observable: Observable<Uint8Array>;
  readonly isSubscribed: () => boolean;
  readonly discard: () => void;
}

function singleUseBody(stream: ReadableStream<Uint8Array> | null, abort: () => void): SingleUseBody {
  let subscribed = false;
  const observable = new Observable<Uint8Array>((subscriber) => {
    if (subscribed) {
      subscriber.error(new RunloopError('A response body can be read only once'));
      return;
    }
    subscribed = true;
    if (stream === null) {
      subscriber.complete();
      return;
    }
    const reader = stream.getReader();
    let ended = false;
    const pump = (): void => {
      reader.read().then(
        ({ done, value }) => {
          if (subscriber.closed) return;
          if (done) {
            ended = true;
            subscriber.complete();
            return;
          }
          if (value.byteLength > 0) subscriber.next(value);
          pump();
        },
        (err: unknown) => {
          ended = true;
          if (!subscriber.closed) {
            subscriber.error(new APIConnectionError('Connection lost while reading the response body', { cause: err }));
          }
        },
      );
    };
    pump();
    return () => {
      if (ended) return;
      // An early unsubscribe: stop the stream and the request under it.
      reader.cancel().catch(noop);
      abort();
    };
  });
  return {
    observable,
    isSubscribed: () => subscribed,
    discard: () => {
      stream?.cancel().catch(noop);
    },
  };
}

function flattenHeaders(headers: Headers): Record<string, string> {
  const out: Record<string, string> = {};
  // `Headers` already joins repeated names with ", " and lower-cases them.
  headers.forEach((value, name) => {
    out[name] = value;
  });
  return out;
}

/** The fetch `Request`, built eagerly so a bad URL or header fails as an invalid request, not a network error. */
function toFetchRequest(request: HttpRequest, signal: AbortSignal): Request {
  // `cache` is a browser option (Node's typings lack it): polls must see fresh state, never an HTTP cache's copy.
  const init: RequestInit & { cache?: 'no-store' } = {
    method: request.method,
    headers: new Headers(request.headers),
    ...(request.body !== undefined ? { body: request.body as NonNullable<RequestInit['body']> } : {}),
    signal,
    cache: 'no-store',
  };
  return new Request(request.url, init);
}

/**
 * Creates the transport on `fetch`. Errors: no headers within
 * `request.timeoutMs` ⇒ {@link APIConnectionTimeoutError}; any other failure
 * to get a response ⇒ {@link APIConnectionError}; an unbuildable request ⇒
 * {@link RunloopError}. HTTP error statuses are *not* errors here.
 *
 * @example
 * const transport = createFetchTransport();
 * transport({ method: 'GET', url: '/v1/devboxes', headers: {}, timeoutMs: 30_000 })
 *   .pipe(switchMap((res) => res.body))
 *   .subscribe((chunk) => console.log(chunk.byteLength));
 */
export function createFetchTransport(
  options: FetchTransportOptions = {},
  scheduler: SchedulerLike = asyncScheduler,
): HttpHandler {
  return (request: HttpRequest) =>
    new Observable<HttpResponse>((subscriber) => {
      const doFetch = options.fetch ?? globalThis.fetch;
      const controller = new AbortController();
      let timedOut = false;
      let body: SingleUseBody | undefined;

      let fetchRequest: Request;
      try {
        fetchRequest = toFetchRequest(request, controller.signal);
      } catch (err) {
        subscriber.error(new RunloopError(`Invalid request: ${(err as Error).message}`, { cause: err }));
        return;
      }
      const timeout = scheduler.schedule(() => {
        timedOut = true;
        controller.abort();
      }, request.timeoutMs);

      doFetch(fetchRequest).then(
        (response) => {
          timeout.unsubscribe();
          body = singleUseBody(response.body, () => controller.abort());
          if (subscriber.closed) {
            body.discard();
            return;
          }
          subscriber.next({
            status: response.status,
            headers: flattenHeaders(response.headers),
            body: body.observable,
          });
          subscriber.complete();
        },
        (err: unknown) => {
          timeout.unsubscribe();
          if (subscriber.closed) return;
          subscriber.error(noResponseError(err, timedOut, request.timeoutMs));
        },
      );

      return () => {
        timeout.unsubscribe();
        if (body === undefined) controller.abort();
        else if (!body.isSubscribed()) body.discard();
      };
    });
}
