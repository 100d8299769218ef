/**
 * The long-poll loop for `wait_for_status` (runloop-api.md §5).
 */
import {
  asyncScheduler,
  defer,
  repeat,
  retry,
  takeWhile,
  tap,
  throwError,
  throwIfEmpty,
  timer,
  type Observable,
  type SchedulerLike,
} from 'rxjs';
import { DEFAULT_MAX_RETRIES } from './client-options.js';
import { failAfter } from './deadline.js';
import { APIError, PollingTimeoutError, RunloopError } from './errors.js';
import { isRetryable, retryDelayMs } from './retry.js';

/**
 * Options of {@link longPoll}.
 *
 * @example
 * const options: LongPollOptions = { timeoutMs: 10 * 60_000 };
 */
export interface LongPollOptions {
  /** Overall deadline ⇒ {@link PollingTimeoutError}; none by default (waits forever). */
  readonly timeoutMs?: number;
  /**
   * Retryable failures (connection errors, 429, 5xx; see `isRetryable`) in a
   * row that the wait rides out, with the retry policy's backoff, before it
   * fails; a result resets the count. Default {@link DEFAULT_MAX_RETRIES}:
   * a server restart (SIGKILL, deploy) is waited through, not reported.
   */
  readonly maxRetries?: number;
  /** Jitter source in [0, 1) for the backoff; default `Math.random` (inject for deterministic tests). */
  readonly random?: () => number;
}

function isRequestTimeout(err: unknown): boolean {
  return err instanceof APIError && err.status === 408;
}

/**
 * Re-issues `request$` (one `wait_for_status` call, sent with `maxRetries: 0`)
 * until a result satisfies `shouldStop`: a 408 re-issues at once, a 200 that
 * does not satisfy `shouldStop` is emitted and re-issued, a retryable failure
 * re-issues after the retry policy's backoff (at most `maxRetries` in a row),
 * any other error fails.
 * Emits every 200 result; completes after the stopping one.
 *
 * Re-issues go through `timer(0, scheduler)` rather than synchronously so a
 * source that fails synchronously cannot blow the stack.
 *
 * @example
 * longPoll(api.devboxes.waitForStatus(id, ['running', 'failure', 'shutdown']),
 *          (d) => d.status !== 'provisioning' && d.status !== 'initializing', { timeoutMs: 600_000 })
 *   .pipe(last());
 */
export function longPoll<T>(
  request$: Observable<T>,
  shouldStop: (value: T) => boolean,
  options: LongPollOptions = {},
  scheduler: SchedulerLike = asyncScheduler,
): Observable<T> {
  const maxRetries = options.maxRetries ?? DEFAULT_MAX_RETRIES;
  const random = options.random ?? Math.random;
  return defer(() => {
    let last: T | undefined;
    let failures = 0;
    const delay = (err: unknown): Observable<unknown> => {
      if (isRequestTimeout(err)) return timer(0, scheduler);
      if (!isRetryable(err) || failures >= maxRetries) return throwError(() => err);
      return timer(retryDelayMs(err, failures++, random, scheduler.now()), scheduler);
    };
    return request$.pipe(
      // An empty answer would otherwise be re-issued in a tight loop.
      throwIfEmpty(() => new RunloopError('A long-poll request completed without a response')),
      tap(() => {
        failures = 0;
      }),
      retry({ delay }),
      repeat({ delay: () => timer(0, scheduler) }),
      tap((value) => {
        last = value;
      }),
      takeWhile((value) => !shouldStop(value), true),
      failAfter<T>(options.timeoutMs, () => new PollingTimeoutError(last, options.timeoutMs ?? 0), scheduler),
    );
  });
}
