/**
 * Disk snapshots (runloop-api.md §10): the service plugged into the server,
 * and the API other areas use through `ctx.services.snapshots`.
 */
import type { LocalService, ServerContext, ServiceFactory } from '../context.js';
import type { Subscription } from 'rxjs';
import { snapshotRoutes } from './routes.js';
import { SnapshotService } from './service.js';

export { SnapshotService } from './service.js';
export type { SnapshotListOptions } from './service.js';
export type { SnapshotRecord, SnapshotStatusStrict } from './record.js';
export { layerChain, toSnapshotView } from './record.js';
export { LayerUsage, devboxLayerHolder } from './layer-usage.js';

declare module '../context.js' {
  interface ServiceMap {
    snapshots: SnapshotService;
  }
}

/**
 * The snapshots service: routes, `ctx.services.snapshots`, the `snapshot_id`
 * layer resolver, restart recovery and garbage collection of deleted layers.
 *
 * @example
 * startLocalServer({ services: [createObjectsService, createDevboxes, createService] });
 */
export const createService: ServiceFactory = (ctx: ServerContext): LocalService => {
  const snapshots = new SnapshotService(ctx);
  ctx.registry.provide('snapshots', snapshots);
  const routes = snapshotRoutes(snapshots);
  let ended: Subscription | undefined;
  return {
    name: 'snapshots',
    routes: () => routes,
    start: async () => {
      const devboxes = ctx.services.devboxes;
      devboxes.registerLayerResolver((params) => snapshots.resolve(params));
      // A plain shutdown waits for captures in flight (a timer's too); force=true does not.
      devboxes.registerShutdownGuard((id) =>
        snapshots.isCapturing(id) ? 'a disk snapshot is being captured' : undefined,
      );
      // A devbox that ends may free the layers of deleted snapshots.
      ended = devboxes.ended$.subscribe(() => void snapshots.collectGarbage().catch(() => undefined));
      await snapshots.recover();
    },
    stop: async () => {
      ended?.unsubscribe();
      await snapshots.close();
    },
  };
};
