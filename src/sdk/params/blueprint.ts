/**
 * Blueprint create params in the object SDK's camelCase, and their one
 * mapping to the wire's snake_case (`BlueprintCreateParams` in
 * `src/api/views/blueprint.ts`). Launch parameters and code mounts go
 * through the mappers devbox creates use.
 */
import type { BlueprintCreateParams, BlueprintService, BuildContext } from '../../api/views/blueprint.js';
import type { BuildContextOptions } from '../build-context.js';
import { copyList, definedFields, mapNullable } from '../internal/defined-fields.js';
import { launchToWire, type SdkLaunchParameters } from './launch.js';
import { codeMountToWire, type SdkCodeMountParameters } from './mounts.js';

/**
 * A containerized service started next to each devbox of a blueprint.
 *
 * @example
 * const db: SdkBlueprintService = { name: 'db', image: 'postgres:16', portMappings: ['5432:5432'], env: { POSTGRES_PASSWORD: 'pw' } };
 */
export interface SdkBlueprintService {
  readonly name: string;
  readonly image: string;
  /** Registry credentials for pulling `image`. */
  readonly credentials?: { readonly username: string; readonly password: string } | null;
  readonly env?: Readonly<Record<string, string>> | null;
  /** Extra container options, as one string. */
  readonly options?: string | null;
  /** `host:container` port pairs. */
  readonly portMappings?: readonly string[] | null;
}

/**
 * What a blueprint is created with. `name` is required; at most one base
 * (`dockerfile`, `baseBlueprintId`, `baseBlueprintName`). Maps
 * (`buildArgs`, `secrets`, `metadata`, `fileMounts`, service `env`) are keyed
 * by your own names. `buildContextDir` is packed and uploaded first (and wins
 * over `buildContext`).
 *
 * @example
 * const params: SdkBlueprintCreateParams = {
 *   name: 'app',
 *   dockerfile: 'FROM debian\nARG VERSION',
 *   buildArgs: { VERSION: '1.2' },
 *   buildContextDir: './app',
 *   launchParameters: { resourceSizeRequest: 'SMALL' },
 * };
 */
export interface SdkBlueprintCreateParams {
  readonly name: string;
  readonly dockerfile?: string | null;
  /** Shell commands run after the Dockerfile, as root. */
  readonly systemSetupCommands?: readonly string[] | null;
  /** A build context: an object reference such as `obj.asBuildContext()`. */
  readonly buildContext?: BuildContext | null;
  /** A local directory to pack (honouring `.dockerignore`) and upload as the build context. */
  readonly buildContextDir?: string;
  /** Ignore rules for `buildContextDir`, instead of its `.dockerignore`. */
  readonly buildContextIgnore?: BuildContextOptions['ignore'];
  readonly baseBlueprintId?: string | null;
  readonly baseBlueprintName?: string | null;
  /** Docker `ARG` name ⇒ value. */
  readonly buildArgs?: Readonly<Record<string, string>> | null;
  /** Absolute path ⇒ file content, written into the image. */
  readonly fileMounts?: Readonly<Record<string, string>> | null;
  /** Git repositories cloned into the image. */
  readonly codeMounts?: readonly SdkCodeMountParameters[] | null;
  readonly metadata?: Readonly<Record<string, string>> | null;
  /** The network policy applied while building. */
  readonly networkPolicyId?: string | null;
  /** Environment variable name ⇒ the name of a stored secret. */
  readonly secrets?: Readonly<Record<string, string>> | null;
  readonly services?: readonly SdkBlueprintService[] | null;
  /** How devboxes made from this blueprint are launched. */
  readonly launchParameters?: SdkLaunchParameters | null;
}

function copyMap<V>(map: Readonly<Record<string, V>> | null | undefined): Record<string, V> | null | undefined {
  return mapNullable(map, (m) => ({ ...m }));
}

/**
 * The wire form of {@link SdkBlueprintService}.
 *
 * @example
 * blueprintServiceToWire({ name: 'db', image: 'postgres:16', portMappings: ['5432:5432'] });
 * // { name: 'db', image: 'postgres:16', port_mappings: ['5432:5432'] }
 */
export function blueprintServiceToWire(s: SdkBlueprintService): BlueprintService {
  return definedFields({
    name: s.name,
    image: s.image,
    credentials: mapNullable(s.credentials, (c) => ({ username: c.username, password: c.password })),
    env: copyMap(s.env),
    options: s.options,
    port_mappings: copyList(s.portMappings),
  });
}

/**
 * The wire form of {@link SdkBlueprintCreateParams}. `buildContextDir` and
 * `buildContextIgnore` are the SDK's own (it uploads the directory first)
 * and never reach the wire.
 *
 * @example
 * blueprintCreateToWire({ name: 'py', baseBlueprintName: 'base', buildArgs: { V: '1' } });
 * // { name: 'py', base_blueprint_name: 'base', build_args: { V: '1' } }
 */
export function blueprintCreateToWire(p: SdkBlueprintCreateParams): BlueprintCreateParams {
  return definedFields({
    name: p.name,
    dockerfile: p.dockerfile,
    system_setup_commands: copyList(p.systemSetupCommands),
    build_context: mapNullable(p.buildContext, (c) => ({ type: c.type, object_id: c.object_id })),
    base_blueprint_id: p.baseBlueprintId,
    base_blueprint_name: p.baseBlueprintName,
    build_args: copyMap(p.buildArgs),
    file_mounts: copyMap(p.fileMounts),
    code_mounts: mapNullable(p.codeMounts, (list) => list.map(codeMountToWire)),
    metadata: copyMap(p.metadata),
    network_policy_id: p.networkPolicyId,
    secrets: copyMap(p.secrets),
    services: mapNullable(p.services, (list) => list.map(blueprintServiceToWire)),
    launch_parameters: mapNullable(p.launchParameters, launchToWire),
  });
}
