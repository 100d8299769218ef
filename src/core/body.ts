/**
 * Reading response bodies, and turning error statuses into typed errors
 * (always after reading the body, so the connection is reusable).
 */
import { Observable, of, switchMap, map, type OperatorFunction } from 'rxjs';
import { apiErrorFromResponse } from './api-error.js';
import { concatBytes } from './bytes.js';
import type { HttpInterceptor, HttpResponse } from './http.js';

/**
 * Collects a body into one `Uint8Array`. Only for bodies known to be small
 * (JSON, error bodies, text files); downloads should stream instead.
 *
 * @example
 * res.body.pipe(readAll()).subscribe((bytes) => console.log(bytes.byteLength));
 */
export function readAll(): OperatorFunction<Uint8Array, Uint8Array> {
  return (source) =>
    new Observable<Uint8Array>((subscriber) => {
      const chunks: Uint8Array[] = [];
      let size = 0;
      return source.subscribe({
        next: (chunk) => {
          chunks.push(chunk);
          size += chunk.byteLength;
        },
        error: (err: unknown) => subscriber.error(err),
        complete: () => {
          subscriber.next(chunks.length === 1 && chunks[0] ? chunks[0] : concatBytes(chunks, size));
          subscriber.complete();
        },
      });
    });
}

/** One decoder for every body: `decode` without `stream` keeps no state between calls, and making one per body costs. */
const utf8Decoder = new TextDecoder();

/**
 * Collects a body and decodes it as UTF-8 (a leading BOM is dropped).
 *
 * @example
 * res.body.pipe(readText()).subscribe((text) => console.log(text));
 */
export function readText(): OperatorFunction<Uint8Array, string> {
  return (source) =>
    source.pipe(
      readAll(),
      map((bytes) => utf8Decoder.decode(bytes)),
    );
}

/**
 * Passes 2xx responses through; for anything else reads the body and errors
 * with the status-mapped {@link APIError} (runloop-api.md §3).
 *
 * @example
 * transport(req).pipe(raiseForStatus(), switchMap((res) => res.body));
 */
export function raiseForStatus(): OperatorFunction<HttpResponse, HttpResponse> {
  return (source) =>
    source.pipe(
      switchMap((res) =>
        res.status >= 200 && res.status < 300
          ? of(res)
          : res.body.pipe(
              readText(),
              map((text) => {
                throw apiErrorFromResponse(res.status, res.headers, text);
              }),
            ),
      ),
    );
}

/**
 * The interceptor form of {@link raiseForStatus}; place it inside `withRetry`.
 *
 * @example
 * const send = chainInterceptors(transport, [withRetry({ maxRetries: 5 }), withStatusErrors()]);
 */
export function withStatusErrors(): HttpInterceptor {
  return (request, next) => next(request).pipe(raiseForStatus());
}
