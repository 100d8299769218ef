/**
 * An overall deadline for a stream, on a scheduler.
 */
import { Observable, asyncScheduler, type MonoTypeOperatorFunction, type SchedulerLike } from 'rxjs';

/**
 * Errors with `makeError()` if the source has not finished within `ms`
 * (measured on `scheduler` from subscription). `undefined` means no deadline.
 * Unlike `timeout`, this bounds the whole stream, not the gap between values.
 *
 * @example
 * polls$.pipe(failAfter(60_000, () => new Error('too slow')));
 */
export function failAfter<T>(
  ms: number | undefined,
  makeError: () => unknown,
  scheduler: SchedulerLike = asyncScheduler,
): MonoTypeOperatorFunction<T> {
  if (ms === undefined) return (source) => source;
  return (source) =>
    new Observable<T>((subscriber) => {
      const deadline = scheduler.schedule(() => subscriber.error(makeError()), ms);
      const subscription = source.subscribe(subscriber);
      return () => {
        deadline.unsubscribe();
        subscription.unsubscribe();
      };
    });
}
