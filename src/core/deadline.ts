/**
 * An overall deadline for a stream, on a scheduler.
 */
import { Observable, Subscription, asyncScheduler, type MonoTypeOperatorFunction, type SchedulerLike } from 'rxjs';

/**
 * Errors with `makeError()` if the source has not finished within `ms`
 * (measured on `scheduler` from subscription). `undefined` means no deadline.
 * Unlike `timeout`, this bounds the whole stream, not the gap between values.
 *
 * At the deadline the source is unsubscribed FIRST (aborting whatever it has
 * in flight, e.g. a poll's request), then the error is delivered, so an error
 * handler that starts over never overlaps with the cancelled work.
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
      const deadlineAndSource = new Subscription();
      deadlineAndSource.add(
        scheduler.schedule(() => {
          deadlineAndSource.unsubscribe();
          subscriber.error(makeError());
        }, ms),
      );
      // A scheduler that runs a 0 ms action at once may already have failed us.
      // Not `source.subscribe(subscriber)`: that would hand back `subscriber`
      // itself, and cancelling the source would then swallow the error.
      if (!subscriber.closed) {
        deadlineAndSource.add(
          source.subscribe({
            next: (value) => subscriber.next(value),
            error: (err: unknown) => subscriber.error(err),
            complete: () => subscriber.complete(),
          }),
        );
      }
      return deadlineAndSource;
    });
}
