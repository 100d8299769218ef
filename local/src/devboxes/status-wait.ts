/**
 * The devbox `wait_for_status` long-poll as a stream: the first record of
 * the devbox whose status is one of those asked for, or `'timeout'` once the
 * hold time is over. It never yields a status that was not asked for.
 */
import { asyncScheduler, defer, filter, first, merge, type Observable, of, timeout, type SchedulerLike } from 'rxjs';

/**
 * Default hold of a devbox `wait_for_status` before answering 408, in ms.
 *
 * @example
 * new DevboxWaits(service, stopping, DEFAULT_DEVBOX_WAIT_MS);
 */
export const DEFAULT_DEVBOX_WAIT_MS = 25_000;

/**
 * The part of a devbox record the wait looks at.
 *
 * @example
 * const r: HasStatus = { id: 'dbx_1', status: 'running' };
 */
export interface HasStatus {
  readonly id: string;
  readonly status: string;
}

/**
 * Waits for devbox `id` to be in one of `statuses`. Subscribes to
 * `changes$` before reading `current()`, so a change in between is not missed.
 *
 * @example
 * awaitStatus(() => store.get(id), changes$, id, ['running'], 25_000).subscribe((r) => reply(r));
 */
export function awaitStatus<R extends HasStatus>(
  current: () => R | undefined,
  changes$: Observable<R>,
  id: string,
  statuses: readonly string[],
  holdMs: number,
  scheduler: SchedulerLike = asyncScheduler,
): Observable<R | 'timeout'> {
  const wanted = (r: R | undefined): r is R => r !== undefined && statuses.includes(r.status);
  return merge(
    changes$.pipe(filter((r) => r.id === id)),
    defer(() => of(current())),
  ).pipe(first(wanted), timeout({ first: holdMs, with: () => of('timeout' as const), scheduler }));
}
