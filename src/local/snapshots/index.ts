/**
 * Disk snapshots (runloop-api.md §10): the service plugged into the server,
 * and the API other areas use through `ctx.services.snapshots`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { LocalService, ServerContext, ServiceFactory } from '../context.js';
import { isAuthorized } from '../http/handler.js';
import { writeJson } from '../http/reply.js';
import type { Subscription } from 'rxjs';
import { applyEnvironmentDefaults } from './environment-defaults.js';
import { snapshotRoutes } from './routes.js';
import { SnapshotService } from './service.js';

export { SnapshotService } from './service.js';
export type { LayerResolutionWithEnv, SnapshotListOptions } from './service.js';
export type { SnapshotRecord, SnapshotStatusStrict } from './record.js';
export { layerChain, toSnapshotView } from './record.js';
export { LayerUsage, devboxLayerHolder } from './layer-usage.js';

declare module '../context.js' {
  interface ServiceMap {
    snapshots: SnapshotService;
  }
}

const SHUTDOWN_PATH = /^\/v1\/devboxes\/([^/?]+)\/shutdown(?:\?(.*))?$/;

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
      // A devbox that ends may free the layers of deleted snapshots.
      ended = devboxes.changes$.subscribe((record) => {
        // Synchronous on purpose: it must land before the new devbox boots.
        applyEnvironmentDefaults(devboxes.records, record, (r) => snapshots.environmentDefaultsOf(r));
        if (record.status === 'shutdown' || record.status === 'failure') void snapshots.collectGarbage().catch(() => undefined);
      });
      await snapshots.recover();
    },
    stop: async () => {
      ended?.unsubscribe();
      await snapshots.close();
    },
    // Stopgap until the devboxes area offers a shutdown guard: a shutdown
    // while a snapshot is being captured is refused with 409 unless `force=true`.
    interceptRequest: (req: IncomingMessage, res: ServerResponse) => {
      if (req.method !== 'POST') return false;
      const match = SHUTDOWN_PATH.exec(req.url ?? '');
      if (!match || !snapshots.isCapturing(decodeURIComponent(match[1]!))) return false;
      if (!isAuthorized(req.headers.authorization, ctx.config.token)) return false; // let the router answer 401
      if (new URLSearchParams(match[2] ?? '').get('force') === 'true') return false;
      req.resume();
      writeJson(res, 409, { error: 'snapshot_in_progress', message: `devbox ${match[1]} has a disk snapshot in progress; retry later or pass force=true` }, { 'x-should-retry': 'false' });
      return true;
    },
  };
};
