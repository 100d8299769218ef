/**
 * `/v1/network-policies`: create, list, get, update, delete, in the shapes
 * the official client sends and expects (`NetworkPolicyView`, a page of
 * `network_policies`). Deletes are `POST …/:id/delete`, updates `POST …/:id`.
 */
import { EmptyParams } from 'runloop-rx/views';
import { json, route, type Route } from '../http/route.js';
import type { Page } from '../store/collection.js';
import { NetworkPolicyCreateParams, NetworkPolicyListQuery, NetworkPolicyUpdateParams } from './params.js';
import type { NetworkPolicyRecord } from './record.js';
import type { NetworkPolicies } from './service.js';

function page(result: Page<NetworkPolicyRecord>) {
  return {
    network_policies: result.items,
    has_more: result.hasMore,
    ...(result.totalCount !== undefined ? { total_count: result.totalCount } : {}),
  };
}

/**
 * Every network policy route.
 *
 * @example
 * router.add(networkPolicyRoutes(policies));
 */
export function networkPolicyRoutes(policies: NetworkPolicies): Route<any, any>[] {
  return [
    route({
      method: 'POST',
      path: '/v1/network-policies',
      body: NetworkPolicyCreateParams,
      handler: async ({ body }) => json(policies.create(body)),
    }),
    route({
      method: 'GET',
      path: '/v1/network-policies',
      query: NetworkPolicyListQuery,
      handler: async ({ query }) => json(page(policies.list(query))),
    }),
    route({
      method: 'GET',
      path: '/v1/network-policies/:id',
      handler: async ({ params }) => json(policies.get(params.id)),
    }),
    route({
      method: 'POST',
      path: '/v1/network-policies/:id',
      body: NetworkPolicyUpdateParams,
      handler: async ({ params, body }) => json(await policies.update(params.id, body)),
    }),
    route({
      method: 'POST',
      path: '/v1/network-policies/:id/delete',
      body: EmptyParams,
      handler: async ({ params }) => json(policies.delete(params.id)),
    }),
  ];
}
