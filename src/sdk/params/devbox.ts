/**
 * Devbox create and tunnel params in the object SDK's camelCase, and their
 * one mapping to the wire's snake_case (`DevboxCreateParams`,
 * `EnableTunnelParams` in `src/api/views`).
 */
import type { DevboxCreateParams } from '../../api/views/devbox.js';
import type { EnableTunnelParams, TunnelAuthModeStrict } from '../../api/views/net.js';
import { definedFields, mapNullable } from '../internal/defined-fields.js';
import { launchToWire, type SdkLaunchParameters } from './launch.js';
import { codeMountToWire, mountsToWire, type SdkCodeMountParameters, type SdkMount } from './mounts.js';

/**
 * A devbox's HTTP tunnel: who may reach it, and whether HTTP traffic keeps
 * the devbox alive or wakes it when suspended.
 *
 * @example
 * devbox.net.enableTunnel({ authMode: 'authenticated', wakeOnHttp: true });
 */
export interface SdkTunnelParams {
  readonly authMode?: TunnelAuthModeStrict | null;
  readonly httpKeepAlive?: boolean | null;
  readonly wakeOnHttp?: boolean | null;
}

/**
 * What a devbox is created with. At most one image source (`blueprintId`,
 * `blueprintName`, `snapshotId`); maps (`environmentVariables`, `secrets`,
 * `metadata`, `fileMounts`, `gateways`, `mcp`) are keyed by your own names.
 *
 * @example
 * const params: SdkDevboxCreateParams = {
 *   name: 'dev',
 *   launchParameters: { resourceSizeRequest: 'SMALL', keepAliveTimeSeconds: 3600 },
 *   environmentVariables: { MODE: 'test' },
 *   mounts: [{ '/home/user/data.txt': obj }],
 * };
 */
export interface SdkDevboxCreateParams {
  readonly name?: string | null;
  readonly blueprintId?: string | null;
  readonly blueprintName?: string | null;
  readonly snapshotId?: string | null;
  /** The command the devbox runs at start, in the background. */
  readonly entrypoint?: string | null;
  readonly environmentVariables?: Readonly<Record<string, string>> | null;
  /** Environment variable name ⇒ the name of a stored secret. */
  readonly secrets?: Readonly<Record<string, string>> | null;
  readonly metadata?: Readonly<Record<string, string>> | null;
  readonly launchParameters?: SdkLaunchParameters | null;
  readonly mounts?: readonly SdkMount[] | null;
  /** Git repositories to clone (the older form of a `code_mount`). */
  readonly codeMounts?: readonly SdkCodeMountParameters[] | null;
  /** Absolute path ⇒ file content, written before start. */
  readonly fileMounts?: Readonly<Record<string, string>> | null;
  /** A tunnel opened with the devbox. */
  readonly tunnel?: SdkTunnelParams | null;
  readonly gateways?: Readonly<Record<string, { readonly gateway: string; readonly secret: string }>> | null;
  readonly mcp?: Readonly<Record<string, { readonly mcpConfig: string; readonly secret: string }>> | null;
}

/**
 * Devbox create parameters without the image source (the snapshot or blueprint is the source).
 *
 * @example
 * snapshot.createDevbox({ name: 'restored', metadata: { from: 'snapshot' } });
 */
export type DevboxFromSourceParams = Omit<SdkDevboxCreateParams, 'blueprintId' | 'blueprintName' | 'snapshotId'>;

function copyMap<V>(map: Readonly<Record<string, V>> | null | undefined): Record<string, V> | null | undefined {
  return mapNullable(map, (m) => ({ ...m }));
}

/**
 * The wire form of {@link SdkTunnelParams}.
 *
 * @example
 * tunnelToWire({ authMode: 'open' }); // { auth_mode: 'open' }
 */
export function tunnelToWire(p: SdkTunnelParams): EnableTunnelParams {
  return definedFields({ auth_mode: p.authMode, http_keep_alive: p.httpKeepAlive, wake_on_http: p.wakeOnHttp });
}

/**
 * The wire form of {@link SdkDevboxCreateParams} (mount shortcuts expanded).
 *
 * @example
 * devboxCreateToWire({ name: 'dev', blueprintId: 'bpt_1' }); // { name: 'dev', blueprint_id: 'bpt_1' }
 */
export function devboxCreateToWire(p: SdkDevboxCreateParams): DevboxCreateParams {
  return definedFields({
    name: p.name,
    blueprint_id: p.blueprintId,
    blueprint_name: p.blueprintName,
    snapshot_id: p.snapshotId,
    entrypoint: p.entrypoint,
    environment_variables: copyMap(p.environmentVariables),
    secrets: copyMap(p.secrets),
    metadata: copyMap(p.metadata),
    launch_parameters: mapNullable(p.launchParameters, launchToWire),
    mounts: mapNullable(p.mounts, mountsToWire),
    code_mounts: mapNullable(p.codeMounts, (list) => list.map(codeMountToWire)),
    file_mounts: copyMap(p.fileMounts),
    tunnel: mapNullable(p.tunnel, tunnelToWire),
    gateways: mapNullable(p.gateways, (g) =>
      Object.fromEntries(Object.entries(g).map(([name, { gateway, secret }]) => [name, { gateway, secret }])),
    ),
    mcp: mapNullable(p.mcp, (m) =>
      Object.fromEntries(
        Object.entries(m).map(([name, { mcpConfig, secret }]) => [name, { mcp_config: mcpConfig, secret }]),
      ),
    ),
  });
}
