import type { Observable } from 'rxjs';

/**
 * A clean-up the SDK sent on its own (a kill, a shutdown, a delete) that
 * failed. Nobody is subscribed to such a request any more, so its failure
 * goes to the one channel `RunloopSDKOptions.onTeardownError` instead of
 * being dropped.
 *
 * @example
 * const failure: TeardownFailure = { action: 'shutdown', id: 'dbx_1', error: new Error('503') };
 */
export interface TeardownFailure {
  /** What the SDK tried: kill a command, shut a devbox down, delete an object. */
  readonly action: 'kill' | 'shutdown' | 'delete';
  /** The execution, devbox or object id. */
  readonly id: string;
  readonly error: unknown;
}

/**
 * Receives every {@link TeardownFailure}. It must not throw.
 *
 * @example
 * const onTeardownError: TeardownErrorHandler = (f) => log.warn(`${f.action} ${f.id} failed`, f.error);
 */
export type TeardownErrorHandler = (failure: TeardownFailure) => void;

/**
 * The default channel: a Node process warning (printed to stderr once per
 * failure, observable with `process.on('warning')`), so a devbox that may
 * be left running is never silent.
 *
 * @example
 * warnOnTeardownError({ action: 'kill', id: 'exe_1', error: new Error('gone') });
 */
export const warnOnTeardownError: TeardownErrorHandler = (failure) => {
  const reason = failure.error instanceof Error ? failure.error.message : String(failure.error);
  process.emitWarning(`runloop-rx: ${failure.action} of ${failure.id} on teardown failed: ${reason}`, { type: 'RunloopTeardownWarning' });
};

/**
 * Sends a clean-up in the background (its caller has already left) and
 * routes a failure to `onError`, so it is neither awaited nor swallowed.
 *
 * @example
 * sendTeardown(api.devboxes.shutdown('dbx_1'), 'shutdown', 'dbx_1', warnOnTeardownError);
 */
export function sendTeardown(
  request$: Observable<unknown>,
  action: TeardownFailure['action'],
  id: string,
  onError: TeardownErrorHandler,
): void {
  request$.subscribe({
    error: (error: unknown) => {
      try {
        onError({ action, id, error });
      } catch {
        // A throwing handler must not turn into an unhandled error inside rxjs' teardown.
      }
    },
  });
}
