/**
 * The retry policy of runloop-api.md §2, as an interceptor and as an operator.
 */
import {
  Observable,
  asyncScheduler,
  defer,
  identity,
  map,
  of,
  retry,
  switchMap,
  take,
  throwError,
  timer,
  type MonoTypeOperatorFunction,
  type SchedulerLike,
  type Subscription,
} from 'rxjs';
import { APIConnectionError, APIError, APIUserAbortError } from './errors.js';
import { isStreamingBody, type HttpInterceptor, type HttpResponse } from './http.js';
import { readAll } from './body.js';
import { checkResumed, identityOf, resumeHeaders } from './resume.js';

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
export function retryPolicy<T>(
  options: RetryOptions,
  scheduler: SchedulerLike = asyncScheduler,
): MonoTypeOperatorFunction<T> {
  const random = options.random ?? Math.random;
  return retry<T>({
    count: options.maxRetries,
    delay: (err: unknown, retryNumber: number) =>
      isRetryable(err)
        ? timer(retryDelayMs(err, retryNumber - 1, random, scheduler.now()), scheduler)
        : throwError(() => err),
  });
}

/** The retries one call may still spend, shared by its re-sends and its download resumes. */
interface RetryBudget {
  left: number;
  done: number;
}

/**
 * The retry interceptor: re-sends the same request (same body, same
 * `x-request-id`) with an incremented {@link RETRY_COUNT_HEADER}. Must sit
 * outside the interceptor that turns statuses into errors.
 * `request.maxRetries` overrides `defaults.maxRetries` per call. A request
 * with a one-shot streaming body is never re-sent. A `buffered` request's
 * body is read inside the retry, so a body cut mid-way is re-sent too. For a `resumable`
 * request, a body cut mid-way is resumed with `Range: bytes=N-` (see
 * `resume.ts`); resumes spend the same budget as re-sends.
 *
 * @example
 * const send = chainInterceptors(transport, [withRetry({ maxRetries: 5 }), withStatusErrors()]);
 */
export function withRetry(defaults: RetryOptions, scheduler: SchedulerLike = asyncScheduler): HttpInterceptor {
  const random = defaults.random ?? Math.random;
  return (request, next) =>
    defer(() => {
      let attempt = 0;
      const oneShot = isStreamingBody(request.body) && !request.body.replayable;
      const budget: RetryBudget = { left: oneShot ? 0 : (request.maxRetries ?? defaults.maxRetries), done: 0 };
      const delayFor = (err: unknown): Observable<unknown> | undefined => {
        if (!isRetryable(err) || budget.left <= 0) return undefined;
        budget.left--;
        return timer(retryDelayMs(err, budget.done++, random, scheduler.now()), scheduler);
      };
      const sendWithRetries = (headers: Readonly<Record<string, string>>): Observable<HttpResponse> =>
        defer(() =>
          next({ ...request, headers: { ...request.headers, ...headers, [RETRY_COUNT_HEADER]: String(attempt++) } }),
        ).pipe(
          request.buffered === true
            ? switchMap((res) =>
                res.body.pipe(
                  readAll(),
                  map((bytes) => ({ ...res, body: of(bytes) })),
                ),
              )
            : identity,
          retry({ delay: (err: unknown) => delayFor(err) ?? throwError(() => err) }),
        );
      const first = sendWithRetries({});
      if (request.resumable !== true) return first;
      return first.pipe(
        map((res) =>
          res.status >= 200 && res.status < 300 ? { ...res, body: resumingBody(res, sendWithRetries, delayFor) } : res,
        ),
      );
    });
}

/**
 * The body of `first`, continued from where it broke off: on a retryable
 * error mid-body, after the policy's delay, the rest is asked for with
 * `Range` and checked to be the same content before its bytes are passed on.
 */
function resumingBody(
  first: HttpResponse,
  send: (headers: Readonly<Record<string, string>>) => Observable<HttpResponse>,
  delayFor: (err: unknown) => Observable<unknown> | undefined,
): Observable<Uint8Array> {
  return new Observable<Uint8Array>((subscriber) => {
    const identity = identityOf(first);
    let received = 0;
    let current: Subscription | undefined;
    const read = (res: HttpResponse): void => {
      current = res.body.subscribe({
        next: (chunk) => {
          received += chunk.byteLength;
          subscriber.next(chunk);
        },
        complete: () => subscriber.complete(),
        error: (err: unknown) => resume(err),
      });
    };
    const resume = (err: unknown): void => {
      if (identity.totalBytes !== undefined && received >= identity.totalBytes) {
        // Everything arrived; only the connection's end was lost.
        subscriber.complete();
        return;
      }
      const delay = delayFor(err);
      if (delay === undefined) {
        subscriber.error(err);
        return;
      }
      current = delay
        .pipe(
          take(1),
          switchMap(() => send(resumeHeaders(received, identity))),
        )
        .subscribe({
          next: (res) => {
            try {
              checkResumed(res, received, identity);
            } catch (mismatch) {
              res.body.subscribe({ error: () => undefined }).unsubscribe();
              subscriber.error(mismatch);
              return;
            }
            read(res);
          },
          error: (sendErr: unknown) => subscriber.error(sendErr),
        });
    };
    read(first);
    return () => current?.unsubscribe();
  });
}
