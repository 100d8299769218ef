/**
 * Devbox views, parameters and queries (runloop-api.md §6).
 */
import * as t from 'io-ts';
import { LaunchParameters, LaunchParametersParams } from './launch.js';
import { listOf } from './list.js';
import { CodeMountParameters, Mount } from './mount.js';
import { EnableTunnelParams, TunnelView } from './net.js';
import { nonEmptyArray, nullable, openEnum, PageQuery, QueryBoolean, refine, StringMap } from './shared.js';
import {
  EnvironmentVariables,
  FileMounts,
  limitedArray,
  limitedMap,
  Metadata,
  REQUEST_LIMITS,
  ResourceName,
  ShellCommand,
  ShortRef,
} from './limits.js';

/**
 * A devbox's status. Open: unknown statuses decode; `.strict` rejects them.
 *
 * @example
 * DevboxStatus.isKnown('running'); // true
 */
export const DevboxStatus = openEnum('DevboxStatus', [
  'scheduled',
  'queued',
  'provisioning',
  'initializing',
  'running',
  'suspending',
  'suspended',
  'resuming',
  'failure',
  'shutdown',
]);
export type DevboxStatus = t.TypeOf<typeof DevboxStatus>;
/** @example DevboxStatusStrict.is('paused') // false */
export const DevboxStatusStrict = DevboxStatus.strict;
export type DevboxStatusStrict = t.TypeOf<typeof DevboxStatusStrict>;

/** Statuses after which a devbox never changes again. @example DEVBOX_TERMINAL_STATUSES.includes('shutdown') // true */
export const DEVBOX_TERMINAL_STATUSES: readonly DevboxStatusStrict[] = ['failure', 'shutdown'];

/**
 * Whether a devbox in `status` has ended (`end_time_ms` is set).
 *
 * @example
 * isTerminalDevboxStatus('shutdown'); // true
 */
export function isTerminalDevboxStatus(status: DevboxStatus): boolean {
  return (DEVBOX_TERMINAL_STATUSES as readonly string[]).includes(status);
}

/** @example DevboxCapability.is('docker_in_docker') // true */
export const DevboxCapability = openEnum('DevboxCapability', ['unknown', 'docker_in_docker']);
export type DevboxCapability = t.TypeOf<typeof DevboxCapability>;
/** @example DevboxFailureReason.is('out_of_memory') // true */
export const DevboxFailureReason = openEnum('DevboxFailureReason', [
  'out_of_memory',
  'out_of_disk',
  'execution_failed',
  'health_check_failed',
]);
export type DevboxFailureReason = t.TypeOf<typeof DevboxFailureReason>;
/** @example DevboxShutdownReason.is('idle') // true */
export const DevboxShutdownReason = openEnum('DevboxShutdownReason', [
  'api_shutdown',
  'keep_alive_timeout',
  'entrypoint_exit',
  'idle',
  'ttl_expired',
]);
export type DevboxShutdownReason = t.TypeOf<typeof DevboxShutdownReason>;
/** @example InitiatorType.is('api') // true */
export const InitiatorType = openEnum('InitiatorType', ['unknown', 'api', 'scenario', 'scoring_validation', 'reflex']);
export type InitiatorType = t.TypeOf<typeof InitiatorType>;

/**
 * One entry of `state_transitions`, in order.
 *
 * @example
 * StateTransition.is({ status: 'running', transition_time_ms: 1700000000000 }); // true
 */
export const StateTransition = t.partial(
  { status: DevboxStatus, transition_time_ms: nullable(t.number), failure_reason: nullable(t.string) },
  'StateTransition',
);
export type StateTransition = t.TypeOf<typeof StateTransition>;

/**
 * A devbox as the server reports it.
 *
 * @example
 * DevboxView.decode(await res.json());
 */
export const DevboxView = t.intersection(
  [
    t.type({
      id: t.string,
      status: DevboxStatus,
      create_time_ms: t.number,
      end_time_ms: nullable(t.number),
      capabilities: t.array(DevboxCapability),
      launch_parameters: LaunchParameters,
      metadata: StringMap,
      state_transitions: t.array(StateTransition),
    }),
    t.partial({
      name: nullable(t.string),
      blueprint_id: nullable(t.string),
      snapshot_id: nullable(t.string),
      initiator_id: nullable(t.string),
      initiator_type: InitiatorType,
      failure_reason: nullable(DevboxFailureReason),
      shutdown_reason: nullable(DevboxShutdownReason),
      tunnel: nullable(TunnelView),
      gateway_specs: nullable(t.record(t.string, t.type({ gateway_config_id: t.string, secret_id: t.string }))),
      mcp_specs: nullable(t.record(t.string, t.type({ mcp_config_id: t.string, secret_id: t.string }))),
    }),
  ],
  'DevboxView',
);
export type DevboxView = t.TypeOf<typeof DevboxView>;

/**
 * A page of devboxes.
 *
 * @example
 * DevboxListView.is({ devboxes: [], has_more: false, total_count: 0 }); // true
 */
export const DevboxListView = listOf('devboxes', DevboxView, 'DevboxListView');
export type DevboxListView = t.TypeOf<typeof DevboxListView>;

const DevboxCreateFields = t.partial({
  name: nullable(ResourceName),
  blueprint_id: nullable(ShortRef),
  blueprint_name: nullable(ResourceName),
  snapshot_id: nullable(ShortRef),
  entrypoint: nullable(ShellCommand),
  environment_variables: nullable(EnvironmentVariables),
  secrets: nullable(limitedMap(REQUEST_LIMITS.envEntries, REQUEST_LIMITS.envNameChars, REQUEST_LIMITS.nameChars)),
  metadata: nullable(Metadata),
  launch_parameters: nullable(LaunchParametersParams),
  mounts: nullable(limitedArray(Mount, REQUEST_LIMITS.mounts)),
  code_mounts: nullable(limitedArray(CodeMountParameters, REQUEST_LIMITS.mounts)),
  file_mounts: nullable(FileMounts),
  tunnel: nullable(EnableTunnelParams),
  gateways: nullable(t.record(t.string, t.type({ gateway: t.string, secret: t.string }))),
  mcp: nullable(t.record(t.string, t.type({ mcp_config: t.string, secret: t.string }))),
});

/**
 * Body of a devbox create; all fields optional (the body may be `{}`).
 * At most one of `blueprint_id`, `blueprint_name`, `snapshot_id` may be set.
 *
 * @example
 * DevboxCreateParams.is({ name: 'dev', launch_parameters: { resource_size_request: 'SMALL' } }); // true
 * DevboxCreateParams.is({ blueprint_id: 'bpt_1', snapshot_id: 'snp_1' }); // false
 */
export const DevboxCreateParams = refine(
  DevboxCreateFields,
  (p) => [p.blueprint_id, p.blueprint_name, p.snapshot_id].filter((v) => v !== undefined && v !== null).length <= 1,
  'DevboxCreateParams',
  'expected at most one of blueprint_id, blueprint_name, snapshot_id',
);
export type DevboxCreateParams = t.TypeOf<typeof DevboxCreateParams>;

/**
 * Body of a devbox update; omitted = unchanged, `""` / `{}` clears.
 *
 * @example
 * DevboxUpdateParams.is({ name: 'renamed' }); // true
 */
export const DevboxUpdateParams = t.partial(
  { name: nullable(ResourceName), metadata: nullable(Metadata) },
  'DevboxUpdateParams',
);
export type DevboxUpdateParams = t.TypeOf<typeof DevboxUpdateParams>;

/**
 * Query of the devbox list (from strings on the server).
 *
 * @example
 * DevboxListQuery.decode({ limit: '20', status: 'running' }); // right({ limit: 20, status: 'running' })
 */
export const DevboxListQuery = t.intersection(
  [PageQuery, t.partial({ status: DevboxStatusStrict })],
  'DevboxListQuery',
);
export type DevboxListQuery = t.TypeOf<typeof DevboxListQuery>;

/**
 * Body of a devbox `wait_for_status`: at least one strict status.
 *
 * @example
 * DevboxWaitForStatusParams.is({ statuses: ['running', 'failure', 'shutdown'] }); // true
 */
export const DevboxWaitForStatusParams = t.type(
  { statuses: nonEmptyArray(DevboxStatusStrict) },
  'DevboxWaitForStatusParams',
);
export type DevboxWaitForStatusParams = t.TypeOf<typeof DevboxWaitForStatusParams>;

/**
 * Query of `shutdown`: `force=true` shuts down even during a snapshot.
 *
 * @example
 * DevboxShutdownQuery.decode({ force: 'true' }); // right({ force: true })
 */
export const DevboxShutdownQuery = t.partial({ force: QueryBoolean }, 'DevboxShutdownQuery');
export type DevboxShutdownQuery = t.TypeOf<typeof DevboxShutdownQuery>;

/**
 * Query of `logs`.
 *
 * @example
 * DevboxLogsQuery.is({ execution_id: 'exe_1' }); // true
 */
export const DevboxLogsQuery = t.partial({ execution_id: t.string, shell_name: t.string }, 'DevboxLogsQuery');
export type DevboxLogsQuery = t.TypeOf<typeof DevboxLogsQuery>;

/** @example DevboxLogSource.isKnown('exec') // true */
export const DevboxLogSource = openEnum('DevboxLogSource', [
  'setup_commands',
  'entrypoint',
  'exec',
  'files',
  'stats',
  'kmsg',
]);
export type DevboxLogSource = t.TypeOf<typeof DevboxLogSource>;

/**
 * One devbox log line.
 *
 * @example
 * DevboxLogEntry.is({ level: 'info', source: 'exec', timestamp_ms: 1, cmd: 'ls' }); // true
 */
export const DevboxLogEntry = t.intersection(
  [
    t.type({ level: t.string, source: DevboxLogSource, timestamp_ms: t.number }),
    t.partial({
      cmd: nullable(t.string),
      cmd_id: nullable(t.string),
      exit_code: nullable(t.number),
      message: nullable(t.string),
      shell_name: nullable(t.string),
    }),
  ],
  'DevboxLogEntry',
);
export type DevboxLogEntry = t.TypeOf<typeof DevboxLogEntry>;

/** @example DevboxLogsView.is({ logs: [] }) // true */
export const DevboxLogsView = t.type({ logs: t.array(DevboxLogEntry) }, 'DevboxLogsView');
export type DevboxLogsView = t.TypeOf<typeof DevboxLogsView>;

/**
 * Resource usage of a devbox.
 *
 * @example
 * DevboxUsageView.decode(body);
 */
export const DevboxUsageView = t.intersection(
  [
    t.type({
      id: t.string,
      status: DevboxStatus,
      start_time_ms: t.number,
      total_active_seconds: t.number,
      total_elapsed_seconds: t.number,
      vcpu_seconds: t.number,
      memory_gb_seconds: t.number,
      disk_gb_seconds: t.number,
    }),
    t.partial({ end_time_ms: nullable(t.number) }),
  ],
  'DevboxUsageView',
);
export type DevboxUsageView = t.TypeOf<typeof DevboxUsageView>;

/**
 * One event of the eviction feed (SSE `data`).
 *
 * @example
 * DevboxEvictionEventView.is({ devbox_id: 'dbx_1', eviction_deadline_ms: 1 }); // true
 */
export const DevboxEvictionEventView = t.type(
  { devbox_id: t.string, eviction_deadline_ms: t.number },
  'DevboxEvictionEventView',
);
export type DevboxEvictionEventView = t.TypeOf<typeof DevboxEvictionEventView>;
