/**
 * The one place that touches undici: `HttpRequest => Observable<HttpResponse>`.
 *
 * Cold, one request per subscription, each with its own AbortController that
 * teardown aborts until the response is handed over. From then on the body
 * observable owns the request: unsubscribing it early destroys the body, and
 * a body nobody subscribed to is dumped so its connection returns to the pool.
 */
import { PassThrough, Readable } from 'node:stream';
import { Observable, Subscription, asyncScheduler, type SchedulerLike } from 'rxjs';
import type { FormData as UndiciFormData, Dispatcher } from 'undici';
import { APIConnectionError, RunloopError } from './errors.js';
import { multipartBody } from './multipart.js';
import { noResponseError } from './no-response-error.js';
import { isStreamingBody, type HttpHandler, type HttpRequest, type HttpResponse, type StreamingBody } from './http.js';

type BodyReadable = Dispatcher.ResponseData['body'];

/** How much of an unread body is drained before its connection is closed instead. */
const DUMP_LIMIT_BYTES = 256 * 1024;

function noop(): void {}

function flattenHeaders(raw: Dispatcher.ResponseData['headers']): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(raw)) {
    if (value === undefined) continue;
    headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return headers;
}

/** A failure of the caller's body source (not of the network): retrying cannot help. */
class BodySourceError extends Error {}

/** Reads one attempt's bytes, marking a failure of the source itself so it is not mistaken for the network's. */
async function* readSource(open: () => AsyncIterable<Uint8Array>, onSent: () => void): AsyncGenerator<Uint8Array> {
  try {
    yield* open();
  } catch (err) {
    throw sourceError(err);
  }
  onSent();
}

function sourceError(err: unknown): BodySourceError {
  return new BodySourceError(err instanceof Error ? err.message : String(err), { cause: err });
}

/** Where a piped source reports its own failure (see {@link openStreamingBody}). */
interface SourceFailure {
  error?: unknown;
}

/**
 * One attempt's streamed body, as undici sends it. A byte-mode Readable (a
 * file, an encoded text) is piped, chunk for chunk: iterating it instead
 * would `read()` everything it has buffered as one new concatenated buffer,
 * a copy of nearly every chunk of a large upload. Anything else (a web
 * stream, a generator, an object-mode stream) is iterated chunk by chunk.
 */
function openStreamingBody(body: StreamingBody, onSent: () => void, failure: SourceFailure): Readable {
  let source: AsyncIterable<Uint8Array>;
  try {
    source = body.open();
  } catch (err) {
    return Readable.from(
      readSource(() => {
        throw err;
      }, onSent),
      { objectMode: false },
    );
  }
  if (!(source instanceof Readable) || source.readableObjectMode || source.readableEncoding !== null) {
    return Readable.from(
      readSource(() => source, onSent),
      { objectMode: false },
    );
  }
  // undici destroys the body it was given with its own (network) error: a pass-through keeps that apart from the
  // source's own failure, which alone is recorded (and ends the request).
  const sent = new PassThrough();
  sent.on('error', noop);
  source.once('error', (err: unknown) => {
    failure.error ??= err;
    sent.destroy(err instanceof Error ? err : new Error(String(err)));
  });
  sent.once('end', onSent);
  // undici gave up on the body (network failure, abort): the source is released.
  sent.once('close', () => {
    if (!source.readableEnded) source.destroy();
  });
  return source.pipe(sent);
}

/**
 * Encodes a multipart form ourselves (see `multipart.ts`) so that, like any
 * streamed body, the wait for headers starts once the last byte was sent: a
 * large upload is not cut by the header timeout.
 */
function encodeForm(body: FormData | UndiciFormData): { readonly contentType: string; readonly body: StreamingBody } {
  return multipartBody(body.entries() as Iterable<[string, string | File]>);
}

/** The body and headers undici sends; a streamed body (or form) is opened here, once per attempt. */
function toDispatch(
  request: HttpRequest,
  onSent: () => void,
  failure: SourceFailure,
): { readonly headers: Record<string, string>; readonly body: Exclude<Dispatcher.DispatchOptions['body'], undefined> } {
  const { body } = request;
  if (body === undefined || typeof body === 'string' || body instanceof Uint8Array) {
    onSent();
    return { headers: { ...request.headers }, body: body ?? null };
  }
  if (isStreamingBody(body)) {
    const headers =
      body.length === undefined
        ? { ...request.headers }
        : { ...request.headers, 'content-length': String(body.length) };
    return { headers, body: openStreamingBody(body, onSent, failure) };
  }
  const form = encodeForm(body);
  return {
    headers: { ...request.headers, 'content-type': form.contentType, 'content-length': String(form.body.length) },
    body: openStreamingBody(form.body, onSent, failure),
  };
}

function isUndiciError(err: unknown, codes: readonly string[]): boolean {
  const code = typeof err === 'object' && err !== null ? (err as { code?: unknown }).code : undefined;
  return typeof code === 'string' && codes.includes(code);
}

/** Failures of the request itself (bad arguments, an unreadable body source), as opposed to the network: not retryable. */
function isInvalidRequest(err: unknown): boolean {
  return (
    err instanceof TypeError ||
    err instanceof BodySourceError ||
    isUndiciError(err, ['UND_ERR_INVALID_ARG', 'UND_ERR_NOT_SUPPORTED'])
  );
}

interface SingleUseBody {
  readonly observable: Observable<Uint8Array>;
  readonly isSubscribed: () => boolean;
  readonly dump: () => void;
}

function singleUseBody(readable: BodyReadable): SingleUseBody {
  let subscribed = false;
  // Errors after we stop listening (e.g. a late socket reset) must not crash the process.
  readable.on('error', noop);
  const observable = new Observable<Uint8Array>((subscriber) => {
    if (subscribed) {
      subscriber.error(new RunloopError('A response body can be read only once'));
      return;
    }
    subscribed = true;
    let ended = false;
    const onData = (chunk: Buffer): void => subscriber.next(chunk);
    const onEnd = (): void => {
      ended = true;
      subscriber.complete();
    };
    const onError = (err: unknown): void => {
      ended = true;
      subscriber.error(new APIConnectionError('Connection lost while reading the response body', { cause: err }));
    };
    readable.on('data', onData);
    readable.once('end', onEnd);
    readable.once('error', onError);
    return () => {
      readable.off('data', onData);
      readable.off('end', onEnd);
      readable.off('error', onError);
      if (!ended) readable.destroy();
    };
  });
  return {
    observable,
    isSubscribed: () => subscribed,
    dump: () => {
      readable.dump({ limit: DUMP_LIMIT_BYTES }).catch(noop);
    },
  };
}

/**
 * Options for {@link createUndiciTransport}.
 *
 * @example
 * const options: UndiciTransportOptions = { dispatcher: new Agent() };
 */
export interface UndiciTransportOptions {
  readonly dispatcher: Dispatcher;
}

/**
 * Creates the transport on `dispatcher.request`. Errors: no headers within
 * `request.timeoutMs` (counted from the end of a streamed body) ⇒ {@link APIConnectionTimeoutError}; any other failure
 * to get a response ⇒ {@link APIConnectionError}. HTTP error statuses are
 * *not* errors here (see `raiseForStatus`).
 *
 * @example
 * const transport = createUndiciTransport({ dispatcher: new Agent() });
 * transport({ method: 'GET', url, headers: {}, timeoutMs: 30_000 })
 *   .pipe(switchMap((res) => res.body))
 *   .subscribe((chunk) => console.log(chunk.byteLength));
 */
export function createUndiciTransport(
  options: UndiciTransportOptions,
  scheduler: SchedulerLike = asyncScheduler,
): HttpHandler {
  const { dispatcher } = options;
  return (request: HttpRequest) =>
    new Observable<HttpResponse>((subscriber) => {
      const controller = new AbortController();
      let timedOut = false;
      let body: SingleUseBody | undefined;
      const timeout = new Subscription();
      const startTimer = (): void => {
        if (subscriber.closed) return;
        timeout.add(
          scheduler.schedule(() => {
            timedOut = true;
            controller.abort();
          }, request.timeoutMs),
        );
      };
      // A streamed upload (or form) may take any time to send; the wait for headers starts once it is sent.
      let dispatch: ReturnType<typeof toDispatch>;
      const failure: SourceFailure = {};
      try {
        dispatch = toDispatch(request, startTimer, failure);
      } catch (err) {
        subscriber.error(
          new RunloopError(`Invalid request body: ${(err as Error)?.message ?? String(err)}`, { cause: err }),
        );
        return;
      }

      let url: URL;
      try {
        url = new URL(request.url);
      } catch (err) {
        timeout.unsubscribe();
        subscriber.error(new RunloopError('Invalid request URL', { cause: err }));
        return;
      }

      dispatcher
        .request({
          origin: url.origin,
          path: `${url.pathname}${url.search}`,
          method: request.method,
          headers: dispatch.headers,
          body: dispatch.body,
          signal: controller.signal,
          // Our own timer covers connect + headers; a body (SSE, downloads) may idle for as long as it likes.
          headersTimeout: 0,
          bodyTimeout: 0,
        })
        .then(
          (data) => {
            timeout.unsubscribe();
            body = singleUseBody(data.body);
            if (subscriber.closed) {
              body.dump();
              return;
            }
            subscriber.next({ status: data.statusCode, headers: flattenHeaders(data.headers), body: body.observable });
            subscriber.complete();
          },
          (failed: unknown) => {
            timeout.unsubscribe();
            if (subscriber.closed) return;
            const err = failure.error === undefined ? failed : sourceError(failure.error);
            if (isInvalidRequest(err) && !timedOut) {
              subscriber.error(new RunloopError(`Invalid request: ${(err as Error).message}`, { cause: err }));
              return;
            }
            subscriber.error(noResponseError(err, timedOut, request.timeoutMs));
          },
        );

      return () => {
        timeout.unsubscribe();
        if (body === undefined) controller.abort();
        else if (!body.isSubscribed()) body.dump();
      };
    });
}
