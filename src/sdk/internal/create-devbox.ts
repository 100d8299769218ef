import { asyncScheduler, defer, map, of, type Observable, type SchedulerLike } from 'rxjs';
import type { DevboxView } from '../../api/views/devbox.js';
import { abortOn } from '../../core/abort.js';
import type { OwnedDevbox } from '../owned-devbox.js';
import type { WaitOptions } from '../options.js';
import { devboxCreateToWire, type SdkDevboxCreateParams } from '../params/devbox.js';
import { unabortableRequestOptions, type SdkContext } from './context.js';
import { startThenUse } from './lifecycle.js';
import { awaitDevboxStatus } from './devbox-waits.js';

/**
 * Creates a devbox with POST `create_and_await_running` and, unless it is
 * already running, long-polls until it is. Emits the running {@link Devbox}
 * and completes. Never orphans: if the subscriber leaves (or the signal
 * aborts) before the Devbox is emitted, the devbox is shut down as soon as
 * its id is known.
 *
 * @example
 * createDevbox(ctx, { name: 'dev' }).subscribe((devbox) => console.log(devbox.id));
 */
export function createDevbox(
  ctx: SdkContext,
  params: SdkDevboxCreateParams,
  options: WaitOptions = {},
  scheduler: SchedulerLike = asyncScheduler,
): Observable<OwnedDevbox> {
  return defer(() => {
    const body = devboxCreateToWire(params);
    return startThenUse<DevboxView, DevboxView>(ctx, {
      // Detached: the create's answer is the only way to learn the id to shut down.
      start$: ctx.api.devboxes.createAndAwaitRunning(body, unabortableRequestOptions(options)),
      // While waiting for `running`, leaving (or failing) shuts the new devbox down.
      use: (view) =>
        view.status === 'running' ? of(view) : awaitDevboxStatus(ctx.api, view.id, 'running', options, view, scheduler),
      cleanUp: { action: 'shutdown', id: (view) => view.id, request: (view) => ctx.api.devboxes.shutdown(view.id) },
      keep: 'untilDelivered',
    }).pipe(map((view) => ctx.ownedDevbox(view.id, view, scheduler)));
  }).pipe(abortOn(options.signal));
}
