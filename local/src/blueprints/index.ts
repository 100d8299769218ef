/**
 * Blueprints (runloop-api.md §11): the service plugged into the server, and
 * the API other areas use through `ctx.services.blueprints`.
 */
import type { Subscription } from 'rxjs';
import type { LocalService, ServerContext, ServiceFactory } from '../context.js';
import { blueprintRoutes } from './routes.js';
import { BlueprintService } from './service.js';
import { blueprintChain } from './record.js';

export { BlueprintService } from './service.js';
export type { BlueprintRecord, BlueprintStatusStrict } from './record.js';
export { blueprintChain, toBlueprintView } from './record.js';
export { previewDockerfile } from './routes.js';
export { parseDockerfile, type Instruction, type CommandForm } from './dockerfile/parse.js';
export { planBuild, type BuildPlan, type BuildStep, type ImageMetadata } from './dockerfile/plan.js';
export { DockerfileError, type DockerfileErrorCode } from './dockerfile/errors.js';
export { runBuild, BuildFailedError, type BuildJob, type BuildOutcome, type BuildPhase } from './executor.js';

declare module '../context.js' {
  interface ServiceMap {
    blueprints: BlueprintService;
  }
}

/**
 * The blueprints service: routes, `ctx.services.blueprints`, the
 * `blueprint_id`/`blueprint_name` layer resolver, restart recovery.
 * Needs the snapshots service (layer usage, dependent snapshots).
 *
 * @example
 * startLocalServer({ services: [createObjectsService, createDevboxes, createSnapshots, createService] });
 */
export const createService: ServiceFactory = (ctx: ServerContext): LocalService => {
  const blueprints = new BlueprintService(ctx);
  ctx.registry.provide('blueprints', blueprints);
  const routes = blueprintRoutes(blueprints);
  let ended: Subscription | undefined;
  return {
    name: 'blueprints',
    routes: () => routes,
    start: async () => {
      const snapshots = ctx.services.snapshots;
      snapshots.blueprintEnvironment = (id) => blueprints.environmentOf(id);
      snapshots.layerUsage.addHolder(() => blueprints.records.all({ state: 'created' }).map(blueprintChain));
      ctx.services.devboxes.registerLayerResolver((params) => blueprints.resolve(params));
      // A devbox that ends may free the layers of deleted blueprints.
      ended = ctx.services.devboxes.ended$.subscribe(() => void blueprints.collectGarbage().catch(() => undefined));
      await blueprints.recover();
    },
    stop: async () => {
      ended?.unsubscribe();
      await blueprints.close();
    },
  };
};
