/**
 * Raw disk snapshot endpoints under `/v1/devboxes/disk_snapshots`
 * (runloop-api.md §10). Creating a snapshot is on `Devboxes`.
 */
import type { Observable } from 'rxjs';
import type { RequestOptions } from '../../core/request.js';
import {
  metadataQuery,
  SnapshotListView,
  SnapshotStatusView,
  SnapshotView,
  Untyped,
  type MetadataFilters,
  type SnapshotListQuery,
  type SnapshotUpdateParams,
} from '../views/index.js';
import { ApiResource, apiPath, withOptions } from './resource.js';

/** Query of {@link DiskSnapshots.list}: the page query plus metadata filters. @example const q: SnapshotListRequest = { limit: 10, metadata: { env: 'prod' } }; */
export type SnapshotListRequest = SnapshotListQuery & { readonly metadata?: MetadataFilters };

/**
 * The disk snapshot endpoints. Cold, like every resource method.
 *
 * @example
 * api.devboxes.diskSnapshots.queryStatus('snp_1').subscribe((s) => console.log(s.status));
 */
export class DiskSnapshots extends ApiResource {
  /**
   * GET /v1/devboxes/disk_snapshots: one page. `metadata` filters become
   * `metadata[k]=v` (one value) or `metadata[k][in]=a,b` (several).
   *
   * @example
   * api.devboxes.diskSnapshots.list({ devbox_id: 'dbx_1', metadata: { env: 'prod' } })
   */
  list(query: SnapshotListRequest = {}, options?: RequestOptions): Observable<SnapshotListView> {
    const { metadata, ...rest } = query;
    const fullQuery = metadata === undefined ? rest : { ...rest, ...metadataQuery(metadata) };
    const path = '/v1/devboxes/disk_snapshots';
    return this.caller.json({ method: 'GET', path, query: fullQuery, ...withOptions(options) }, SnapshotListView);
  }

  /** GET /v1/devboxes/disk_snapshots/{id}/status. @example api.devboxes.diskSnapshots.queryStatus('snp_1') */
  queryStatus(id: string, options?: RequestOptions): Observable<SnapshotStatusView> {
    const path = apiPath`/v1/devboxes/disk_snapshots/${id}/status`;
    return this.caller.json({ method: 'GET', path, ...withOptions(options) }, SnapshotStatusView);
  }

  /** POST /v1/devboxes/disk_snapshots/{id}: `metadata` replaces the old map. @example api.devboxes.diskSnapshots.update('snp_1', { name: 'gold' }) */
  update(id: string, params: SnapshotUpdateParams, options?: RequestOptions): Observable<SnapshotView> {
    const path = apiPath`/v1/devboxes/disk_snapshots/${id}`;
    return this.caller.json({ method: 'POST', path, body: params, ...withOptions(options) }, SnapshotView);
  }

  /** POST /v1/devboxes/disk_snapshots/{id}/delete. @example api.devboxes.diskSnapshots.delete('snp_1') */
  delete(id: string, options?: RequestOptions): Observable<unknown> {
    const path = apiPath`/v1/devboxes/disk_snapshots/${id}/delete`;
    return this.caller.json({ method: 'POST', path, ...withOptions(options) }, Untyped);
  }
}
