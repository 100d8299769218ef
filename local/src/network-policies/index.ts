/**
 * Network policies (`/v1/network-policies`): the service, and the API the
 * devboxes and blueprints services use to look a policy up
 * (`ctx.services.networkPolicies.require(id, field)`). See README.md.
 */
import type { LocalService, ServerContext, ServiceFactory } from '../context.js';
import { networkPolicyRoutes } from './routes.js';
import { NetworkPolicies } from './service.js';

export { NetworkPolicies } from './service.js';
export type { NetworkPolicyRecord, PolicyEgress } from './record.js';
export { NETWORK_POLICY_ID_PREFIX, toEgressPolicy } from './record.js';

declare module '../context.js' {
  interface ServiceMap {
    networkPolicies: NetworkPolicies;
  }
}

/**
 * The network policies service.
 *
 * @example
 * startLocalServer({ services: [createNetworkPoliciesService, ...DEFAULT_SERVICES] });
 */
export const createNetworkPoliciesService: ServiceFactory = (ctx: ServerContext): LocalService => {
  const policies = new NetworkPolicies(ctx);
  ctx.registry.provide('networkPolicies', policies);
  const routes = networkPolicyRoutes(policies);
  return { name: 'network-policies', routes: () => routes };
};
