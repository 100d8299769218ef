/**
 * Blueprint views, parameters and queries (runloop-api.md §11).
 */
import * as t from 'io-ts';
import { DevboxCapability } from './devbox.js';
import { LaunchParameters, LaunchParametersParams } from './launch.js';
import { listOf } from './list.js';
import { CodeMountParameters } from './mount.js';
import { nullable, openEnum, PageQuery, StringMap } from './shared.js';
import {
  CommandList,
  FileMounts,
  limitedArray,
  limitedBytes,
  limitedMap,
  Metadata,
  NonEmptyName,
  REQUEST_LIMITS,
  ResourceName,
  ShortRef,
} from './limits.js';

/**
 * A blueprint's build status. Open: unknown statuses decode.
 *
 * @example
 * BlueprintStatus.isKnown('build_complete'); // true
 */
export const BlueprintStatus = openEnum('BlueprintStatus', [
  'queued',
  'provisioning',
  'building',
  'awaiting_upload',
  'failed',
  'build_complete',
]);
export type BlueprintStatus = t.TypeOf<typeof BlueprintStatus>;
/** Strict form of {@link BlueprintStatus}, for requests. @example BlueprintStatusStrict.is('signing') // false */
export const BlueprintStatusStrict = BlueprintStatus.strict;
export type BlueprintStatusStrict = t.TypeOf<typeof BlueprintStatusStrict>;

/** Statuses during which a build is still in progress; anything else is terminal. @example BLUEPRINT_IN_PROGRESS_STATUSES.includes(view.status) */
export const BLUEPRINT_IN_PROGRESS_STATUSES: readonly string[] = ['queued', 'provisioning', 'building'];

/**
 * Whether a build is over: a known status outside
 * {@link BLUEPRINT_IN_PROGRESS_STATUSES}. A status this SDK does not know
 * yet counts as still in progress, so a new server status never ends a wait
 * early (the wait's deadline bounds it).
 *
 * @example
 * isBlueprintBuildOver('failed'); // true; isBlueprintBuildOver('signing'); // false
 */
export function isBlueprintBuildOver(status: string): boolean {
  return BlueprintStatus.isKnown(status) && !BLUEPRINT_IN_PROGRESS_STATUSES.includes(status);
}

/** @example BlueprintState.is('deleted') // true */
export const BlueprintState = openEnum('BlueprintState', ['created', 'deleted']);
export type BlueprintState = t.TypeOf<typeof BlueprintState>;
/** Strict form of {@link BlueprintState}, for requests. @example BlueprintStateStrict.is('archived') // false */
export const BlueprintStateStrict = BlueprintState.strict;
export type BlueprintStateStrict = t.TypeOf<typeof BlueprintStateStrict>;
/** @example BlueprintFailureReason.is('build_failed') // true */
export const BlueprintFailureReason = openEnum('BlueprintFailureReason', [
  'out_of_memory',
  'out_of_disk',
  'build_failed',
]);
export type BlueprintFailureReason = t.TypeOf<typeof BlueprintFailureReason>;

/**
 * A containerized service started next to a devbox.
 *
 * @example
 * BlueprintService.is({ name: 'db', image: 'postgres:16', port_mappings: ['5432:5432'] }); // true
 */
export const BlueprintService = t.intersection(
  [
    t.type({ name: t.string, image: t.string }),
    t.partial({
      credentials: nullable(t.type({ username: t.string, password: t.string })),
      env: nullable(StringMap),
      options: nullable(t.string),
      port_mappings: nullable(t.array(t.string)),
    }),
  ],
  'BlueprintService',
);
export type BlueprintService = t.TypeOf<typeof BlueprintService>;

/**
 * A build context stored as an object (a tgz of the directory).
 *
 * @example
 * BuildContext.is({ type: 'object', object_id: 'obj_1' }); // true
 */
export const BuildContext = t.type({ type: t.literal('object'), object_id: t.string }, 'BuildContext');
export type BuildContext = t.TypeOf<typeof BuildContext>;

const optionalBuildFields = {
  dockerfile: nullable(limitedBytes(REQUEST_LIMITS.dockerfileBytes)),
  system_setup_commands: nullable(CommandList),
  build_context: nullable(BuildContext),
  base_blueprint_id: nullable(ShortRef),
  base_blueprint_name: nullable(ResourceName),
  build_args: nullable(limitedMap(REQUEST_LIMITS.buildArgs, REQUEST_LIMITS.envNameChars, REQUEST_LIMITS.textChars)),
  file_mounts: nullable(FileMounts),
  code_mounts: nullable(limitedArray(CodeMountParameters, REQUEST_LIMITS.mounts)),
  metadata: nullable(Metadata),
  network_policy_id: nullable(ShortRef),
  secrets: nullable(limitedMap(REQUEST_LIMITS.envEntries, REQUEST_LIMITS.envNameChars, REQUEST_LIMITS.nameChars)),
  services: nullable(limitedArray(BlueprintService, REQUEST_LIMITS.listEntries)),
};

/**
 * Body of a blueprint create (and preview). `name` is required; launch
 * parameters are checked strictly.
 *
 * @example
 * BlueprintCreateParams.is({ name: 'py', dockerfile: 'FROM ubuntu:24.04' }); // true
 * BlueprintCreateParams.is({ dockerfile: 'FROM x' }); // false
 */
export const BlueprintCreateParams = t.intersection(
  [
    t.type({ name: NonEmptyName }),
    t.partial({ ...optionalBuildFields, launch_parameters: nullable(LaunchParametersParams) }),
  ],
  'BlueprintCreateParams',
);
export type BlueprintCreateParams = t.TypeOf<typeof BlueprintCreateParams>;

/**
 * The build parameters a blueprint echoes back (tolerant launch parameters).
 *
 * @example
 * BlueprintBuildParameters.is({ name: 'py' }); // true
 */
export const BlueprintBuildParameters = t.intersection(
  [t.type({ name: t.string }), t.partial({ ...optionalBuildFields, launch_parameters: nullable(LaunchParameters) })],
  'BlueprintBuildParameters',
);
export type BlueprintBuildParameters = t.TypeOf<typeof BlueprintBuildParameters>;

/**
 * A blueprint as the server reports it.
 *
 * @example
 * BlueprintView.decode(body);
 */
export const BlueprintView = t.intersection(
  [
    t.type({
      id: t.string,
      name: t.string,
      create_time_ms: t.number,
      parameters: BlueprintBuildParameters,
      state: BlueprintState,
      status: BlueprintStatus,
    }),
    t.partial({
      base_blueprint_id: nullable(t.string),
      build_finish_time_ms: nullable(t.number),
      containerized_services: nullable(t.array(BlueprintService)),
      devbox_capabilities: nullable(t.array(DevboxCapability)),
      failure_reason: nullable(BlueprintFailureReason),
      is_public: t.boolean,
      metadata: nullable(StringMap),
    }),
  ],
  'BlueprintView',
);
export type BlueprintView = t.TypeOf<typeof BlueprintView>;

/**
 * A page of blueprints.
 *
 * @example
 * BlueprintListView.is({ blueprints: [], has_more: false }); // true
 */
export const BlueprintListView = listOf('blueprints', BlueprintView, 'BlueprintListView');
export type BlueprintListView = t.TypeOf<typeof BlueprintListView>;

/**
 * Query of the blueprint lists. `status` is free text, as in the official client.
 *
 * @example
 * BlueprintListQuery.decode({ name: 'py', limit: '10' }); // right({ name: 'py', limit: 10 })
 */
export const BlueprintListQuery = t.intersection(
  [PageQuery, t.partial({ name: t.string, status: t.string })],
  'BlueprintListQuery',
);
export type BlueprintListQuery = t.TypeOf<typeof BlueprintListQuery>;

/** @example BlueprintBuildLog.is({ level: 'info', message: 'Step 1/3', timestamp_ms: 1 }) // true */
export const BlueprintBuildLog = t.type(
  { level: t.string, message: t.string, timestamp_ms: t.number },
  'BlueprintBuildLog',
);
export type BlueprintBuildLog = t.TypeOf<typeof BlueprintBuildLog>;

/**
 * Response of the blueprint `logs` endpoint.
 *
 * @example
 * BlueprintBuildLogsView.is({ blueprint_id: 'bpt_1', logs: [] }); // true
 */
export const BlueprintBuildLogsView = t.type(
  { blueprint_id: t.string, logs: t.array(BlueprintBuildLog) },
  'BlueprintBuildLogsView',
);
export type BlueprintBuildLogsView = t.TypeOf<typeof BlueprintBuildLogsView>;

/** Response of the deprecated `preview`. @example BlueprintPreviewView.is({ dockerfile: 'FROM x' }) // true */
export const BlueprintPreviewView = t.type({ dockerfile: t.string }, 'BlueprintPreviewView');
export type BlueprintPreviewView = t.TypeOf<typeof BlueprintPreviewView>;
