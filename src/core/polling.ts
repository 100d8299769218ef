/**
 * Fixed-interval polling until a terminal value (runloop-api.md §5).
 */
import {
  asyncScheduler,
  defer,
  exhaustMap,
  takeWhile,
  tap,
  timer,
  type Observable,
  type SchedulerLike,
} from 'rxjs';
import { failAfter } from './deadline.js';
import { MaxAttemptsExceededError, PollingTimeoutError } from './errors.js';

/**
 * How to poll. Defaults used by the SDK: interval 1000 ms, no timeout, no attempt cap.
 *
 * @example
 * const config: PollingConfig = { intervalMs: 1000, timeoutMs: 600_000 };
 */
export interface PollingConfig {
  /** Time between the starts of two polls. */
  readonly intervalMs: number;
  /** Overall deadline from subscription ⇒ {@link PollingTimeoutError}. */
  readonly timeoutMs?: number;
  /** Most polls ⇒ {@link MaxAttemptsExceededError}. */
  readonly maxAttempts?: number;
  /** Delay before the first poll; default 0. */
  readonly initialDelayMs?: number;
}

/**
 * Polls `fetch$` on `timer(initialDelay, interval)` and emits every value,
 * completing after the first one for which `isTerminal` is true. Values that
 * are not terminal (including statuses nobody knows yet) just wait for the
 * next tick: never a busy loop.
 *
 * `exhaustMap`, not `switchMap`: a poll slower than the interval is never
 * cancelled by the next tick (that could starve forever); ticks that fall
 * during an in-flight poll are skipped instead. Errors of `fetch$` propagate.
 *
 * @example
 * pollUntil(getBlueprint$, (bp) => !['queued', 'provisioning', 'building'].includes(bp.status), { intervalMs: 1000 })
 *   .pipe(last())
 *   .subscribe((bp) => console.log(bp.status));
 */
export function pollUntil<T>(
  fetch$: Observable<T>,
  isTerminal: (value: T) => boolean,
  config: PollingConfig,
  scheduler: SchedulerLike = asyncScheduler,
): Observable<T> {
  return defer(() => {
    let last: T | undefined;
    let attempts = 0;
    const { maxAttempts, timeoutMs } = config;
    return timer(config.initialDelayMs ?? 0, config.intervalMs, scheduler).pipe(
      exhaustMap(() => {
        attempts++;
        return fetch$;
      }),
      tap((value) => {
        last = value;
        if (!isTerminal(value) && maxAttempts !== undefined && attempts >= maxAttempts) {
          throw new MaxAttemptsExceededError(value, attempts);
        }
      }),
      takeWhile((value) => !isTerminal(value), true),
      failAfter<T>(timeoutMs, () => new PollingTimeoutError(last, timeoutMs ?? 0), scheduler),
    );
  });
}
