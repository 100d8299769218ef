import { asyncScheduler, defer, map, of, type Observable, type SchedulerLike } from 'rxjs';
import type { DevboxCreateParams, DevboxView } from '../../api/views/devbox.js';
import type { Mount } from '../../api/views/mount.js';
import { abortOn } from '../../core/abort.js';
import type { OwnedDevbox } from '../owned-devbox.js';
import type { WaitOptions } from '../options.js';
import { unabortableRequestOptions, type SdkContext } from './context.js';
import { startThenUse } from './lifecycle.js';
import { awaitDevboxStatus } from './devbox-waits.js';

/**
 * Anything with an object id, e.g. a `StorageObject`.
 *
 * @example
 * const ref: ObjectRef = { id: 'obj_1' };
 */
export interface ObjectRef {
  readonly id: string;
}

/**
 * A mount: the API's union, or the shortcut `{ '/home/user/data.txt': storageObject }`
 * (one `object_mount` per key).
 *
 * @example
 * const mounts: SdkMount[] = [{ '/home/user/data.txt': obj }, { type: 'file_mount', target: '/etc/motd', content: 'hi' }];
 */
export type SdkMount = Mount | Readonly<Record<string, ObjectRef>>;

/**
 * Devbox create parameters, with the storage-object mount shortcut.
 *
 * @example
 * const params: SdkDevboxCreateParams = { name: 'dev', mounts: [{ '/data': archiveObject }] };
 */
export type SdkDevboxCreateParams = Omit<DevboxCreateParams, 'mounts'> & { readonly mounts?: readonly SdkMount[] | null };

/**
 * Expands the mount shortcut into API mounts.
 *
 * @example
 * toApiMounts([{ '/data/in.csv': obj }]); // [{ type: 'object_mount', object_id: obj.id, object_path: '/data/in.csv' }]
 */
export function toApiMounts(mounts: readonly SdkMount[]): Mount[] {
  return mounts.flatMap((mount): Mount[] => {
    if ('type' in mount && typeof mount.type === 'string') return [mount];
    return Object.entries(mount).map(([path, ref]) => ({
      type: 'object_mount',
      object_id: ref.id,
      object_path: path,
    }));
  });
}

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
    const { mounts, ...rest } = params;
    const body: DevboxCreateParams = mounts ? { ...rest, mounts: toApiMounts(mounts) } : rest;
    return startThenUse<DevboxView, DevboxView>(ctx, {
      // Detached: the create's answer is the only way to learn the id to shut down.
      start$: ctx.api.devboxes.createAndAwaitRunning(body, unabortableRequestOptions(options)),
      // While waiting for `running`, leaving (or failing) shuts the new devbox down.
      use: (view) => (view.status === 'running' ? of(view) : awaitDevboxStatus(ctx.api, view.id, 'running', options, view, scheduler)),
      cleanUp: { action: 'shutdown', id: (view) => view.id, request: (view) => ctx.api.devboxes.shutdown(view.id) },
      keep: 'untilDelivered',
    }).pipe(map((view) => ctx.ownedDevbox(view.id, view, scheduler)));
  }).pipe(abortOn(options.signal));
}
