import { Observable, defer, of, switchMap, take, tap } from 'rxjs';
import { teardown, type SdkContext } from './context.js';
import { detachedStart } from './detached-start.js';
import type { TeardownFailure } from '../options.js';

/**
 * How a started resource is cleaned up: the request, and how a failure of
 * it sent in the background is reported (see `onTeardownError`).
 *
 * @example
 * const cleanUp: CleanUp<DevboxView> = { action: 'shutdown', id: (v) => v.id, request: (v) => api.devboxes.shutdown(v.id) };
 */
export interface CleanUp<R> {
  readonly action: TeardownFailure['action'];
  readonly id: (resource: R) => string;
  readonly request: (resource: R) => Observable<unknown>;
}

/**
 * One start-then-use-then-clean-up, as data (see {@link startThenUse}).
 *
 * @example
 * const spec: Lifecycle<ObjectView, StorageObject> = { start$, use, cleanUp, keep: 'untilDelivered' };
 */
export interface Lifecycle<R, T> {
  /** Starts the resource and answers with it (its first value is used). */
  readonly start$: Observable<R>;
  /**
   * Absent: the start is detached (the caller's unsubscribe cannot abort it,
   * since its answer is the only way to learn what to clean up). Present:
   * the start is aborted with the subscription, and `locate$` (if any)
   * finds the resource again by a client-chosen id so it can be cleaned up.
   */
  readonly abortable?: { readonly locate$?: Observable<R>; readonly locateId?: string };
  /** What the subscriber gets; `cleanUpNow` is the clean-up as an Observable, for work that ends with it in line. */
  readonly use: (resource: R, cleanUpNow: Observable<unknown>) => Observable<T>;
  readonly cleanUp: CleanUp<R>;
  /**
   * What ends the need to clean up in the background:
   * - `untilDelivered`: the first value (creates that are handed over);
   * - `untilComplete`: completion (a command that must not outlive its subscriber);
   * - `untilSettled`: completion or error, or `cleanUpNow` having been
   *   subscribed (scoped work that cleans up in line before it ends).
   */
  readonly keep: 'untilDelivered' | 'untilComplete' | 'untilSettled';
}

/**
 * The one way the SDK starts something remote and ties its clean-up to a
 * subscription, so nothing it started is ever orphaned: a create cancelled
 * mid-flight, a command whose subscriber left, a scoped devbox unsubscribed
 * from. Clean-ups that run after the subscriber left are sent in the
 * background and report failures to the context's teardown channel.
 *
 * @example
 * startThenUse(ctx, { start$: api.objects.create(p), use: (v) => upload(v), cleanUp: deleteObject, keep: 'untilDelivered' });
 */
export function startThenUse<R, T>(ctx: SdkContext, spec: Lifecycle<R, T>): Observable<T> {
  const { cleanUp, keep } = spec;
  const inBackground = (resource$: Observable<R>, id: string): void =>
    teardown(ctx, cleanUp.action, id, resource$.pipe(switchMap((resource) => cleanUp.request(resource))));
  return new Observable<T>((subscriber) => {
    let resource: R | undefined;
    let delivered = false;
    let settled = false;
    let cleanedInLine = false;
    const start$ =
      spec.abortable === undefined
        ? detachedStart(spec.start$, (late) => inBackground(of(late), cleanUp.id(late)))
        : spec.start$;
    const subscription = start$
      .pipe(
        take(1),
        tap((started) => {
          resource = started;
        }),
        switchMap((started) =>
          spec.use(
            started,
            defer(() => {
              cleanedInLine = true;
              return cleanUp.request(started);
            }),
          ),
        ),
      )
      .subscribe({
        next: (value) => {
          delivered = true;
          subscriber.next(value);
        },
        error: (err: unknown) => {
          settled = keep === 'untilSettled';
          subscriber.error(err);
        },
        complete: () => {
          settled = true;
          subscriber.complete();
        },
      });
    return () => {
      subscription.unsubscribe();
      const kept = settled || cleanedInLine || (keep === 'untilDelivered' && delivered);
      if (kept) return;
      if (resource !== undefined) inBackground(of(resource), cleanUp.id(resource));
      else if (spec.abortable?.locate$ !== undefined)
        inBackground(spec.abortable.locate$, spec.abortable.locateId ?? 'the resource being started');
    };
  });
}
