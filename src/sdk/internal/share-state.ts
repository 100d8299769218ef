import { ReplaySubject, share, type MonoTypeOperatorFunction } from 'rxjs';

/**
 * Shares a state stream: one upstream while anyone listens, the latest
 * value replayed to each late subscriber at once, and a clean restart once
 * the last subscriber left or the stream ended (so a stale state is never
 * replayed to someone arriving later). `shareReplay` without `refCount`
 * would keep a never-ending poll alive forever.
 *
 * @example
 * const info$ = watchDevbox(api, 'dbx_1').pipe(shareState());
 */
export function shareState<T>(): MonoTypeOperatorFunction<T> {
  return share<T>({
    connector: () => new ReplaySubject<T>(1),
    resetOnError: true,
    resetOnComplete: true,
    resetOnRefCountZero: true,
  });
}
