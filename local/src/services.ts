/**
 * The services a full runloop-local server runs, in start order. Imported
 * statically on purpose: an area that fails to load fails the server's
 * start-up loudly instead of silently serving without its routes.
 */
import type { ServiceFactory } from './context.js';
import { createService as createBlueprintsService } from './blueprints/index.js';
import { createService as createDevboxesService } from './devboxes/index.js';
import { createService as createExecutionsService } from './executions/index.js';
import { createService as createFilesService } from './files/index.js';
import { createNetworkPoliciesService } from './network-policies/index.js';
import { createObjectsService } from './objects/index.js';
import { createSecretsService } from './secrets/index.js';
import { createService as createSnapshotsService } from './snapshots/index.js';
import { createService as createSshService } from './ssh/index.js';
import { createService as createTunnelsService } from './tunnels/index.js';
import { createDashboardService } from './dashboard/service.js';

/**
 * Every area's factory, in start order: a service only reads the services
 * before it in `start()` (snapshots needs devboxes, blueprints needs
 * snapshots). Stop runs in the reverse order.
 *
 * @example
 * // Every area plus a test-only service that starts last:
 * startLocalServer({ services: [...DEFAULT_SERVICES, (ctx) => ({ name: 'probe', routes: () => [] })] });
 */
export const DEFAULT_SERVICES: readonly ServiceFactory[] = [
  createNetworkPoliciesService,
  createObjectsService,
  createSecretsService,
  createDevboxesService,
  createExecutionsService,
  createFilesService,
  createSnapshotsService,
  createBlueprintsService,
  createTunnelsService,
  createSshService,
  // Last: its request hook must see only what tunnels (matched by Host) did not take.
  createDashboardService,
];
