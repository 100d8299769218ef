/**
 * Fixed-interval polling until a terminal value (runloop-api.md §5).
 */
import {
  asyncScheduler,
  concat,
  defer,
  repeat,
  switchMap,
  takeWhile,
  tap,
  throwError,
  timer,
  type Observable,
  type SchedulerLike,
} from 'rxjs';
import { failAfter } from './deadline.js';
import { MaxAttemptsExceededError, PollingTimeoutError, RunloopConfigError } from './errors.js';

/**
 * How to poll. Defaults used by the SDK: interval 1000 ms, no timeout, no attempt cap.
 *
 * @example
 * const config: PollingConfig = { intervalMs: 1000, timeoutMs: 600_000 };
 */
export interface PollingConfig {
  /** Pause between the end of one poll and the start of the next (like the official client's `pollingIntervalMs`). */
  readonly intervalMs: number;
  /** Overall deadline from subscription ⇒ {@link PollingTimeoutError}; cancels the poll in flight. */
  readonly timeoutMs?: number;
  /** Most polls (subscriptions to `fetch$`) ⇒ {@link MaxAttemptsExceededError}; at least 1. */
  readonly maxAttempts?: number;
  /** Delay before the first poll; default 0. */
  readonly initialDelayMs?: number;
}

/** The first thing wrong with `config`, or `undefined`. */
function invalidPollingConfig(config: PollingConfig): string | undefined {
  const { intervalMs, timeoutMs, maxAttempts, initialDelayMs } = config;
  if (!(Number.isFinite(intervalMs) && intervalMs >= 0))
    return `intervalMs must be a finite number >= 0, got ${intervalMs}`;
  if (initialDelayMs !== undefined && !(Number.isFinite(initialDelayMs) && initialDelayMs >= 0)) {
    return `initialDelayMs must be a finite number >= 0, got ${initialDelayMs}`;
  }
  if (timeoutMs !== undefined && !(Number.isFinite(timeoutMs) && timeoutMs > 0))
    return `timeoutMs must be a finite number > 0, got ${timeoutMs}`;
  if (maxAttempts !== undefined && !(Number.isInteger(maxAttempts) && maxAttempts >= 1))
    return `maxAttempts must be an integer >= 1, got ${maxAttempts}`;
  return undefined;
}

/**
 * Polls `fetch$` until it emits a value for which `isTerminal` is true, and
 * emits every value seen, the terminal one last, then completes.
 *
 * One poll is one subscription to `fetch$`, lasting until it completes (a GET
 * emits once, then completes). Timeline:
 * - the first poll starts `initialDelayMs` (default 0) after subscription;
 * - each next poll starts `intervalMs` after the previous one COMPLETED without
 *   a terminal value. So polls never overlap, and a poll slower than the
 *   interval is never cancelled by the next one: it cannot starve. (This is
 *   the official client's "sleep `pollingIntervalMs` between polls".)
 * - A non-terminal value, including a status nobody knows yet, just waits for
 *   the next poll: never a busy loop. A terminal value ends the stream at
 *   once (a poll still open is unsubscribed).
 *
 * Failures (all cancel what is in flight):
 * - `maxAttempts` polls completed without a terminal value ⇒
 *   {@link MaxAttemptsExceededError} (`lastValue` = last value seen, `attempts`),
 *   when the last allowed poll completes;
 * - `timeoutMs` after subscription (pauses included) ⇒ {@link PollingTimeoutError}
 *   (`lastValue` = last value seen, or `undefined`), cancelling the poll in flight;
 * - an error of `fetch$` propagates as is (no retry here; `fetch$` has its own);
 * - an invalid `config` ⇒ {@link RunloopConfigError}, before any poll.
 *
 * Built as the design says, `timer` → `switchMap` → `takeWhile(notTerminal, true)`
 * → deadline, with the interval as `repeat`'s delay rather than a periodic
 * `timer`, whose ticks would cancel (switchMap) or skip (exhaustMap) slow polls.
 *
 * @example
 * // GET at 0 ms; it answers at 1.5 s: 'building'; next GET at 2.5 s (1 s later) ...
 * pollUntil(getBlueprint$, (bp) => !['queued', 'provisioning', 'building'].includes(bp.status),
 *           { intervalMs: 1000, timeoutMs: 600_000 })
 *   .pipe(last())
 *   .subscribe({ next: (bp) => console.log(bp.status), error: (e) => console.error(e) });
 */
export function pollUntil<T>(
  fetch$: Observable<T>,
  isTerminal: (value: T) => boolean,
  config: PollingConfig,
  scheduler: SchedulerLike = asyncScheduler,
): Observable<T> {
  return defer(() => {
    const invalid = invalidPollingConfig(config);
    if (invalid !== undefined) return throwError(() => new RunloopConfigError(`Invalid PollingConfig: ${invalid}`));
    const { intervalMs, maxAttempts, timeoutMs } = config;
    let last: T | undefined;
    let attempts = 0;
    const onePoll$ = defer(() => {
      attempts++;
      return fetch$;
    });
    // `repeat` resubscribes only once a poll has completed, after the pause:
    // at most one poll is ever open. The pause goes through the scheduler, so
    // a fetch$ that completes synchronously cannot recurse on the stack.
    const pollsUntilOutOfAttempts$ = onePoll$.pipe(
      repeat({
        ...(maxAttempts === undefined ? {} : { count: maxAttempts }),
        delay: () => timer(intervalMs, scheduler),
      }),
    );
    // Reached only when every allowed poll completed and none was terminal.
    const outOfAttempts$ = defer(() => throwError(() => new MaxAttemptsExceededError(last, attempts)));
    return concat(
      // This timer fires once, so switchMap never has a poll to cancel.
      timer(config.initialDelayMs ?? 0, scheduler).pipe(switchMap(() => pollsUntilOutOfAttempts$)),
      outOfAttempts$,
    ).pipe(
      tap((value) => {
        last = value;
      }),
      takeWhile((value) => !isTerminal(value), true),
      failAfter<T>(timeoutMs, () => new PollingTimeoutError(last, timeoutMs ?? 0), scheduler),
    );
  });
}
