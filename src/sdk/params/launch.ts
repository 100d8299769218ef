/**
 * Launch parameters in the object SDK's camelCase, and their one mapping to
 * the wire's snake_case (`LaunchParametersParams` in `src/api/views/launch.ts`).
 * Used by devbox and blueprint creates.
 */
import type {
  ArchitectureStrict,
  LaunchParametersParams,
  OnIdleStrict,
  ProvisioningTierStrict,
  ResourceSizeStrict,
} from '../../api/views/launch.js';
import { copyList, definedFields, mapNullable } from '../internal/defined-fields.js';

/**
 * What happens after `idleTimeSeconds` without activity.
 *
 * @example
 * const afterIdle: SdkAfterIdle = { idleTimeSeconds: 600, onIdle: 'suspend' };
 */
export interface SdkAfterIdle {
  readonly idleTimeSeconds: number;
  readonly onIdle: OnIdleStrict;
}

/**
 * Idle policy, resume triggers and suspend hooks of a devbox.
 *
 * @example
 * const lifecycle: SdkLifecycle = { afterIdle: { idleTimeSeconds: 60, onIdle: 'suspend' }, resumeTriggers: { http: true } };
 */
export interface SdkLifecycle {
  readonly afterIdle?: SdkAfterIdle | null;
  readonly resumeTriggers?: { readonly http?: boolean | null; readonly axonEvent?: boolean | null } | null;
  readonly lifecycleHooks?: {
    readonly suspendCommands?: readonly string[] | null;
    readonly suspendDeadlineMs?: number | null;
  } | null;
}

/**
 * How a devbox (or a blueprint's devboxes) is launched: size, architecture,
 * keep-alive, idle policy, launch commands, user, network policy. The server
 * checks the limits (cpu 0.5/1/even ≤16, memory 1/even ≤64 GiB, …) and
 * answers a bad value with a 400 naming the field.
 *
 * @example
 * const launch: SdkLaunchParameters = { resourceSizeRequest: 'SMALL', keepAliveTimeSeconds: 3600, launchCommands: ['pip install -r req.txt'] };
 */
export interface SdkLaunchParameters {
  readonly resourceSizeRequest?: ResourceSizeStrict | null;
  readonly customCpuCores?: number | null;
  readonly customGbMemory?: number | null;
  readonly customDiskSize?: number | null;
  readonly architecture?: ArchitectureStrict | null;
  readonly keepAliveTimeSeconds?: number | null;
  readonly afterIdle?: SdkAfterIdle | null;
  readonly lifecycle?: SdkLifecycle | null;
  readonly launchCommands?: readonly string[] | null;
  readonly requiredServices?: readonly string[] | null;
  readonly userParameters?: { readonly uid: number; readonly username: string } | null;
  readonly networkPolicyId?: string | null;
  readonly provisioningTier?: ProvisioningTierStrict | null;
  /** Deprecated and ignored by the server. */
  readonly availablePorts?: readonly number[] | null;
}

function afterIdleToWire(a: SdkAfterIdle): { idle_time_seconds: number; on_idle: OnIdleStrict } {
  return { idle_time_seconds: a.idleTimeSeconds, on_idle: a.onIdle };
}

/**
 * The wire form of {@link SdkLaunchParameters}.
 *
 * @example
 * launchToWire({ resourceSizeRequest: 'SMALL', afterIdle: { idleTimeSeconds: 60, onIdle: 'shutdown' } });
 * // { resource_size_request: 'SMALL', after_idle: { idle_time_seconds: 60, on_idle: 'shutdown' } }
 */
export function launchToWire(p: SdkLaunchParameters): LaunchParametersParams {
  return definedFields({
    resource_size_request: p.resourceSizeRequest,
    custom_cpu_cores: p.customCpuCores,
    custom_gb_memory: p.customGbMemory,
    custom_disk_size: p.customDiskSize,
    architecture: p.architecture,
    keep_alive_time_seconds: p.keepAliveTimeSeconds,
    after_idle: mapNullable(p.afterIdle, afterIdleToWire),
    lifecycle: mapNullable(p.lifecycle, (l) =>
      definedFields({
        after_idle: mapNullable(l.afterIdle, afterIdleToWire),
        resume_triggers: mapNullable(l.resumeTriggers, (r) => definedFields({ http: r.http, axon_event: r.axonEvent })),
        lifecycle_hooks: mapNullable(l.lifecycleHooks, (h) =>
          definedFields({ suspend_commands: copyList(h.suspendCommands), suspend_deadline_ms: h.suspendDeadlineMs }),
        ),
      }),
    ),
    launch_commands: copyList(p.launchCommands),
    required_services: copyList(p.requiredServices),
    user_parameters: mapNullable(p.userParameters, (u) => ({ uid: u.uid, username: u.username })),
    network_policy_id: p.networkPolicyId,
    provisioning_tier: p.provisioningTier,
    available_ports: copyList(p.availablePorts),
  });
}
