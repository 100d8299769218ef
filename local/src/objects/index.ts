/**
 * Storage objects (runloop-api.md §12): the service, and the API other
 * services use to read object content (`ctx.services.objects.open(id)`).
 */
import type { LocalService, ServerContext, ServiceFactory } from '../context.js';
import { ObjectExpiry } from './expiry.js';
import { StorageObjects, type ObjectContent } from './objects.js';
import { objectRoutes } from './routes.js';

export { StorageObjects, UPLOAD_URL_TTL_MS } from './objects.js';

/**
 * Opens a READ_ONLY object's bytes by id (for mounts and build contexts).
 * Unknown id ⇒ NotFoundError (404); not READ_ONLY ⇒ WrongStateError (409).
 *
 * @example
 * const { stream, contentType, sizeBytes } = await openObjectContent(ctx, 'obj_…');
 */
export function openObjectContent(ctx: ServerContext, id: string): Promise<ObjectContent> {
  return ctx.services.objects.open(id);
}
export type { ObjectContent, ObjectsApi } from './objects.js';
export { presignUrl, verifyPresigned, PRESIGNED_PREFIX } from './presign.js';
export type { PresignedOp, PresignedCheck } from './presign.js';
export type { ObjectRecord } from './record.js';

/**
 * The objects service: routes, the `objects` API, and ttl expiry.
 *
 * @example
 * startLocalServer({ services: [createObjectsService] });
 */
export const createObjectsService: ServiceFactory = (ctx: ServerContext): LocalService => {
  const objects = new StorageObjects(ctx);
  const expiry = new ObjectExpiry(objects, ctx.log, ctx.now);
  objects.onExpiryScheduled = (atMs) => expiry.poke(atMs);
  ctx.registry.provide('objects', objects);
  const routes = objectRoutes(objects, () => ctx.config.baseUrl);
  return {
    name: 'objects',
    routes: () => routes,
    start: async () => {
      await objects.blobs.init();
      await expiry.start();
    },
    stop: () => expiry.stop(),
  };
};
