/**
 * The request shapes of `/v1/network-policies`, as io-ts codecs: types and
 * lengths at the door (the HTTP layer turns a failed decode into a 400 that
 * names the field); hostname syntax and cross-field rules in `rules.ts`.
 */
import * as t from 'io-ts';
import { PageQuery } from 'runloop-rx/views';

/** Limits of one policy's fields. @example POLICY_LIMITS.hostnames // 256 */
export const POLICY_LIMITS = { nameChars: 256, descriptionChars: 1000, hostnames: 256, hostnameChars: 253 } as const;

const bounded = (max: number, what: string): t.Type<string, string, unknown> =>
  t.refinement(t.string, (s) => s.length <= max && !s.includes('\0'), `${what} (at most ${max} characters, no NUL)`);
const nullable = <C extends t.Mixed>(codec: C) => t.union([codec, t.null]);

const Name = t.refinement(
  bounded(POLICY_LIMITS.nameChars, 'string'),
  (s) => s.trim().length > 0,
  `non-empty string (at most ${POLICY_LIMITS.nameChars} characters)`,
);
const Description = bounded(POLICY_LIMITS.descriptionChars, 'string');
const Hostnames = t.refinement(
  t.array(bounded(POLICY_LIMITS.hostnameChars, 'hostname')),
  (list) => list.length <= POLICY_LIMITS.hostnames,
  `array of at most ${POLICY_LIMITS.hostnames} hostnames`,
);

const PortRule = t.intersection([
  t.type({ port: t.number }),
  t.partial({ end_port: nullable(t.number), protocol: nullable(t.string) }),
]);
const AllowedCidr = t.intersection([t.type({ cidr: t.string }), t.partial({ ports: nullable(t.array(PortRule)) })]);

const RuleFields = {
  allow_all: nullable(t.boolean),
  allow_devbox_to_devbox: nullable(t.boolean),
  allowed_hostnames: nullable(Hostnames),
  allow_agent_gateway: nullable(t.boolean),
  allow_mcp_gateway: nullable(t.boolean),
  allow_runloop_mirrors: nullable(t.boolean),
  allowed_cidrs: nullable(
    t.refinement(t.array(AllowedCidr), (list) => list.length <= POLICY_LIMITS.hostnames, 'array of CIDR rules'),
  ),
  description: nullable(Description),
};

/**
 * `POST /v1/network-policies`.
 *
 * @example
 * NetworkPolicyCreateParams.is({ name: 'ci', allowed_hostnames: ['*.npmjs.org'] }); // true
 */
export const NetworkPolicyCreateParams = t.intersection(
  [t.type({ name: Name }), t.partial(RuleFields)],
  'NetworkPolicyCreateParams',
);
export type NetworkPolicyCreateParams = t.TypeOf<typeof NetworkPolicyCreateParams>;

/**
 * `POST /v1/network-policies/:id`: omitted or null keeps a field, a value replaces it.
 *
 * @example
 * NetworkPolicyUpdateParams.is({ allowed_hostnames: ['example.com'] }); // true
 */
export const NetworkPolicyUpdateParams = t.partial(
  { ...RuleFields, name: nullable(Name) },
  'NetworkPolicyUpdateParams',
);
export type NetworkPolicyUpdateParams = t.TypeOf<typeof NetworkPolicyUpdateParams>;

/**
 * `GET /v1/network-policies`: a page, filtered by id, name (substring) or either (`search`).
 *
 * @example
 * NetworkPolicyListQuery.is({ limit: 10, name: 'ci' }); // true
 */
export const NetworkPolicyListQuery = t.intersection(
  [PageQuery, t.partial({ id: t.string, name: t.string, search: t.string })],
  'NetworkPolicyListQuery',
);
export type NetworkPolicyListQuery = t.TypeOf<typeof NetworkPolicyListQuery>;
