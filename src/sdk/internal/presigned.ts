import type { Readable } from 'node:stream';
import { Observable } from 'rxjs';
import { request, type Dispatcher } from 'undici';
import { APIConnectionError, APIUserAbortError } from '../../core/errors.js';
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
 * presignedGet(url, { signal: AbortSignal.timeout(10_000) });
 */
export interface TransferOptions {
  readonly signal?: AbortSignal;
  /** Defaults to undici's global dispatcher. */
  readonly dispatcher?: Dispatcher;
  /** Byte length of a stream body, sent as `Content-Length`. */
  readonly length?: number;
}

/**
 * PUTs `body` to a presigned URL over plain HTTP/1.1 with no auth headers
 * (runloop-api.md §12), streaming it. Cold; unsubscribing aborts. Emits
 * nothing and completes on a 2xx; fails with {@link ObjectTransferError}.
 *
 * @example
 * presignedPut(view.upload_url!, fs.createReadStream('big.bin')).subscribe({ complete: () => console.log('uploaded') });
 */
export function presignedPut(url: string, body: UploadBody | (() => UploadBody), options: TransferOptions = {}): Observable<never> {
  return new Observable<never>((subscriber) => {
    const controller = new AbortController();
    const payload = typeof body === 'function' ? body() : body;
    const headers: Record<string, string> = {};
    if (options.length !== undefined) headers['content-length'] = String(options.length);
    const linked = linkSignal(options.signal, controller, subscriber);
    if (linked === 'aborted') return;
    request(url, { method: 'PUT', body: payload, headers, signal: controller.signal, ...dispatcherOf(options) }).then(
      async (res) => {
        const text = await res.body.text();
        if (res.statusCode < 200 || res.statusCode >= 300) {
          subscriber.error(new ObjectTransferError('PUT', res.statusCode, text.slice(0, 500)));
        } else {
          subscriber.complete();
        }
      },
      (err: unknown) => subscriber.error(toTransferError(err, options.signal)),
    );
    return () => {
      linked();
      controller.abort();
      if (typeof payload === 'object' && 'destroy' in payload) payload.destroy();
    };
  });
}

/**
 * GETs a presigned URL and emits the body as it streams, chunk by chunk.
 * Cold; unsubscribing aborts and releases the connection.
 *
 * @example
 * presignedGet(url).pipe(reduce((n, c) => n + c.length, 0)).subscribe(console.log);
 */
export function presignedGet(url: string, options: TransferOptions = {}): Observable<Uint8Array> {
  return new Observable<Uint8Array>((subscriber) => {
    const controller = new AbortController();
    const linked = linkSignal(options.signal, controller, subscriber);
    if (linked === 'aborted') return;
    let body: Readable | undefined;
    request(url, { method: 'GET', signal: controller.signal, ...dispatcherOf(options) }).then(
      async (res) => {
        if (res.statusCode < 200 || res.statusCode >= 300) {
          const text = await res.body.text().catch(() => '');
          subscriber.error(new ObjectTransferError('GET', res.statusCode, text.slice(0, 500)));
          return;
        }
        body = res.body;
        if (subscriber.closed) {
          res.body.destroy();
          return;
        }
        res.body.on('data', (chunk: Buffer) => subscriber.next(chunk));
        res.body.once('error', (err) => subscriber.error(toTransferError(err, options.signal)));
        res.body.once('end', () => subscriber.complete());
      },
      (err: unknown) => subscriber.error(toTransferError(err, options.signal)),
    );
    return () => {
      linked();
      controller.abort();
      body?.destroy();
    };
  });
}

function dispatcherOf(options: TransferOptions): { dispatcher?: Dispatcher } {
  return options.dispatcher ? { dispatcher: options.dispatcher } : {};
}

function linkSignal(
  signal: AbortSignal | undefined,
  controller: AbortController,
  subscriber: { error(err: unknown): void },
): 'aborted' | (() => void) {
  if (signal === undefined) return () => undefined;
  if (signal.aborted) {
    subscriber.error(new APIUserAbortError(undefined, { cause: signal.reason }));
    return 'aborted';
  }
  const onAbort = (): void => {
    controller.abort();
    subscriber.error(new APIUserAbortError(undefined, { cause: signal.reason }));
  };
  signal.addEventListener('abort', onAbort, { once: true });
  return () => signal.removeEventListener('abort', onAbort);
}

function toTransferError(err: unknown, signal: AbortSignal | undefined): unknown {
  if (signal?.aborted) return new APIUserAbortError(undefined, { cause: err });
  return new APIConnectionError(err instanceof Error ? err.message : 'Presigned transfer failed.', { cause: err });
}
