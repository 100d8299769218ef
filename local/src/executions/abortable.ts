/**
 * Bridges a stream to the promise world of handlers: the first value, or
 * `undefined` when the client goes away (the subscription is dropped then,
 * so a long-poll or an SSE wait stops at once).
 */
import type { Observable } from 'rxjs';

/**
 * One 'abort' listener per signal, fanning out to every waiter: the server's
 * stopping signal serves every concurrent long-poll, and a listener each
 * would trip Node's MaxListeners warning for no leak at all.
 */
const waiters = new WeakMap<AbortSignal, Set<() => void>>();

function onAbortOf(signal: AbortSignal): Set<() => void> {
  let set = waiters.get(signal);
  if (set === undefined) {
    const created = new Set<() => void>();
    signal.addEventListener(
      'abort',
      () => {
        for (const waiter of [...created]) waiter();
      },
      { once: true },
    );
    waiters.set(signal, created);
    set = created;
  }
  return set;
}

/**
 * First value of `source$`; `undefined` if it completes empty or `signals` abort first.
 *
 * @example
 * const record = await firstOrAbort(awaitStatus(...), ctx.signal, server.stopping);
 */
export function firstOrAbort<T>(
  source$: Observable<T>,
  ...signals: ReadonlyArray<AbortSignal | undefined>
): Promise<T | undefined> {
  return new Promise<T | undefined>((resolve, reject) => {
    const live = signals.filter((s): s is AbortSignal => s !== undefined);
    if (live.some((s) => s.aborted)) return resolve(undefined);
    const onAbort = (): void => {
      settle();
      sub.unsubscribe();
      resolve(undefined);
    };
    const settle = (): void => {
      for (const s of live) onAbortOf(s).delete(onAbort);
    };
    for (const s of live) onAbortOf(s).add(onAbort);
    const sub = source$.subscribe({
      next: (v) => {
        settle();
        resolve(v);
      },
      error: (e: unknown) => {
        settle();
        reject(e);
      },
      complete: () => {
        settle();
        resolve(undefined);
      },
    });
  });
}
