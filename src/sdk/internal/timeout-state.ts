import {
  EMPTY,
  catchError,
  defaultIfEmpty,
  mergeMap,
  take,
  throwError,
  type Observable,
  type OperatorFunction,
} from 'rxjs';
import { PollingTimeoutError, type AwaitedState } from '../../core/errors.js';

/**
 * Request options of the one GET that gives a timed-out wait its state: no
 * retries and a short timeout, so the deadline error is not held up long.
 *
 * @example
 * api.devboxes.retrieve('dbx_1', { signal, ...STATE_FETCH_OPTIONS });
 */
export const STATE_FETCH_OPTIONS = { maxRetries: 0, timeoutMs: 5_000 } as const;

/**
 * Names what a timed-out wait waited for: a `PollingTimeoutError` is
 * replaced by one whose message names `awaited` and the last status.
 *
 * @example
 * polls$.pipe(describeTimeout({ resource: 'snapshot snp_1', state: 'complete' }));
 */
export function describeTimeout<T>(awaited: AwaitedState): OperatorFunction<T, T> {
  return catchError((err: unknown) =>
    throwError(() =>
      err instanceof PollingTimeoutError ? new PollingTimeoutError(err.lastValue, err.timeoutMs, awaited) : err,
    ),
  );
}

/**
 * A `PollingTimeoutError` that carries no state (the deadline came before
 * any long-poll answered) is given the state from `state$` (one cheap GET,
 * or a state already known; if that fails, none), and every such error is
 * described with `awaited` (see {@link describeTimeout}).
 *
 * @example
 * waits$.pipe(withLastStateOnTimeout(api.devboxes.retrieve('dbx_1'), { resource: 'devbox dbx_1', state: 'running' }));
 */
export function withLastStateOnTimeout<T, S>(state$: Observable<S>, awaited: AwaitedState): OperatorFunction<T, T> {
  return catchError((err: unknown) => {
    if (!(err instanceof PollingTimeoutError)) return throwError(() => err);
    if (err.lastValue !== undefined)
      return throwError(() => new PollingTimeoutError(err.lastValue, err.timeoutMs, awaited));
    return state$.pipe(
      take(1),
      catchError(() => EMPTY),
      defaultIfEmpty(undefined),
      mergeMap((state) => throwError(() => new PollingTimeoutError(state, err.timeoutMs, awaited))),
    );
  });
}
