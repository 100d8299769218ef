/**
 * Disk snapshot views, parameters and queries (runloop-api.md §10).
 */
import * as t from 'io-ts';
import { listOf } from './list.js';
import { maxLengthString, nullable, openEnum, PageQuery, StringMap } from './shared.js';
import { Metadata, ResourceName } from './limits.js';

/** The longest accepted `commit_message`, in characters. @example message.length <= MAX_COMMIT_MESSAGE_LENGTH */
export const MAX_COMMIT_MESSAGE_LENGTH = 1000;

/**
 * A disk snapshot.
 *
 * @example
 * SnapshotView.is({ id: 'snp_1', create_time_ms: 1, metadata: {}, source_devbox_id: 'dbx_1' }); // true
 */
export const SnapshotView = t.intersection(
  [
    t.type({ id: t.string, create_time_ms: t.number, metadata: StringMap, source_devbox_id: t.string }),
    t.partial({
      name: nullable(t.string),
      commit_message: nullable(t.string),
      size_bytes: nullable(t.number),
      source_blueprint_id: nullable(t.string),
    }),
  ],
  'SnapshotView',
);
export type SnapshotView = t.TypeOf<typeof SnapshotView>;

/**
 * A snapshot's status. `deleted` never turns into `complete`.
 *
 * @example
 * SnapshotStatus.isKnown('in_progress'); // true
 */
export const SnapshotStatus = openEnum('SnapshotStatus', ['in_progress', 'complete', 'error', 'deleted']);
export type SnapshotStatus = t.TypeOf<typeof SnapshotStatus>;
/** Strict form of {@link SnapshotStatus}, for requests. @example SnapshotStatusStrict.is('archived') // false */
export const SnapshotStatusStrict = SnapshotStatus.strict;
export type SnapshotStatusStrict = t.TypeOf<typeof SnapshotStatusStrict>;

/**
 * Response of the snapshot `status` endpoint.
 *
 * @example
 * SnapshotStatusView.is({ status: 'error', error_message: 'disk full' }); // true
 */
export const SnapshotStatusView = t.intersection(
  [
    t.type({ status: SnapshotStatus }),
    t.partial({ error_message: nullable(t.string), snapshot: nullable(SnapshotView) }),
  ],
  'SnapshotStatusView',
);
export type SnapshotStatusView = t.TypeOf<typeof SnapshotStatusView>;

// Create and update take the same fields; only their meaning differs (update replaces metadata wholesale).
const snapshotFields = {
  name: nullable(ResourceName),
  metadata: nullable(Metadata),
  commit_message: nullable(maxLengthString(MAX_COMMIT_MESSAGE_LENGTH)),
};

/**
 * Body of `snapshot_disk` / `snapshot_disk_async`.
 *
 * @example
 * SnapshotCreateParams.is({ name: 'before-upgrade', commit_message: 'x'.repeat(1001) }); // false
 */
export const SnapshotCreateParams = t.partial(snapshotFields, 'SnapshotCreateParams');
export type SnapshotCreateParams = t.TypeOf<typeof SnapshotCreateParams>;

/**
 * Body of a snapshot update; `metadata` replaces the old map wholesale.
 *
 * @example
 * SnapshotUpdateParams.is({ metadata: { stage: 'gold' } }); // true
 */
export const SnapshotUpdateParams = t.partial(snapshotFields, 'SnapshotUpdateParams');
export type SnapshotUpdateParams = t.TypeOf<typeof SnapshotUpdateParams>;

/**
 * Query of the snapshot list. Metadata filters travel as literal bracket keys
 * (`metadata[k]=v`, `metadata[k][in]=a,b`): see {@link metadataFilters}.
 *
 * @example
 * SnapshotListQuery.decode({ devbox_id: 'dbx_1', limit: '5' }); // right({ devbox_id: 'dbx_1', limit: 5 })
 */
export const SnapshotListQuery = t.intersection(
  [PageQuery, t.partial({ devbox_id: t.string, source_blueprint_id: t.string })],
  'SnapshotListQuery',
);
export type SnapshotListQuery = t.TypeOf<typeof SnapshotListQuery>;

/** Metadata filters of a list: each key must equal one value or be one of several. @example const f: MetadataFilters = { env: 'prod', team: ['a', 'b'] }; */
export type MetadataFilters = Readonly<Record<string, string | readonly string[]>>;

/**
 * Encodes metadata filters as the bracket query keys the API expects.
 *
 * @example
 * metadataQuery({ env: 'prod', team: ['a', 'b'] }); // { 'metadata[env]': 'prod', 'metadata[team][in]': 'a,b' }
 */
export function metadataQuery(filters: MetadataFilters): Record<string, string> {
  const query: Record<string, string> = {};
  for (const [key, value] of Object.entries(filters)) {
    if (typeof value === 'string') query[`metadata[${key}]`] = value;
    else query[`metadata[${key}][in]`] = value.join(',');
  }
  return query;
}

const METADATA_KEY = /^metadata\[([^\]]+)\](\[in\])?$/;

/**
 * Reads metadata filters back out of a raw query (the server side of {@link metadataQuery}).
 *
 * @example
 * metadataFilters({ 'metadata[env]': 'prod', limit: '5' }); // { env: 'prod' }
 */
export function metadataFilters(rawQuery: Readonly<Record<string, unknown>>): Record<string, string | string[]> {
  const filters: Record<string, string | string[]> = {};
  for (const [key, value] of Object.entries(rawQuery)) {
    const match = METADATA_KEY.exec(key);
    if (!match || typeof value !== 'string') continue;
    const name = match[1] as string;
    filters[name] = match[2] ? value.split(',') : value;
  }
  return filters;
}

/**
 * A page of snapshots.
 *
 * @example
 * SnapshotListView.is({ snapshots: [], has_more: false }); // true
 */
export const SnapshotListView = listOf('snapshots', SnapshotView, 'SnapshotListView');
export type SnapshotListView = t.TypeOf<typeof SnapshotListView>;
