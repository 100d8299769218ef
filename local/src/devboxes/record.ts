/**
 * How a devbox is kept in the store: its public view plus the private facts
 * needed to (re)start it and to enforce its timers after a restart.
 */
import * as t from 'io-ts';
import { DevboxStatusStrict, StateTransition, type DevboxCreateParams, type DevboxView } from 'runloop-rx/views';
import { LaunchParameters } from 'runloop-rx/views';
import { Mount } from 'runloop-rx/views';
import type { ResourceLimits } from '../runtime/types.js';
import { nullable, StoredStringMap } from '../store/codecs.js';
import type { CollectionSpec } from '../store/collection.js';
import type { LayerResolution } from './hooks.js';
import { limitsFor } from './limits.js';

/**
 * What a (re)start of the devbox needs, fixed at create.
 *
 * @example
 * const boot: DevboxBoot = { environment_variables: {}, entrypoint: null, launch_commands: [], layers: [], limits: {}, mounts: [] };
 */
export interface DevboxBoot {
  readonly environment_variables: Readonly<Record<string, string>>;
  readonly entrypoint: string | null;
  readonly launch_commands: readonly string[];
  /** Extra read-only layers from a blueprint or snapshot, topmost first. */
  readonly layers: readonly string[];
  readonly limits: ResourceLimits;
  /** Applied once, at the first start; the filesystem keeps them after that (code mount tokens are dropped then). */
  readonly mounts: readonly Mount[];
  /** ENV_NAME → secret name; the values are read at each start, never stored here. Absent in older records. */
  readonly secrets?: Readonly<Record<string, string>>;
}

/**
 * Absolute deadlines (epoch ms), kept in the store so they survive a restart.
 *
 * @example
 * const deadlines: DevboxDeadlines = { keep_alive_ms: Date.now() + 3_600_000, idle_ms: null };
 */
export interface DevboxDeadlines {
  /** Shutdown with `keep_alive_timeout` at this time unless `keep_alive` moves it. */
  readonly keep_alive_ms: number | null;
  /** `after_idle` fires at this time unless activity moves it. */
  readonly idle_ms: number | null;
}

/**
 * The stored form of one devbox.
 *
 * @example
 * const record: DevboxRecord = devboxes.get('dbx_1');
 */
export interface DevboxRecord {
  readonly id: string;
  readonly status: DevboxStatusStrict;
  readonly create_time_ms: number;
  readonly end_time_ms: number | null;
  readonly name: string | null;
  readonly metadata: Readonly<Record<string, string>>;
  readonly launch_parameters: LaunchParameters;
  readonly state_transitions: readonly StateTransition[];
  readonly blueprint_id: string | null;
  readonly snapshot_id: string | null;
  readonly failure_reason: string | null;
  readonly shutdown_reason: string | null;
  /** Set once the mounts were written, so a restart does not write them again. */
  readonly mounted: boolean;
  readonly boot: DevboxBoot;
  readonly deadlines: DevboxDeadlines;
}

/**
 * Store layout of devboxes: newest first, filterable by status.
 *
 * @example
 * const devboxes = store.collection('devboxes', DEVBOX_COLLECTION);
 */
export const DEVBOX_COLLECTION: CollectionSpec<DevboxRecord> = {
  codec: t.type({
    id: t.string,
    status: DevboxStatusStrict,
    create_time_ms: t.number,
    end_time_ms: nullable(t.number),
    name: nullable(t.string),
    metadata: StoredStringMap,
    launch_parameters: LaunchParameters,
    state_transitions: t.array(StateTransition),
    blueprint_id: nullable(t.string),
    snapshot_id: nullable(t.string),
    failure_reason: nullable(t.string),
    shutdown_reason: nullable(t.string),
    mounted: t.boolean,
    boot: t.intersection([
      t.type({
        environment_variables: StoredStringMap,
        entrypoint: nullable(t.string),
        launch_commands: t.array(t.string),
        layers: t.array(t.string),
        limits: t.type({
          memoryBytes: t.number,
          cpuCores: t.number,
          maxPids: t.number,
          diskBytes: t.number,
          shmBytes: t.number,
        }),
        mounts: t.array(Mount),
      }),
      // Absent in records written before secrets existed.
      t.partial({ secrets: StoredStringMap }),
    ]),
    deadlines: t.type({ keep_alive_ms: nullable(t.number), idle_ms: nullable(t.number) }),
  }),
  createdAt: (d) => d.create_time_ms,
  indexes: { status: (d) => d.status },
};

/**
 * The public view of a record (private boot facts and deadlines left out).
 *
 * @example
 * return json(toDevboxView(record));
 */
export function toDevboxView(record: DevboxRecord): DevboxView {
  return {
    id: record.id,
    status: record.status,
    create_time_ms: record.create_time_ms,
    end_time_ms: record.end_time_ms,
    capabilities: [],
    launch_parameters: record.launch_parameters,
    metadata: { ...record.metadata },
    state_transitions: [...record.state_transitions],
    name: record.name,
    blueprint_id: record.blueprint_id,
    snapshot_id: record.snapshot_id,
    initiator_type: 'api',
    failure_reason: record.failure_reason,
    shutdown_reason: record.shutdown_reason,
  };
}

/**
 * Extra fields that change along with a status.
 *
 * @example
 * withStatus(record, 'shutdown', now, { shutdown_reason: 'idle' });
 */
export interface TransitionExtras {
  readonly failure_reason?: string;
  readonly shutdown_reason?: string;
  /** A more precise reason for `state_transitions` than the view's enum allows (e.g. `server_restarted`). */
  readonly transition_reason?: string;
}

/**
 * The record moved to `status` at `now`, with the transition recorded and
 * `end_time_ms` set on a terminal status.
 *
 * @example
 * devboxes.update(id, (d) => withStatus(d, 'running', Date.now()));
 */
export function withStatus(
  record: DevboxRecord,
  status: DevboxStatusStrict,
  now: number,
  extras: TransitionExtras = {},
): DevboxRecord {
  const terminal = status === 'shutdown' || status === 'failure';
  const reason = extras.transition_reason ?? extras.failure_reason;
  const transition: StateTransition =
    reason !== undefined
      ? { status, transition_time_ms: now, failure_reason: reason }
      : { status, transition_time_ms: now };
  return {
    ...record,
    status,
    end_time_ms: terminal ? now : record.end_time_ms,
    failure_reason: extras.failure_reason ?? record.failure_reason,
    shutdown_reason: extras.shutdown_reason ?? record.shutdown_reason,
    state_transitions: [...record.state_transitions, transition],
    deadlines: terminal ? { keep_alive_ms: null, idle_ms: null } : record.deadlines,
  };
}

/**
 * The record of a devbox just created (`provisioning`), from its request,
 * its merged launch parameters, its mounts and what a resolver contributed.
 *
 * @example
 * const record = newDevboxRecord(newId('dbx'), Date.now(), params, params.launch_parameters ?? {}, [], undefined);
 */
export function newDevboxRecord(
  id: string,
  now: number,
  params: DevboxCreateParams,
  launch: LaunchParameters,
  mounts: readonly Mount[],
  resolution: LayerResolution | undefined,
): DevboxRecord {
  return {
    id,
    status: 'provisioning',
    create_time_ms: now,
    end_time_ms: null,
    name: params.name ?? null,
    metadata: params.metadata ?? {},
    launch_parameters: launch,
    state_transitions: [{ status: 'provisioning', transition_time_ms: now }],
    blueprint_id: resolution?.blueprint_id ?? null,
    snapshot_id: resolution?.snapshot_id ?? null,
    failure_reason: null,
    shutdown_reason: null,
    mounted: mounts.length === 0,
    boot: {
      environment_variables: { ...(resolution?.environment_variables ?? {}), ...(params.environment_variables ?? {}) },
      entrypoint: params.entrypoint ?? null,
      launch_commands: launch.launch_commands ?? [],
      layers: resolution?.layers ?? [],
      limits: limitsFor(launch),
      mounts,
      secrets: params.secrets ?? {},
    },
    deadlines: { keep_alive_ms: null, idle_ms: null },
  };
}
