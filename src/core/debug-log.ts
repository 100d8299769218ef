/**
 * Request logging for `DEBUG=true` (runloop-api.md §1). Logs method, URL,
 * attempt, status and timing; never headers or bodies, which carry secrets.
 */
import { asyncScheduler, defer, tap, type SchedulerLike } from 'rxjs';
import type { HttpInterceptor } from './http.js';
import { RETRY_COUNT_HEADER } from './retry.js';

/**
 * Logs each attempt through `log`. Place it innermost (just before the
 * transport) to see every retry.
 *
 * @example
 * const send = chainInterceptors(transport, [withRetry({ maxRetries: 5 }), withDebugLog(console.error)]);
 */
export function withDebugLog(
  log: (line: string) => void = (line) => console.error(line),
  scheduler: SchedulerLike = asyncScheduler,
): HttpInterceptor {
  return (request, next) =>
    defer(() => {
      const started = scheduler.now();
      const url = new URL(request.url);
      const what = `${request.method} ${url.origin}${url.pathname} attempt=${request.headers[RETRY_COUNT_HEADER] ?? '0'}`;
      log(`runloop-rx → ${what}`);
      return next(request).pipe(
        tap({
          next: (res) => log(`runloop-rx ← ${what} status=${res.status} ${scheduler.now() - started}ms`),
          error: (err: unknown) =>
            log(`runloop-rx ✗ ${what} ${(err as Error)?.name ?? 'error'} ${scheduler.now() - started}ms`),
        }),
      );
    });
}
