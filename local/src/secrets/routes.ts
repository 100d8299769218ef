/**
 * The secret routes, as the official client calls them: create, list, get,
 * update and delete by name. Every answer is a view without the value.
 */
import { EmptyParams, PageQuery } from 'runloop-rx/views';
import { json, route, type Route } from '../http/route.js';
import { toSecretView } from './record.js';
import { SecretCreateBody, SecretUpdateBody } from './rules.js';
import type { SecretService } from './service.js';

/**
 * Every secret route.
 *
 * @example
 * router.add(secretRoutes(new SecretService(ctx)));
 */
export function secretRoutes(secrets: SecretService): Route<any, any>[] {
  return [
    route({
      method: 'POST',
      path: '/v1/secrets',
      body: SecretCreateBody,
      handler: async ({ body }) => json(toSecretView(secrets.create(body.name, body.value))),
    }),
    route({
      method: 'GET',
      path: '/v1/secrets',
      query: PageQuery,
      handler: async ({ query }) => {
        const page = secrets.list({
          ...(query.limit !== undefined ? { limit: query.limit } : {}),
          ...(query.starting_after !== undefined ? { startingAfter: query.starting_after } : {}),
          ...(query.include_total_count !== undefined ? { includeTotalCount: query.include_total_count } : {}),
        });
        const body: { secrets: unknown[]; has_more: boolean; total_count?: number } = {
          secrets: page.items.map(toSecretView),
          has_more: page.hasMore,
        };
        if (page.totalCount !== undefined) body.total_count = page.totalCount;
        return json(body);
      },
    }),
    route({
      method: 'GET',
      path: '/v1/secrets/:name',
      handler: async ({ params }) => json(toSecretView(secrets.get(params.name))),
    }),
    route({
      method: 'POST',
      path: '/v1/secrets/:name',
      body: SecretUpdateBody,
      handler: async ({ params, body }) => json(toSecretView(secrets.update(params.name, body.value))),
    }),
    route({
      method: 'POST',
      path: '/v1/secrets/:name/delete',
      body: EmptyParams,
      handler: async ({ params }) => json(toSecretView(secrets.delete(params.name))),
    }),
  ];
}
