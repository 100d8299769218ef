import type { Observable } from 'rxjs';

/**
 * Iterates an Observable with `for await`. Values that arrive faster than
 * the loop consumes them are queued; breaking out of the loop unsubscribes.
 * Backpressure caveat: an Observable cannot be paused, so the queue is
 * unbounded; memory stays flat only while the loop keeps up.
 *
 * @example
 * for await (const line of toAsyncIterable(execution.output$)) console.log(line.line);
 */
export function toAsyncIterable<T>(source: Observable<T>): AsyncIterable<T> {
  return {
    [Symbol.asyncIterator](): AsyncIterator<T> {
      const queue: T[] = [];
      let done = false;
      let failure: { error: unknown } | undefined;
      let wake: (() => void) | undefined;
      const subscription = source.subscribe({
        next(value) {
          queue.push(value);
          wake?.();
        },
        error(error: unknown) {
          failure = { error };
          wake?.();
        },
        complete() {
          done = true;
          wake?.();
        },
      });
      return {
        async next(): Promise<IteratorResult<T>> {
          for (;;) {
            if (queue.length > 0) return { value: queue.shift() as T, done: false };
            if (failure) throw failure.error;
            if (done) return { value: undefined, done: true };
            await new Promise<void>((resolve) => {
              wake = resolve;
            });
            wake = undefined;
          }
        },
        return(): Promise<IteratorResult<T>> {
          subscription.unsubscribe();
          done = true;
          return Promise.resolve({ value: undefined, done: true });
        },
      };
    },
  };
}
