/**
 * Launch parameters of devboxes and blueprints (runloop-api.md §6).
 *
 * Two forms: `LaunchParameters` (as the server reports them: open enums, no
 * range checks) and `LaunchParametersParams` (as a client may send them:
 * strict enums and the documented limits, so the server can reject bad input).
 */
import * as t from 'io-ts';
import { intRange, nullable, openEnum, refine } from './shared.js';
import { CommandList, limitedArray, REQUEST_LIMITS, ShortRef } from './limits.js';

/** @example ResourceSize.strict.is('MEDIUM') // true */
export const ResourceSize = openEnum('ResourceSize', [
  'X_SMALL',
  'SMALL',
  'MEDIUM',
  'LARGE',
  'X_LARGE',
  'XX_LARGE',
  'CUSTOM_SIZE',
]);
export type ResourceSize = t.TypeOf<typeof ResourceSize>;
/** Strict form of {@link ResourceSize}, for requests. @example ResourceSizeStrict.is('HUGE') // false */
export const ResourceSizeStrict = ResourceSize.strict;
export type ResourceSizeStrict = t.TypeOf<typeof ResourceSizeStrict>;
/** @example Architecture.strict.is('arm64') // true */
export const Architecture = openEnum('Architecture', ['x86_64', 'arm64']);
export type Architecture = t.TypeOf<typeof Architecture>;
/** Strict form of {@link Architecture}, for requests. @example ArchitectureStrict.is('riscv64') // false */
export const ArchitectureStrict = Architecture.strict;
export type ArchitectureStrict = t.TypeOf<typeof ArchitectureStrict>;
/** @example OnIdle.strict.is('suspend') // true */
export const OnIdle = openEnum('OnIdle', ['shutdown', 'suspend']);
export type OnIdle = t.TypeOf<typeof OnIdle>;
/** Strict form of {@link OnIdle}, for requests. @example OnIdleStrict.is('hibernate') // false */
export const OnIdleStrict = OnIdle.strict;
export type OnIdleStrict = t.TypeOf<typeof OnIdleStrict>;
/** @example ProvisioningTier.strict.is('flex') // true */
export const ProvisioningTier = openEnum('ProvisioningTier', ['standard', 'flex']);
export type ProvisioningTier = t.TypeOf<typeof ProvisioningTier>;
/** Strict form of {@link ProvisioningTier}, for requests. @example ProvisioningTierStrict.is('spot') // false */
export const ProvisioningTierStrict = ProvisioningTier.strict;
export type ProvisioningTierStrict = t.TypeOf<typeof ProvisioningTierStrict>;

/** Limits from the contract, shared with the server's own checks. @example cores <= LAUNCH_LIMITS.maxCpuCores */
export const LAUNCH_LIMITS = {
  maxCpuCores: 16,
  maxGbMemory: 64,
  minDiskGb: 2,
  maxDiskGb: 64,
  maxKeepAliveSeconds: 172_800,
  maxSuspendDeadlineMs: 60_000,
} as const;

const isEven = (n: number) => Number.isInteger(n) && n % 2 === 0;

const CpuCores = refine(
  t.number,
  (n) => n === 0.5 || n === 1 || (isEven(n) && n > 0 && n <= LAUNCH_LIMITS.maxCpuCores),
  'CpuCores',
  `expected 0.5, 1 or an even number up to ${LAUNCH_LIMITS.maxCpuCores}`,
);
const GbMemory = refine(
  t.number,
  (n) => n === 1 || (isEven(n) && n > 0 && n <= LAUNCH_LIMITS.maxGbMemory),
  'GbMemory',
  `expected 1 or an even number up to ${LAUNCH_LIMITS.maxGbMemory}`,
);
const DiskGb = refine(
  t.number,
  (n) => isEven(n) && n >= LAUNCH_LIMITS.minDiskGb && n <= LAUNCH_LIMITS.maxDiskGb,
  'DiskGb',
  `expected an even number from ${LAUNCH_LIMITS.minDiskGb} to ${LAUNCH_LIMITS.maxDiskGb}`,
);

/**
 * Idle policy: what happens after `idle_time_seconds` without activity.
 *
 * @example
 * AfterIdle.is({ idle_time_seconds: 600, on_idle: 'suspend' }); // true
 */
export const AfterIdle = t.type({ idle_time_seconds: t.number, on_idle: OnIdle }, 'AfterIdle');
export type AfterIdle = t.TypeOf<typeof AfterIdle>;
/** Strict request form of {@link AfterIdle}. @example AfterIdleParams.is({ idle_time_seconds: 0, on_idle: 'suspend' }) // false */
export const AfterIdleParams = t.type({ idle_time_seconds: intRange(1), on_idle: OnIdle.strict }, 'AfterIdleParams');
export type AfterIdleParams = t.TypeOf<typeof AfterIdleParams>;

/** The devbox user. @example UserParameters.is({ uid: 1000, username: 'user' }) // true */
export const UserParameters = t.type({ uid: t.number, username: t.string }, 'UserParameters');
export type UserParameters = t.TypeOf<typeof UserParameters>;
/** Strict request form of {@link UserParameters}. @example UserParametersParams.is({ uid: -1, username: 'x' }) // false */
export const UserParametersParams = t.type({ uid: intRange(0), username: t.string }, 'UserParametersParams');
export type UserParametersParams = t.TypeOf<typeof UserParametersParams>;

const ResumeTriggers = t.partial({ http: nullable(t.boolean), axon_event: nullable(t.boolean) }, 'ResumeTriggers');

/**
 * Lifecycle configuration (idle policy, resume triggers, suspend hooks).
 *
 * @example
 * Lifecycle.is({ after_idle: { idle_time_seconds: 60, on_idle: 'shutdown' } }); // true
 */
export const Lifecycle = t.partial(
  {
    after_idle: nullable(AfterIdle),
    resume_triggers: nullable(ResumeTriggers),
    lifecycle_hooks: nullable(
      t.partial({ suspend_commands: nullable(t.array(t.string)), suspend_deadline_ms: nullable(t.number) }),
    ),
  },
  'Lifecycle',
);
export type Lifecycle = t.TypeOf<typeof Lifecycle>;

/** Strict request form of {@link Lifecycle}. @example LifecycleParams.is({ lifecycle_hooks: { suspend_deadline_ms: 90000 } }) // false */
export const LifecycleParams = t.partial(
  {
    after_idle: nullable(AfterIdleParams),
    resume_triggers: nullable(ResumeTriggers),
    lifecycle_hooks: nullable(
      t.partial({
        suspend_commands: nullable(t.array(t.string)),
        suspend_deadline_ms: nullable(intRange(0, LAUNCH_LIMITS.maxSuspendDeadlineMs)),
      }),
    ),
  },
  'LifecycleParams',
);
export type LifecycleParams = t.TypeOf<typeof LifecycleParams>;

/**
 * Launch parameters as the server reports them (open enums, no range checks).
 *
 * @example
 * LaunchParameters.is({ resource_size_request: 'SMALL', architecture: 'x86_64' }); // true
 */
export const LaunchParameters = t.partial(
  {
    resource_size_request: nullable(ResourceSize),
    custom_cpu_cores: nullable(t.number),
    custom_gb_memory: nullable(t.number),
    custom_disk_size: nullable(t.number),
    architecture: nullable(Architecture),
    keep_alive_time_seconds: nullable(t.number),
    after_idle: nullable(AfterIdle),
    lifecycle: nullable(Lifecycle),
    launch_commands: nullable(t.array(t.string)),
    required_services: nullable(t.array(t.string)),
    user_parameters: nullable(UserParameters),
    network_policy_id: nullable(t.string),
    provisioning_tier: nullable(ProvisioningTier),
    available_ports: nullable(t.array(t.number)),
  },
  'LaunchParameters',
);
export type LaunchParameters = t.TypeOf<typeof LaunchParameters>;

/**
 * Launch parameters as a client sends them: strict enums and the documented
 * limits (cpu 0.5/1/even ≤16, memory 1/even ≤64, disk even 2–64,
 * keep-alive ≤172 800 s, suspend deadline ≤60 000 ms, uid ≥0).
 * See also {@link launchParametersProblems} for cross-field rules.
 *
 * @example
 * LaunchParametersParams.is({ custom_cpu_cores: 3 }); // false
 * LaunchParametersParams.is({ resource_size_request: 'LARGE' }); // true
 */
export const LaunchParametersParams = t.partial(
  {
    resource_size_request: nullable(ResourceSize.strict),
    custom_cpu_cores: nullable(CpuCores),
    custom_gb_memory: nullable(GbMemory),
    custom_disk_size: nullable(DiskGb),
    architecture: nullable(Architecture.strict),
    keep_alive_time_seconds: nullable(intRange(1, LAUNCH_LIMITS.maxKeepAliveSeconds)),
    after_idle: nullable(AfterIdleParams),
    lifecycle: nullable(LifecycleParams),
    launch_commands: nullable(CommandList),
    required_services: nullable(limitedArray(ShortRef, REQUEST_LIMITS.listEntries)),
    user_parameters: nullable(UserParametersParams),
    network_policy_id: nullable(ShortRef),
    provisioning_tier: nullable(ProvisioningTier.strict),
    // Deprecated and ignored by the server; accepted so old clients still work.
    available_ports: nullable(limitedArray(t.number, REQUEST_LIMITS.listEntries)),
  },
  'LaunchParametersParams',
);
export type LaunchParametersParams = t.TypeOf<typeof LaunchParametersParams>;

/**
 * Cross-field checks the codec cannot express: the cpu:memory ratio of a
 * custom size (1:2 … 1:8) and after_idle agreeing with lifecycle.after_idle.
 * Returns a message per problem; empty means valid.
 *
 * @example
 * launchParametersProblems({ custom_cpu_cores: 2, custom_gb_memory: 32 }); // ['custom_gb_memory: …']
 */
export function launchParametersProblems(p: LaunchParameters): string[] {
  const problems: string[] = [];
  const cpu = p.custom_cpu_cores;
  const mem = p.custom_gb_memory;
  if (typeof cpu === 'number' && typeof mem === 'number' && cpu > 0 && (mem / cpu < 2 || mem / cpu > 8)) {
    problems.push('custom_gb_memory: memory must be 2 to 8 GiB per cpu core');
  }
  const a = p.after_idle;
  const b = p.lifecycle?.after_idle;
  if (a && b && (a.idle_time_seconds !== b.idle_time_seconds || a.on_idle !== b.on_idle)) {
    problems.push('after_idle: must match lifecycle.after_idle when both are set');
  }
  return problems;
}
