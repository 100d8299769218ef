import { EMPTY, catchError, defaultIfEmpty, mergeMap, take, throwError, type Observable, type OperatorFunction } from 'rxjs';
import { PollingTimeoutError } from '../../core/errors.js';

/**
 * Request options of the one GET that gives a timed-out wait its state: no
 * retries and a short timeout, so the deadline error is not held up long.
 *
 * @example
 * api.devboxes.retrieve('dbx_1', { signal, ...STATE_FETCH_OPTIONS });
 */
export const STATE_FETCH_OPTIONS = { maxRetries: 0, timeoutMs: 5_000 } as const;

/**
 * A `PollingTimeoutError` that carries no state (the deadline came before
 * any long-poll answered) is replaced by one carrying the state from
 * `state$` (one cheap GET, or a state already known); if that fails, the
 * original error stands.
 *
 * @example
 * waits$.pipe(withLastStateOnTimeout(api.devboxes.retrieve('dbx_1')));
 */
export function withLastStateOnTimeout<T, S>(state$: Observable<S>): OperatorFunction<T, T> {
  return catchError((err: unknown) => {
    if (!(err instanceof PollingTimeoutError) || err.lastValue !== undefined) return throwError(() => err);
    return state$.pipe(
      take(1),
      catchError(() => EMPTY),
      defaultIfEmpty(undefined),
      mergeMap((state) => throwError(() => (state === undefined ? err : new PollingTimeoutError(state, err.timeoutMs)))),
    );
  });
}

