/**
 * Ties a stream to a caller's AbortSignal.
 */
import { Observable, type MonoTypeOperatorFunction } from 'rxjs';
import { APIUserAbortError } from './errors.js';

/**
 * Errors with {@link APIUserAbortError} when `signal` aborts (or already has),
 * unsubscribing the source, which aborts any request in flight.
 *
 * @example
 * const controller = new AbortController();
 * caller.json(req, View).pipe(abortOn(controller.signal)).subscribe();
 */
export function abortOn<T>(signal: AbortSignal | undefined): MonoTypeOperatorFunction<T> {
  if (signal === undefined) return (source) => source;
  return (source) =>
    new Observable<T>((subscriber) => {
      if (signal.aborted) {
        subscriber.error(new APIUserAbortError(undefined, { cause: signal.reason }));
        return;
      }
      const onAbort = (): void => subscriber.error(new APIUserAbortError(undefined, { cause: signal.reason }));
      signal.addEventListener('abort', onAbort, { once: true });
      const subscription = source.subscribe(subscriber);
      return () => {
        signal.removeEventListener('abort', onAbort);
        subscription.unsubscribe();
      };
    });
}
