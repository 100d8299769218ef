import { defer, map, type Observable } from 'rxjs';
import type { SnapshotListRequest } from '../../api/resources/disk-snapshots.js';
import type { MetadataFilters } from '../../api/views/disk-snapshot.js';
import type { PageQuery } from '../../api/views/shared.js';
import { listItems } from '../internal/list-items.js';
import { definedFields } from '../internal/defined-fields.js';
import type { CallOptions, ListOptions } from '../options.js';
import { Snapshot } from '../snapshot.js';
import { requestOptions, type SdkContext } from '../internal/context.js';

/**
 * What `runloop.snapshot.list` reads: filters, the total `limit` and the `pageSize`.
 *
 * @example
 * const params: SnapshotListParams = { devboxId: 'dbx_1', metadata: { env: 'prod' }, limit: 5 };
 */
export interface SnapshotListParams extends ListOptions {
  readonly devboxId?: string;
  readonly sourceBlueprintId?: string;
  /** `{ key: value }`, or `{ key: [values] }` for any of them. */
  readonly metadata?: MetadataFilters;
}

/**
 * `runloop.snapshot`: find and list disk snapshots. Every method is cold.
 *
 * @example
 * runloop.snapshot.list({ devboxId: 'dbx_1' }).subscribe((s) => console.log(s.id));
 */
export class SnapshotOps {
  /** @internal */
  constructor(private readonly ctx: SdkContext) {}

  /**
   * An existing snapshot (its status is read, so a wrong id fails with NotFoundError).
   *
   * @example
   * runloop.snapshot.fromId('snp_1').pipe(switchMap((s) => s.awaitCompleted())).subscribe();
   */
  fromId(id: string, options?: CallOptions): Observable<Snapshot> {
    return defer(() => this.ctx.api.diskSnapshots.queryStatus(id, requestOptions(options))).pipe(
      map(() => new Snapshot(this.ctx, id)),
    );
  }

  /**
   * Snapshots matching `params`, at most `limit` in all, page after page
   * (`pageSize` each), fetched lazily.
   *
   * @example
   * runloop.snapshot.list({ devboxId: 'dbx_1' }).pipe(toArray()).subscribe((all) => console.log(all.length));
   */
  list(params: SnapshotListParams = {}, options?: CallOptions): Observable<Snapshot> {
    const { devboxId, sourceBlueprintId, metadata } = params;
    const filters: SnapshotListRequest = definedFields({
      devbox_id: devboxId,
      source_blueprint_id: sourceBlueprintId,
      metadata,
    });
    const fetchPage = (page: PageQuery) =>
      this.ctx.api.diskSnapshots.list({ ...page, ...filters }, requestOptions(options));
    return listItems(fetchPage, 'snapshots', params).pipe(map((view) => new Snapshot(this.ctx, view.id)));
  }
}
