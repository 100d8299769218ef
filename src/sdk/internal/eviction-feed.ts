import {
  asyncScheduler,
  defer,
  filter,
  map,
  repeat,
  retry,
  tap,
  throwError,
  timer,
  type Observable,
  type SchedulerLike,
} from 'rxjs';
import type { RunloopApi } from '../../api/index.js';
import { DevboxEvictionEventView } from '../../api/views/devbox.js';
import { decode, parseJson } from '../../core/decode.js';
import type { RequestOptions } from '../../core/request.js';
import { sseErrorToApiError } from '../../core/resumable-sse.js';
import { isRetryable } from '../../core/retry.js';

/** Reconnect delays of the eviction feed (runloop-api.md §14: 0.5 s doubling to 30 s). */
const FIRST_RECONNECT_MS = 500;
const MAX_RECONNECT_MS = 30_000;

/**
 * The eviction feed (GET `/v1/devboxes/evictions/watch`): one event per
 * devbox the server is about to evict. Never completes on its own: when the
 * server closes the stream, or the connection drops, or it answers a
 * retryable status (runloop-api.md §2), it reconnects after a delay doubling from 0.5 s to 30 s
 * (reset by every event). Other errors (401, 404 from a server without the
 * feed, a malformed event) fail the stream. Unsubscribing closes it. Events
 * are pushed as they arrive (no backpressure): a slow Observer should
 * buffer or drop on its side.
 *
 * @example
 * evictionFeed(api).subscribe((e) => console.warn(`${e.devbox_id} evicted at ${e.eviction_deadline_ms}`));
 */
export function evictionFeed(
  api: RunloopApi,
  options?: RequestOptions,
  scheduler: SchedulerLike = asyncScheduler,
): Observable<DevboxEvictionEventView> {
  return defer(() => {
    let reconnects = 0;
    const nextDelay = () => timer(Math.min(FIRST_RECONNECT_MS * 2 ** reconnects++, MAX_RECONNECT_MS), scheduler);
    return defer(() => api.devboxes.watchEvictions(options)).pipe(
      filter((message) => message.event === undefined || message.event === 'message' || message.event === 'error'),
      map((message) => {
        if (message.event === 'error') throw sseErrorToApiError(message);
        return decode(DevboxEvictionEventView, parseJson(message.data, DevboxEvictionEventView.name));
      }),
      tap(() => {
        reconnects = 0;
      }),
      repeat({ delay: nextDelay }),
      retry({ delay: (err: unknown) => (isRetryable(err) ? nextDelay() : throwError(() => err)) }),
    );
  });
}
