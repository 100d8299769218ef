/**
 * Devbox files (runloop-api.md §8): read/write text, upload/download bytes.
 */
import { join } from 'node:path';
import type { LocalService, ServerContext, ServiceFactory } from '../context.js';
import type { DevboxService } from '../devboxes/service.js';
import { fileRoutes } from './routes.js';

export { fileError } from './errors.js';
export { receiveUpload } from './upload.js';

/**
 * The files service. Uses the devboxes service (`ctx.services.devboxes`).
 *
 * @example
 * startLocalServer({ services: [createObjectsService, createDevboxesService, createService] });
 */
export const createService: ServiceFactory = (ctx: ServerContext): LocalService => {
  const routes = fileRoutes((): DevboxService => ctx.services.devboxes, join(ctx.config.dataDir, 'uploads'));
  return { name: 'files', routes: () => routes };
};
