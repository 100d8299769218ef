/**
 * How a blueprint is kept: its public view plus where its layer lives, the
 * layers it stacks on (its base blueprint's chain) and the image metadata
 * (ENV…) that devboxes made from it inherit.
 */
import * as t from 'io-ts';
import { BlueprintBuildParameters, type BlueprintView } from 'runloop-rx/views';
import { nullable, StoredStringMap } from '../store/codecs.js';
import type { CollectionSpec } from '../store/collection.js';
import type { ImageMetadata } from './dockerfile/plan.js';

/**
 * Blueprint status (runloop-api.md §11).
 *
 * @example
 * const usable = (s: BlueprintStatusStrict) => s === 'build_complete';
 */
export type BlueprintStatusStrict = 'queued' | 'provisioning' | 'building' | 'build_complete' | 'failed';

/**
 * The stored form of one blueprint.
 *
 * @example
 * const record: BlueprintRecord = blueprints.get('bpt_1');
 * const view = toBlueprintView(record);
 */
export interface BlueprintRecord {
  readonly id: string;
  readonly name: string;
  readonly create_time_ms: number;
  readonly parameters: BlueprintBuildParameters;
  readonly state: 'created' | 'deleted';
  readonly status: BlueprintStatusStrict;
  readonly base_blueprint_id: string | null;
  readonly build_finish_time_ms: number | null;
  readonly failure_reason: 'build_failed' | null;
  readonly metadata: Readonly<Record<string, string>> | null;
  /** `<dataDir>/blueprints/<id>/layer`, once built. */
  readonly layer_dir: string | null;
  /** The base blueprint's chain, topmost first. */
  readonly parent_layers: readonly string[];
  /** What the image records (ENV, WORKDIR, USER, CMD…), once built. */
  readonly image: ImageMetadata | null;
  /** True once a deleted blueprint's files are gone. */
  readonly files_removed: boolean;
}

/**
 * Store layout: newest first, filterable by name, status and state.
 *
 * @example
 * const blueprints = store.collection('blueprints', BLUEPRINT_COLLECTION);
 */
export const BLUEPRINT_COLLECTION: CollectionSpec<BlueprintRecord> = {
  codec: t.type({
    id: t.string,
    name: t.string,
    create_time_ms: t.number,
    parameters: BlueprintBuildParameters,
    state: t.keyof({ created: null, deleted: null }),
    status: t.keyof({ queued: null, provisioning: null, building: null, build_complete: null, failed: null }),
    base_blueprint_id: nullable(t.string),
    build_finish_time_ms: nullable(t.number),
    failure_reason: nullable(t.literal('build_failed')),
    metadata: nullable(StoredStringMap),
    layer_dir: nullable(t.string),
    parent_layers: t.array(t.string),
    image: nullable(
      t.intersection([
        t.type({
          env: StoredStringMap,
          workdir: t.string,
          user: t.string,
          labels: StoredStringMap,
          exposedPorts: t.array(t.string),
          baseImage: t.string,
        }),
        t.partial({ cmd: t.array(t.string), entrypoint: t.array(t.string), stopSignal: t.string }),
      ]),
    ),
    files_removed: t.boolean,
  }),
  createdAt: (b) => b.create_time_ms,
  indexes: {
    name: (b) => b.name,
    status: (b) => b.status,
    state: (b) => b.state,
    base_blueprint_id: (b) => b.base_blueprint_id,
  },
};

/**
 * The public view of a blueprint.
 *
 * @example
 * json(toBlueprintView(record));
 */
export function toBlueprintView(record: BlueprintRecord): BlueprintView {
  return {
    id: record.id,
    name: record.name,
    create_time_ms: record.create_time_ms,
    parameters: record.parameters,
    state: record.state,
    status: record.status,
    base_blueprint_id: record.base_blueprint_id,
    build_finish_time_ms: record.build_finish_time_ms,
    failure_reason: record.failure_reason,
    is_public: false,
    metadata: record.metadata,
    containerized_services: [],
    devbox_capabilities: [],
  };
}

/**
 * The layers a devbox made from this blueprint stacks, topmost first.
 *
 * @example
 * blueprintChain(record); // ['/data/blueprints/bpt_2/layer', '/data/blueprints/bpt_1/layer']
 */
export function blueprintChain(record: BlueprintRecord): readonly string[] {
  return record.layer_dir === null ? record.parent_layers : [record.layer_dir, ...record.parent_layers];
}
