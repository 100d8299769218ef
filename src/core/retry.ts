/**
 * The retry policy of runloop-api.md §2, as an interceptor and as an operator.
 */
import { asyncScheduler, defer, retry, throwError, timer, type MonoTypeOperatorFunction, type Observable, type SchedulerLike } from 'rxjs';
import { APIConnectionError, APIError, APIUserAbortError } from './errors.js';
import type { HttpInterceptor, HttpResponse } from './http.js';

/**
 * Header carrying the attempt number: 0 on the first attempt, then 1, 2, …
 * (the name the official client uses, so servers can log retries alike).
 *
 * @example
 * const attempt = Number(req.headers[RETRY_COUNT_HEADER]);
 */
export const RETRY_COUNT_HEADER = 'x-stainless-retry-count';

const MAX_BACKOFF_MS = 60_000;
const INITIAL_BACKOFF_MS = 1_000;

/**
 * Whether an error is worth another attempt: `x-should-retry` wins; else
 * 408/409/429/>=500 and connection errors/timeouts. Never a caller abort.
 *
 * @example
 * isRetryable(new APIConnectionError()); // true
 */
export function isRetryable(err: unknown): boolean {
  if (err instanceof APIUserAbortError) return false;
  if (err instanceof APIConnectionError) return true;
  if (!(err instanceof APIError) || err.status === undefined) return false;
  const header = err.headers?.['x-should-retry']?.trim().toLowerCase();
  if (header === 'true') return true;
  if (header === 'false') return false;
  return err.status === 408 || err.status === 409 || err.status === 429 || err.status >= 500;
}

function headerDelayMs(err: unknown, nowMs: number): number | undefined {
  if (!(err instanceof APIError) || err.headers === undefined) return undefined;
  const ms = err.headers['retry-after-ms'];
  if (ms !== undefined && ms.trim() !== '') {
    const value = Number(ms);
    if (Number.isFinite(value) && value >= 0) return value;
  }
  const after = err.headers['retry-after'];
  if (after !== undefined && after.trim() !== '') {
    const seconds = Number(after);
    if (Number.isFinite(seconds)) return seconds >= 0 ? seconds * 1000 : undefined;
    const date = Date.parse(after);
    if (Number.isFinite(date)) return Math.max(0, date - nowMs);
  }
  return undefined;
}

/**
 * The delay before the next attempt: `retry-after-ms`, then `retry-after`
 * (seconds or HTTP date), then `min(1 s·2^k, 60 s)·(1 − U[0, 0.25))` where
 * `k` is the number of retries already done.
 *
 * @example
 * retryDelayMs(new APIConnectionError(), 2, () => 0, Date.now()); // 4000
 */
export function retryDelayMs(err: unknown, retriesDone: number, random: () => number, nowMs: number): number {
  const fromHeaders = headerDelayMs(err, nowMs);
  if (fromHeaders !== undefined) return fromHeaders;
  const base = Math.min(INITIAL_BACKOFF_MS * 2 ** retriesDone, MAX_BACKOFF_MS);
  return base * (1 - random() * 0.25);
}

/**
 * Options for the retry policy; both are injectable for deterministic tests.
 *
 * @example
 * const policy: RetryOptions = { maxRetries: 2, random: () => 0 };
 */
export interface RetryOptions {
  readonly maxRetries: number;
  /** Jitter source in [0, 1); default `Math.random`. */
  readonly random?: () => number;
}

/**
 * Retries a cold source per the policy, waiting on `scheduler`.
 *
 * @example
 * get$.pipe(retryPolicy({ maxRetries: 5 })).subscribe();
 */
export function retryPolicy<T>(options: RetryOptions, scheduler: SchedulerLike = asyncScheduler): MonoTypeOperatorFunction<T> {
  const random = options.random ?? Math.random;
  return retry<T>({
    count: options.maxRetries,
    delay: (err: unknown, retryNumber: number) =>
      isRetryable(err) ? timer(retryDelayMs(err, retryNumber - 1, random, scheduler.now()), scheduler) : throwError(() => err),
  });
}

/**
 * The retry interceptor: re-sends the same request (same body, same
 * `x-request-id`) with an incremented {@link RETRY_COUNT_HEADER}. Must sit
 * outside the interceptor that turns statuses into errors.
 * `request.maxRetries` overrides `defaults.maxRetries` per call.
 *
 * @example
 * const send = chainInterceptors(transport, [withRetry({ maxRetries: 5 }), withStatusErrors()]);
 */
export function withRetry(defaults: RetryOptions, scheduler: SchedulerLike = asyncScheduler): HttpInterceptor {
  return (request, next) =>
    defer(() => {
      let attempt = 0;
      const send = (): Observable<HttpResponse> =>
        next({ ...request, headers: { ...request.headers, [RETRY_COUNT_HEADER]: String(attempt++) } });
      return defer(send).pipe(
        retryPolicy({ ...defaults, maxRetries: request.maxRetries ?? defaults.maxRetries }, scheduler),
      );
    });
}
