/**
 * Bridges a stream to the promise world of handlers: the first value, or
 * `undefined` when the client goes away (the subscription is dropped then,
 * so a long-poll or an SSE wait stops at once).
 */
import type { Observable } from 'rxjs';

/**
 * First value of `source$`; `undefined` if it completes empty or `signals` abort first.
 *
 * @example
 * const record = await firstOrAbort(awaitStatus(...), ctx.signal, server.stopping);
 */
export function firstOrAbort<T>(source$: Observable<T>, ...signals: ReadonlyArray<AbortSignal | undefined>): Promise<T | undefined> {
  return new Promise<T | undefined>((resolve, reject) => {
    const live = signals.filter((s): s is AbortSignal => s !== undefined);
    if (live.some((s) => s.aborted)) return resolve(undefined);
    const onAbort = (): void => {
      settle();
      sub.unsubscribe();
      resolve(undefined);
    };
    const settle = (): void => {
      for (const s of live) s.removeEventListener('abort', onAbort);
    };
    for (const s of live) s.addEventListener('abort', onAbort, { once: true });
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
