/**
 * A network policy as stored (one JSON document per policy in the store's
 * `network_policies` collection) and as the API shows it: the stored
 * document IS the view, so nothing is lost or invented between the two.
 */
import * as t from 'io-ts';
import type { EgressPolicy } from '../runtime/index.js';
import type { CollectionSpec } from '../store/collection.js';

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
  readonly allowed_cidrs: readonly unknown[];
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
export function toEgressPolicy(
  record: NetworkPolicyRecord,
  gateway: { readonly host: string; readonly port: number },
): EgressPolicy {
  const { egress } = record;
  return {
    allowAll: egress.allow_all,
    hostnames: egress.allow_all ? [] : egress.allowed_hostnames,
    devboxGateway: egress.allow_all || egress.allow_devbox_to_devbox ? gateway : undefined,
  };
}

/**
 * The `network_policies` collection: stored rows are decoded, never cast; filter by name.
 *
 * @example
 * store.collection('network_policies', NETWORK_POLICIES_COLLECTION)
 */
export const NETWORK_POLICIES_COLLECTION: CollectionSpec<NetworkPolicyRecord> = {
  codec: t.type({
    id: t.string,
    name: t.string,
    description: t.union([t.string, t.null]),
    create_time_ms: t.number,
    update_time_ms: t.number,
    egress: t.type({
      allow_all: t.boolean,
      allow_devbox_to_devbox: t.boolean,
      allowed_hostnames: t.array(t.string),
      allowed_cidrs: t.array(t.unknown),
      allow_agent_gateway: t.boolean,
      allow_mcp_gateway: t.boolean,
      allow_runloop_mirrors: t.boolean,
    }),
  }),
  createdAt: (record) => record.create_time_ms,
  indexes: { name: (record) => record.name },
};
