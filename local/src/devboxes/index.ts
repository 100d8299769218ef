/**
 * Devboxes (runloop-api.md §6): the service plugged into the server, and
 * the API other areas use through `ctx.services.devboxes`.
 */
import type { ObjectsApi } from '../objects/objects.js';
import type { LocalService, ServerContext, ServiceFactory } from '../context.js';
import type { MountObjects } from './mounts.js';
import { devboxRoutes } from './routes.js';
import { DevboxService } from './service.js';
import { DevboxWaits } from './waits.js';

export { DevboxService } from './service.js';
/** Hooks for other areas. @example devboxes.registerLayerResolver(resolver) */
export type { LayerResolution, LayerResolver, LiveDevbox, ShutdownGuard } from './service.js';
/** The stored devbox. @example const record: DevboxRecord = ctx.services.devboxes.get(id); */
export type { DevboxRecord, DevboxBoot } from './record.js';
export { toDevboxView } from './record.js';
export { DevboxWaits } from './waits.js';
export { limitsFor } from './limits.js';

declare module '../context.js' {
  interface ServiceMap {
    devboxes: DevboxService;
  }
}

/**
 * Environment override of the devbox `wait_for_status` hold (ms), for tests only; default 25 s.
 *
 * @example
 * process.env[DEVBOX_WAIT_ENV] = '1500'; // before starting a test server
 */
export const DEVBOX_WAIT_ENV = 'RUNLOOP_LOCAL_DEVBOX_WAIT_MS';

function holdFromEnv(): number | undefined {
  const value = Number(process.env[DEVBOX_WAIT_ENV]);
  return Number.isFinite(value) && value > 0 ? value : undefined;
}

/**
 * The devboxes service: routes, `ctx.services.devboxes`, restart
 * reconciliation on start, and shutdown of every devbox on stop.
 *
 * @example
 * startLocalServer({ services: [createObjectsService, createService] });
 */
export const createService: ServiceFactory = (ctx: ServerContext): LocalService => {
  const objects = (): ObjectsApi => ctx.services.objects;
  const mountObjects: MountObjects = {
    check: (id) => void objects().view(id),
    open: async (id) => {
      const content = await objects().open(id);
      return { contentType: content.contentType, body: content.stream };
    },
  };
  const devboxes = new DevboxService(ctx, mountObjects);
  const waits = new DevboxWaits(devboxes, ctx.stopping, holdFromEnv());
  ctx.registry.provide('devboxes', devboxes);
  const routes = devboxRoutes(devboxes, waits, ctx.now);
  return {
    name: 'devboxes',
    routes: () => routes,
    start: async () => devboxes.reconcile(),
    stop: () => devboxes.close(),
  };
};
