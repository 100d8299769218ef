/**
 * From request fields to a policy's egress rules: hostname syntax, and a
 * clear refusal (422) for rules this server cannot honour (never silently kept).
 */
import { InvalidInputError, UnprocessableError } from '../errors.js';
import { clip } from '../http/clip.js';
import { hostnamePatternProblem } from '../runtime/index.js';
import type { NetworkPolicyUpdateParams } from './params.js';
import type { PolicyEgress } from './record.js';

/** A policy that allows nothing: the start of every create. @example egressFrom(params, DENY_ALL) */
export const DENY_ALL: PolicyEgress = {
  allow_all: false,
  allow_devbox_to_devbox: false,
  allowed_hostnames: [],
  allowed_cidrs: [],
  allow_agent_gateway: false,
  allow_mcp_gateway: false,
  allow_runloop_mirrors: false,
};

/** Rules of the hosted service that have no counterpart on a local machine. */
const NO_LOCAL_COUNTERPART = {
  allow_agent_gateway: 'runloop-local has no agent gateway',
  allow_mcp_gateway: 'runloop-local has no MCP hub',
  allow_runloop_mirrors: "runloop-local has no package mirrors (allow the registries' hostnames instead)",
} as const;

/**
 * The egress rules after applying `params` over `current`: a field given
 * (not null) replaces the old one; `allow_all` implies devbox-to-devbox.
 * Hostnames are lower-cased and de-duplicated. Throws an InvalidInputError
 * (400) naming the field, or an UnprocessableError (422) for a rule this server does not offer.
 *
 * @example
 * egressFrom({ allowed_hostnames: ['GitHub.com', '*.npmjs.org'] }, DENY_ALL).allowed_hostnames; // ['github.com', '*.npmjs.org']
 */
export function egressFrom(params: NetworkPolicyUpdateParams, current: PolicyEgress): PolicyEgress {
  for (const [field, why] of Object.entries(NO_LOCAL_COUNTERPART)) {
    if (params[field as keyof typeof NO_LOCAL_COUNTERPART] === true) {
      throw new UnprocessableError('unsupported', `body.${field}: ${why}; send false or leave it out`);
    }
  }
  if (params.allowed_cidrs !== undefined && params.allowed_cidrs !== null && params.allowed_cidrs.length > 0) {
    throw new UnprocessableError(
      'unsupported',
      'body.allowed_cidrs: CIDR rules are not supported by runloop-local; allow hostnames instead',
    );
  }
  let hostnames = current.allowed_hostnames;
  if (params.allowed_hostnames !== undefined && params.allowed_hostnames !== null) {
    params.allowed_hostnames.forEach((hostname, index) => {
      const problem = hostnamePatternProblem(hostname);
      if (problem !== undefined)
        throw new InvalidInputError(
          `body.allowed_hostnames[${index}]`,
          `body.allowed_hostnames[${index}] ${JSON.stringify(clip(hostname))}: ${problem}`,
        );
    });
    hostnames = [...new Set(params.allowed_hostnames.map((hostname) => hostname.toLowerCase()))];
  }
  const allowAll = params.allow_all ?? current.allow_all;
  return {
    ...current,
    allow_all: allowAll,
    allow_devbox_to_devbox: allowAll || (params.allow_devbox_to_devbox ?? current.allow_devbox_to_devbox),
    allowed_hostnames: hostnames,
  };
}
