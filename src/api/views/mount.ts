/**
 * Devbox mounts: a union discriminated by `type` (runloop-api.md §6).
 * Mounts appear only in requests, so the union is strict: an unknown `type`
 * is rejected rather than silently ignored.
 */
import * as t from 'io-ts';
import { nullable, openEnum } from './shared.js';

/**
 * An object (file or archive) placed at `object_path`; archives are unpacked there.
 *
 * @example
 * ObjectMount.is({ type: 'object_mount', object_id: 'obj_1', object_path: '/home/user/data' }); // true
 */
export const ObjectMount = t.type(
  { type: t.literal('object_mount'), object_id: t.string, object_path: t.string },
  'ObjectMount',
);
export type ObjectMount = t.TypeOf<typeof ObjectMount>;

/**
 * A file written at `target` with `content`.
 *
 * @example
 * FileMount.is({ type: 'file_mount', target: '/etc/motd', content: 'hi' }); // true
 */
export const FileMount = t.type({ type: t.literal('file_mount'), target: t.string, content: t.string }, 'FileMount');
export type FileMount = t.TypeOf<typeof FileMount>;

/**
 * Git repository parameters (also used by legacy `code_mounts`).
 *
 * @example
 * CodeMountParameters.is({ repo_name: 'rx', repo_owner: 'me' }); // true
 */
export const CodeMountParameters = t.intersection(
  [
    t.type({ repo_name: t.string, repo_owner: t.string }),
    t.partial({ token: nullable(t.string), git_ref: nullable(t.string), install_command: nullable(t.string) }),
  ],
  'CodeMountParameters',
);
export type CodeMountParameters = t.TypeOf<typeof CodeMountParameters>;

/**
 * A git repository cloned to `/home/user/{repo_name}`.
 *
 * @example
 * CodeMount.is({ type: 'code_mount', repo_name: 'rx', repo_owner: 'me' }); // true
 */
export const CodeMount = t.intersection([t.type({ type: t.literal('code_mount') }), CodeMountParameters], 'CodeMount');
export type CodeMount = t.TypeOf<typeof CodeMount>;

/**
 * An agent by id or name (the keys are required, one of them non-null).
 *
 * @example
 * AgentMount.is({ type: 'agent_mount', agent_id: null, agent_name: 'coder' }); // true
 */
export const AgentMount = t.intersection(
  [
    t.type({ type: t.literal('agent_mount'), agent_id: nullable(t.string), agent_name: nullable(t.string) }),
    t.partial({ agent_path: nullable(t.string), auth_token: nullable(t.string) }),
  ],
  'AgentMount',
);
export type AgentMount = t.TypeOf<typeof AgentMount>;

/** @example BrokerProtocol.strict.is('acp') // true */
export const BrokerProtocol = openEnum('BrokerProtocol', ['acp', 'claude_json', 'codex_json', 'pi_json']);
export type BrokerProtocol = t.TypeOf<typeof BrokerProtocol>;
/** Strict form of {@link BrokerProtocol}, for requests. @example BrokerProtocolStrict.is('smtp') // false */
export const BrokerProtocolStrict = BrokerProtocol.strict;
export type BrokerProtocolStrict = t.TypeOf<typeof BrokerProtocolStrict>;

/**
 * A broker (axon) mount.
 *
 * @example
 * BrokerMount.is({ type: 'broker_mount', axon_id: 'ax_1', protocol: 'acp' }); // true
 */
export const BrokerMount = t.intersection(
  [
    t.type({ type: t.literal('broker_mount'), axon_id: t.string }),
    t.partial({
      protocol: nullable(BrokerProtocol.strict),
      agent_binary: nullable(t.string),
      launch_args: nullable(t.array(t.string)),
      working_directory: nullable(t.string),
    }),
  ],
  'BrokerMount',
);
export type BrokerMount = t.TypeOf<typeof BrokerMount>;

/** The mount `type` values. @example MOUNT_TYPES.includes('code_mount') // true */
export const MOUNT_TYPES = ['object_mount', 'file_mount', 'code_mount', 'agent_mount', 'broker_mount'] as const;

/** Any mount. @example const m: Mount = { type: 'file_mount', target: '/a', content: '' }; */
export type Mount = ObjectMount | FileMount | CodeMount | AgentMount | BrokerMount;
/** The `type` tag of a mount. @example const k: MountType = 'object_mount'; */
export type MountType = Mount['type'];

const MOUNT_CODECS: { readonly [K in MountType]: t.Type<Extract<Mount, { type: K }>, unknown, unknown> } = {
  object_mount: ObjectMount,
  file_mount: FileMount,
  code_mount: CodeMount,
  agent_mount: AgentMount,
  broker_mount: BrokerMount,
};

const AGENT_MESSAGE = 'expected agent_id or agent_name on an agent_mount';

function hasAgent(m: Mount): boolean {
  return m.type !== 'agent_mount' || m.agent_id != null || m.agent_name != null;
}

function isMountType(value: unknown): value is MountType {
  return typeof value === 'string' && Object.hasOwn(MOUNT_CODECS, value);
}

/**
 * Any mount, dispatched on `type` so errors name the failing field of the
 * named kind (or the `type` itself) instead of every alternative. An agent
 * mount needs `agent_id` or `agent_name`.
 *
 * @example
 * Mount.is({ type: 'file_mount', target: '/a', content: '' }); // true
 * Mount.is({ type: 'nfs_mount' }); // false
 */
export const Mount = new t.Type<Mount, Mount, unknown>(
  'Mount',
  (u): u is Mount =>
    isMountType((u as { type?: unknown } | null)?.type) && MOUNT_CODECS[(u as Mount).type].is(u) && hasAgent(u),
  (u, c) => {
    if (typeof u !== 'object' || u === null || Array.isArray(u)) return t.failure(u, c, 'expected a mount object');
    const tag = (u as { type?: unknown }).type;
    if (!isMountType(tag)) {
      return t.failure(tag, t.appendContext(c, 'type', t.string, tag), `expected one of ${MOUNT_TYPES.join(', ')}`);
    }
    const codec = MOUNT_CODECS[tag] as t.Type<Mount, unknown, unknown>;
    // An unnamed context entry for the member lets error paths skip its positional keys.
    const result = codec.validate(u, t.appendContext(c, '', codec, u));
    if (result._tag === 'Left') return result;
    return hasAgent(result.right) ? result : t.failure(u, c, AGENT_MESSAGE);
  },
  (a) => a,
);
