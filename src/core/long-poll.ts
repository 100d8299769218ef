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
import { failAfter } from './deadline.js';
import { APIError, PollingTimeoutError, RunloopError } from './errors.js';

/**
 * Options of {@link longPoll}.
 *
 * @example
 * const options: LongPollOptions = { timeoutMs: 10 * 60_000 };
 */
export interface LongPollOptions {
  /** Overall deadline ⇒ {@link PollingTimeoutError}; none by default (waits forever). */
  readonly timeoutMs?: number;
}

function isRequestTimeout(err: unknown): boolean {
  return err instanceof APIError && err.status === 408;
}

/**
 * Re-issues `request$` (one `wait_for_status` call, sent with `maxRetries: 0`)
 * until a result satisfies `shouldStop`: a 408 re-issues at once, a 200 that
 * does not satisfy `shouldStop` is emitted and re-issued, any other error fails.
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
  return defer(() => {
    let last: T | undefined;
    return request$.pipe(
      // An empty answer would otherwise be re-issued in a tight loop.
      throwIfEmpty(() => new RunloopError('A long-poll request completed without a response')),
      retry({ delay: (err: unknown) => (isRequestTimeout(err) ? timer(0, scheduler) : throwError(() => err)) }),
      repeat({ delay: () => timer(0, scheduler) }),
      tap((value) => {
        last = value;
      }),
      takeWhile((value) => !shouldStop(value), true),
      failAfter<T>(options.timeoutMs, () => new PollingTimeoutError(last, options.timeoutMs ?? 0), scheduler),
    );
  });
}
