import { Observable } from 'rxjs';

/**
 * Starts something remote (a devbox, a command) so that it can never be
 * orphaned: `start$` runs in its own subscription that the caller's
 * unsubscribe does NOT abort (the request may already have created the
 * thing). If the caller leaves before the first value, `cleanUp(value)` runs
 * as soon as that value arrives; otherwise the value is passed on.
 *
 * @example
 * detachedStart(api.devboxes.createAndAwaitRunning(params), (view) => api.devboxes.shutdown(view.id).subscribe());
 */
export function detachedStart<T>(start$: Observable<T>, cleanUp: (value: T) => void): Observable<T> {
  return new Observable<T>((subscriber) => {
    let abandoned = false;
    let received = false;
    const subscription = start$.subscribe({
      next(value) {
        if (received) return;
        received = true;
        if (abandoned) cleanUp(value);
        else {
          subscriber.next(value);
          subscriber.complete();
        }
      },
      error(err: unknown) {
        if (!abandoned) subscriber.error(err);
      },
      complete() {
        if (!received && !abandoned) subscriber.complete();
      },
    });
    return () => {
      if (!received) abandoned = true;
      else subscription.unsubscribe();
    };
  });
}
