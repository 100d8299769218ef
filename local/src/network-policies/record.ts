/**
 * A network policy as stored (one JSON document per policy in the store's
 * `network_policies` collection) and as the API shows it: the stored
 * document IS the view, so nothing is lost or invented between the two.
 */
import type { EgressPolicy } from '../runtime/index.js';

/**
 * The egress rules of a policy, in the API's field names.
 *
 * @example
 * const egress: PolicyEgress = { allow_all: false, allow_devbox_to_devbox: false, allowed_hostnames: ['github.com'], allowed_cidrs: [], allow_agent_gateway: false, allow_mcp_gateway: false, allow_runloop_mirrors: false };
 */
export interface PolicyEgress {
  readonly allow_all: boolean;
  readonly allow_devbox_to_devbox: boolean;
  readonly allowed_hostnames: readonly string[];
  /** Always empty here (refused at the door): kept because the official view has it. */
  readonly allowed_cidrs: readonly never[];
  readonly allow_agent_gateway: boolean;
  readonly allow_mcp_gateway: boolean;
  readonly allow_runloop_mirrors: boolean;
}

/**
 * One stored policy (= its `NetworkPolicyView`).
 *
 * @example
 * const view = policies.get('npo_…'); // NetworkPolicyRecord
 */
export interface NetworkPolicyRecord {
  readonly id: string;
  readonly name: string;
  readonly description: string | null;
  readonly create_time_ms: number;
  readonly update_time_ms: number;
  readonly egress: PolicyEgress;
}

/** The id prefix of network policies. @example newId(NETWORK_POLICY_ID_PREFIX) // 'npo_…' */
export const NETWORK_POLICY_ID_PREFIX = 'npo';

/**
 * What the runtime enforces for a devbox under `record`. Devbox-to-devbox
 * traffic goes through the server's listener (tunnels): `gateway` is where it listens.
 *
 * @example
 * toEgressPolicy(record, { host: '127.0.0.1', port: 4000 }); // { allowAll: false, hostnames: [...], devboxGateway: undefined }
 */
export function toEgressPolicy(record: NetworkPolicyRecord, gateway: { readonly host: string; readonly port: number }): EgressPolicy {
  const { egress } = record;
  return {
    allowAll: egress.allow_all,
    hostnames: egress.allow_all ? [] : egress.allowed_hostnames,
    devboxGateway: egress.allow_all || egress.allow_devbox_to_devbox ? gateway : undefined,
  };
}
