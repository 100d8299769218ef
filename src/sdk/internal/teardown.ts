import type { Observable } from 'rxjs';
import type { TeardownErrorHandler, TeardownFailure } from '../options.js';

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
  process.emitWarning(`runloop-rx: ${failure.action} of ${failure.id} on teardown failed: ${reason}`, {
    type: 'RunloopTeardownWarning',
  });
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
