/**
 * Presigned object transfers (runloop-api.md §12) as requests through the
 * SDK's own transfer pipeline: the same transport, retry, debug log,
 * interceptors and abort handling as API calls, without auth headers.
 */
import { Readable } from 'node:stream';
import { Observable, catchError, defer, ignoreElements, switchMap, throwError } from 'rxjs';
import { abortOn } from '../../core/abort.js';
import { readText } from '../../core/body.js';
import { APIError } from '../../core/errors.js';
import type { HttpRequest, StreamingBody } from '../../core/http.js';
import type { TransferHandler, TransferRequest } from '../../core/transfer.js';
import { ObjectTransferError } from '../errors.js';

/**
 * A body for a presigned PUT: bytes, text, or a stream (sent chunked unless `length` is given).
 *
 * @example
 * const body: UploadBody = fs.createReadStream('big.bin');
 */
export type UploadBody = Uint8Array | string | Readable;

/**
 * Options for presigned transfers.
 *
 * @example
 * presignedGet(transfer, url, { signal: AbortSignal.timeout(10_000) });
 */
export interface TransferOptions {
  readonly signal?: AbortSignal;
  /** Byte length of a stream body, sent as `Content-Length`. */
  readonly length?: number;
  /** Time until response headers (after a streamed body is sent), per attempt; default the client's. */
  readonly timeoutMs?: number;
}

function asIterable(body: UploadBody): AsyncIterable<Uint8Array> {
  if (body instanceof Readable) return body;
  return Readable.from([typeof body === 'string' ? Buffer.from(body, 'utf8') : body]);
}

/**
 * The request body: bytes and text as they are; a factory is called once
 * per attempt (so retries resend it); a bare Readable can be sent only once.
 */
function requestBody(
  body: UploadBody | (() => UploadBody),
  length: number | undefined,
): NonNullable<HttpRequest['body']> {
  if (typeof body === 'string' || body instanceof Uint8Array) return body;
  const streaming: StreamingBody =
    typeof body === 'function'
      ? { open: () => asIterable(body()), replayable: true }
      : { open: () => body, replayable: false };
  return length === undefined ? streaming : { ...streaming, length };
}

/** The answer's body as text, for the error message. */
function bodyText(err: APIError): string {
  if (typeof err.error === 'string') return err.error;
  return err.error === undefined ? '' : JSON.stringify(err.error);
}

/** Non-2xx answers (after retries) keep their documented error type for presigned URLs. */
function asTransferError(method: 'GET' | 'PUT'): (err: unknown) => Observable<never> {
  return (err) =>
    throwError(() =>
      err instanceof APIError && err.status !== undefined
        ? Object.assign(new ObjectTransferError(method, err.status, bodyText(err).slice(0, 500)), { cause: err })
        : err,
    );
}

/**
 * PUTs `body` to a presigned URL with no auth headers, streaming it. Cold;
 * unsubscribing aborts. Emits nothing and completes on a 2xx; fails with
 * {@link ObjectTransferError}. Retried per the SDK's policy when `body` is
 * bytes, text or a factory; a bare Readable is sent once.
 *
 * @example
 * presignedPut(transfer, view.upload_url!, () => fs.createReadStream('big.bin')).subscribe({ complete: () => console.log('uploaded') });
 */
export function presignedPut(
  send: TransferHandler,
  url: string,
  body: UploadBody | (() => UploadBody),
  options: TransferOptions = {},
): Observable<never> {
  return defer(() => {
    const request: TransferRequest = {
      method: 'PUT',
      url,
      headers: {},
      body: requestBody(body, options.length),
      // The answer is small; a cut one is re-sent (the PUT replaces the content).
      buffered: true,
      ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
    };
    return send(request).pipe(
      // Read the (small) answer so the connection is reusable.
      switchMap((res) => res.body.pipe(readText())),
      ignoreElements(),
      catchError(asTransferError('PUT')),
      abortOn(options.signal),
    );
  }).pipe(
    // A bare stream nobody will send any more is closed.
    (source) =>
      new Observable<never>((subscriber) => {
        const subscription = source.subscribe(subscriber);
        return () => {
          subscription.unsubscribe();
          if (body instanceof Readable) body.destroy();
        };
      }),
  );
}

/**
 * GETs a presigned URL and emits the body as it streams, chunk by chunk; a
 * body cut mid-way is resumed with `Range` within the retry budget. Cold;
 * unsubscribing aborts and releases the connection.
 *
 * @example
 * presignedGet(transfer, url).pipe(reduce((n, c) => n + c.length, 0)).subscribe(console.log);
 */
export function presignedGet(
  send: TransferHandler,
  url: string,
  options: TransferOptions = {},
): Observable<Uint8Array> {
  return defer(() =>
    send({
      method: 'GET',
      url,
      headers: {},
      resumable: true,
      ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
    }).pipe(
      switchMap((res) => res.body),
      catchError(asTransferError('GET')),
      abortOn(options.signal),
    ),
  );
}
