/**
 * Secrets (issue 11 part 3): the `/v1/secrets` service, and the API other
 * areas use to turn a `secrets` map into environment values
 * (`ctx.services.secrets.resolve`). See README.md for where values live and
 * when devboxes see a new value.
 */
import type { LocalService, ServerContext, ServiceFactory } from '../context.js';
import { secretRoutes } from './routes.js';
import { SecretService } from './service.js';

export { SecretService } from './service.js';
export type { SecretPageQuery } from './service.js';
export { toSecretView } from './record.js';
export type { SecretRecord, SecretView } from './record.js';
export { SECRET_LIMITS, checkEnvironmentSize, isEnvName } from './rules.js';

declare module '../context.js' {
  interface ServiceMap {
    secrets: SecretService;
  }
}

/**
 * The secrets service: routes, `ctx.services.secrets`, and the data files made private on start.
 *
 * @example
 * startLocalServer({ services: [createSecretsService, ...devboxServices] });
 */
export const createSecretsService: ServiceFactory = (ctx: ServerContext): LocalService => {
  const secrets = new SecretService(ctx);
  ctx.registry.provide('secrets', secrets);
  const routes = secretRoutes(secrets);
  return {
    name: 'secrets',
    routes: () => routes,
    start: async () => secrets.protectFiles(),
  };
};
