/**
 * How a disk snapshot is kept: its public view, its status, and where its
 * layer and its parents' layers live (the chain a new devbox stacks).
 */
import type { SnapshotView } from 'runloop-rx/views';
import * as t from 'io-ts';
import { nullable, StoredStringMap } from '../store/codecs.js';
import type { CollectionSpec } from '../store/collection.js';

/**
 * Snapshot status (runloop-api.md §10).
 *
 * @example
 * const canStartDevbox = (s: SnapshotStatusStrict) => s === 'complete';
 */
export type SnapshotStatusStrict = 'in_progress' | 'complete' | 'error' | 'deleted';

/**
 * The stored form of one snapshot.
 *
 * @example
 * const record: SnapshotRecord = snapshots.get('snp_1');
 * layerChain(record); // [record.layer_dir, ...record.parent_layers]
 */
export interface SnapshotRecord {
  readonly id: string;
  readonly create_time_ms: number;
  readonly metadata: Readonly<Record<string, string>>;
  readonly source_devbox_id: string;
  readonly name: string | null;
  readonly commit_message: string | null;
  readonly size_bytes: number | null;
  readonly source_blueprint_id: string | null;
  readonly status: SnapshotStatusStrict;
  readonly error_message: string | null;
  /** `<dataDir>/snapshots/<id>/layer`: this snapshot's own layer. */
  readonly layer_dir: string;
  /** The source devbox's layers (blueprint, earlier snapshots), topmost first. */
  readonly parent_layers: readonly string[];
  /** Environment defaults inherited by devboxes made from it (from its blueprint). */
  readonly environment_defaults: Readonly<Record<string, string>>;
  /** True once a deleted snapshot's files are gone (no devbox or snapshot used them any more). */
  readonly files_removed: boolean;
}

/**
 * Store layout: newest first; filterable by source devbox, blueprint and status.
 *
 * @example
 * const snapshots = store.collection('disk_snapshots', SNAPSHOT_COLLECTION);
 */
export const SNAPSHOT_COLLECTION: CollectionSpec<SnapshotRecord> = {
  codec: t.type({
    id: t.string,
    create_time_ms: t.number,
    metadata: StoredStringMap,
    source_devbox_id: t.string,
    name: nullable(t.string),
    commit_message: nullable(t.string),
    size_bytes: nullable(t.number),
    source_blueprint_id: nullable(t.string),
    status: t.keyof({ in_progress: null, complete: null, error: null, deleted: null }),
    error_message: nullable(t.string),
    layer_dir: t.string,
    parent_layers: t.array(t.string),
    environment_defaults: StoredStringMap,
    files_removed: t.boolean,
  }),
  createdAt: (s) => s.create_time_ms,
  indexes: {
    devbox_id: (s) => s.source_devbox_id,
    source_blueprint_id: (s) => s.source_blueprint_id,
    status: (s) => s.status,
  },
};

/**
 * The public view of a snapshot.
 *
 * @example
 * json(toSnapshotView(record));
 */
export function toSnapshotView(record: SnapshotRecord): SnapshotView {
  return {
    id: record.id,
    create_time_ms: record.create_time_ms,
    metadata: { ...record.metadata },
    source_devbox_id: record.source_devbox_id,
    name: record.name,
    commit_message: record.commit_message,
    size_bytes: record.size_bytes,
    source_blueprint_id: record.source_blueprint_id,
  };
}

/**
 * The layers a devbox made from this snapshot stacks, topmost first.
 *
 * @example
 * runtime.start({ ...spec, layers: layerChain(record) });
 */
export function layerChain(record: SnapshotRecord): readonly string[] {
  return [record.layer_dir, ...record.parent_layers];
}
