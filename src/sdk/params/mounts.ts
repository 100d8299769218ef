/**
 * Devbox mounts in the object SDK's camelCase, and their one mapping to the
 * wire's snake_case union (`Mount` in `src/api/views/mount.ts`). Also the
 * git repository parameters of `codeMounts` (devboxes and blueprints).
 */
import type { BrokerProtocolStrict, CodeMountParameters, Mount } from '../../api/views/mount.js';
import { copyList, definedFields } from '../internal/defined-fields.js';

/**
 * Anything with an object id, e.g. a `StorageObject`.
 *
 * @example
 * const ref: ObjectRef = { id: 'obj_1' };
 */
export interface ObjectRef {
  readonly id: string;
}

/**
 * A git repository, cloned to `/home/user/{repoName}`.
 *
 * @example
 * const repo: SdkCodeMountParameters = { repoOwner: 'me', repoName: 'app', gitRef: 'main' };
 */
export interface SdkCodeMountParameters {
  readonly repoName: string;
  readonly repoOwner: string;
  readonly token?: string | null;
  readonly gitRef?: string | null;
  readonly installCommand?: string | null;
}

/**
 * One mount, discriminated by `type`: an object (a file, or an archive
 * unpacked at `objectPath`), a file with inline `content`, a git repository,
 * an agent, or a broker.
 *
 * @example
 * const mount: SdkMountSpec = { type: 'object_mount', objectId: obj.id, objectPath: '/home/user/data' };
 */
export type SdkMountSpec =
  | { readonly type: 'object_mount'; readonly objectId: string; readonly objectPath: string }
  | { readonly type: 'file_mount'; readonly target: string; readonly content: string }
  | ({ readonly type: 'code_mount' } & SdkCodeMountParameters)
  | {
      readonly type: 'agent_mount';
      readonly agentId: string | null;
      readonly agentName: string | null;
      readonly agentPath?: string | null;
      readonly authToken?: string | null;
    }
  | {
      readonly type: 'broker_mount';
      readonly axonId: string;
      readonly protocol?: BrokerProtocolStrict | null;
      readonly agentBinary?: string | null;
      readonly launchArgs?: readonly string[] | null;
      readonly workingDirectory?: string | null;
    };

/**
 * A mount, or the shortcut `{ '/home/user/data.txt': storageObject }` (one
 * object mount per key).
 *
 * @example
 * const mounts: SdkMount[] = [{ '/home/user/data.txt': obj }, { type: 'file_mount', target: '/etc/motd', content: 'hi' }];
 */
export type SdkMount = SdkMountSpec | Readonly<Record<string, ObjectRef>>;

/**
 * The wire form of {@link SdkCodeMountParameters}.
 *
 * @example
 * codeMountToWire({ repoOwner: 'me', repoName: 'app' }); // { repo_name: 'app', repo_owner: 'me' }
 */
export function codeMountToWire(p: SdkCodeMountParameters): CodeMountParameters {
  return definedFields({
    repo_name: p.repoName,
    repo_owner: p.repoOwner,
    token: p.token,
    git_ref: p.gitRef,
    install_command: p.installCommand,
  });
}

function isMountSpec(mount: SdkMount): mount is SdkMountSpec {
  return typeof mount['type'] === 'string';
}

function mountSpecToWire(mount: SdkMountSpec): Mount {
  switch (mount.type) {
    case 'object_mount':
      return { type: 'object_mount', object_id: mount.objectId, object_path: mount.objectPath };
    case 'file_mount':
      return { type: 'file_mount', target: mount.target, content: mount.content };
    case 'code_mount':
      return { type: 'code_mount', ...codeMountToWire(mount) };
    case 'agent_mount':
      return definedFields({
        type: 'agent_mount' as const,
        agent_id: mount.agentId,
        agent_name: mount.agentName,
        agent_path: mount.agentPath,
        auth_token: mount.authToken,
      });
    case 'broker_mount':
      return definedFields({
        type: 'broker_mount' as const,
        axon_id: mount.axonId,
        protocol: mount.protocol,
        agent_binary: mount.agentBinary,
        launch_args: copyList(mount.launchArgs),
        working_directory: mount.workingDirectory,
      });
  }
}

/**
 * The wire form of a mount list, the shortcut expanded into object mounts.
 *
 * @example
 * mountsToWire([{ '/data/in.csv': obj }]); // [{ type: 'object_mount', object_id: obj.id, object_path: '/data/in.csv' }]
 */
export function mountsToWire(mounts: readonly SdkMount[]): Mount[] {
  return mounts.flatMap((mount): Mount[] => {
    if (isMountSpec(mount)) return [mountSpecToWire(mount)];
    return Object.entries(mount).map(([path, ref]) => ({ type: 'object_mount', object_id: ref.id, object_path: path }));
  });
}
