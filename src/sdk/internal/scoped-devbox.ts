import {
  EMPTY,
  Observable,
  asyncScheduler,
  catchError,
  concatMap,
  defer,
  dematerialize,
  endWith,
  ignoreElements,
  materialize,
  of,
  switchMap,
  throwError,
  type ObservableInput,
  type SchedulerLike,
} from 'rxjs';
import { isTerminalDevboxStatus } from '../../api/views/devbox.js';
import { ConflictError, NotFoundError } from '../../core/errors.js';
import type { Devbox } from '../devbox.js';
import type { WaitOptions } from '../options.js';
import type { SdkContext } from './context.js';
import { startThenUse } from './lifecycle.js';
import { createDevbox } from './create-devbox.js';
import type { SdkDevboxCreateParams } from '../params/devbox.js';

/**
 * The shutdown that ends a scope, made to succeed whenever nothing is left
 * running: a 404 (already gone) is success; a 409 is success if a re-read
 * shows the devbox already terminal, and otherwise (e.g. a disk snapshot
 * still being captured) the shutdown is repeated with `force`, because
 * leaving the scope means leaving nothing behind. Any other failure errors.
 *
 * @example
 * scopeShutdown(ctx, 'dbx_1').subscribe({ complete: () => console.log('gone') });
 */
export function scopeShutdown(ctx: SdkContext, devboxId: string): Observable<never> {
  const goneIsFine = catchError((err: unknown) => (err instanceof NotFoundError ? EMPTY : throwError(() => err)));
  return defer(() => ctx.api.devboxes.shutdown(devboxId)).pipe(
    catchError((err: unknown) => {
      if (!(err instanceof ConflictError)) return throwError(() => err);
      return ctx.api.devboxes
        .retrieve(devboxId)
        .pipe(
          switchMap((view) =>
            isTerminalDevboxStatus(view.status) ? EMPTY : ctx.api.devboxes.shutdown(devboxId, { force: true }),
          ),
        );
    }),
    goneIsFine,
    ignoreElements(),
  );
}

/**
 * The scoped devbox (RxJS `using`; Python's `with`): creates a devbox, runs
 * `work(devbox)`, and shuts the devbox down (see {@link scopeShutdown}) when
 * the work completes, errors, or is unsubscribed.
 *
 * On completion and error the shutdown finishes BEFORE the result completes
 * or errors, so nothing is left running once you see the end. The work's
 * error always wins over a shutdown error. After successful work, a shutdown
 * failure that may have left the devbox running (5xx after retries, no
 * connection) replaces the completion, so you learn about it; the work's
 * values were already emitted. On unsubscribe the shutdown is sent in the
 * background and a failure goes to `onTeardownError`.
 *
 * @example
 * useDevbox(ctx, { name: 'tmp' }, (devbox) => devbox.cmd.exec('echo hi')).subscribe((r) => console.log(r.exitCode));
 */
export function useDevbox<T>(
  ctx: SdkContext,
  params: SdkDevboxCreateParams,
  work: (devbox: Devbox) => ObservableInput<T>,
  options: WaitOptions = {},
  scheduler: SchedulerLike = asyncScheduler,
): Observable<T> {
  return startThenUse<Devbox, T>(ctx, {
    // Abortable: createDevbox itself shuts down a devbox it created for a subscriber that left.
    start$: createDevbox(ctx, params, options, scheduler),
    abortable: {},
    use: (created, shutdownNow) =>
      // `defer`: a synchronous throw in `work` is an error like any other, so the shutdown comes first.
      defer(() => work(created)).pipe(
        materialize(),
        concatMap((notification) => {
          if (notification.kind === 'N') return of(notification);
          return shutdownNow.pipe(
            ignoreElements(),
            catchError((err: unknown) => (notification.kind === 'E' ? EMPTY : of({ kind: 'E' as const, error: err }))),
            endWith(notification),
          );
        }),
        dematerialize(),
      ),
    cleanUp: { action: 'shutdown', id: (devbox) => devbox.id, request: (devbox) => scopeShutdown(ctx, devbox.id) },
    keep: 'untilSettled',
  });
}
