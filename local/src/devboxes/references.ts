/**
 * Checks of ids that a request names but does not own: an unknown one is
 * refused at the door (404), never accepted and dropped. Network policies
 * are looked up in the network-policies service.
 */
import type { ServerContext } from '../context.js';
import { clip } from '../http/clip.js';
import { NotFoundError, UnprocessableError } from '../errors.js';
import type { EgressPolicy } from '../runtime/index.js';

/**
 * Checks a `network_policy_id` of a request: absent is fine; an unknown id
 * is a 404 naming `field`; a policy this server cannot enforce (plain-process
 * devboxes, which are no sandbox) is a 422. A host whose devboxes have
 * loopback only accepts any policy: nothing gets out either way.
 *
 * @example
 * requireNetworkPolicy(ctx, params.launch_parameters?.network_policy_id, 'launch_parameters.network_policy_id');
 */
export function requireNetworkPolicy(ctx: ServerContext, id: string | null | undefined, field: string): void {
  if (id === null || id === undefined) return;
  if (!ctx.registry.has('networkPolicies')) {
    throw new NotFoundError('network policy', id, {
      message: `${field}: network policy ${JSON.stringify(clip(id))} does not exist`,
    });
  }
  ctx.services.networkPolicies.require(id, field);
  const info = ctx.runtime?.info;
  if (info !== undefined && info.networkPolicies !== true && info.outboundNetwork !== false) {
    throw new UnprocessableError(
      'unsupported',
      `${field}: this server cannot enforce network policies (${info.mode} runtime without the host egress filter or ipset)`,
    );
  }
}

/**
 * The runtime's `egressPolicy` for a devbox or build under `id` (spread into
 * the spec): nothing without a policy, or where the runtime gives loopback only.
 *
 * @example
 * runtime.start({ id, stateDir, layers, limits, network: 'isolated', ...egressPolicyOf(ctx, record.launch_parameters.network_policy_id) });
 */
export function egressPolicyOf(ctx: ServerContext, id: string | null | undefined): { egressPolicy?: EgressPolicy } {
  if (id === null || id === undefined || ctx.runtime?.info.networkPolicies !== true) return {};
  return { egressPolicy: ctx.services.networkPolicies.egressPolicyOf(id) };
}
