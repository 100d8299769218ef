import { defer, map, type Observable } from 'rxjs';
import type { SnapshotListRequest } from '../../api/resources/disk-snapshots.js';
import { paginateItems, withCursor } from '../../core/paginate.js';
import type { CallOptions } from '../options.js';
import { Snapshot } from '../snapshot.js';
import { requestOptions, type SdkContext } from '../internal/context.js';

/**
 * `runloop.snapshot`: find and list disk snapshots. Every method is cold.
 *
 * @example
 * runloop.snapshot.list({ devbox_id: 'dbx_1' }).subscribe((s) => console.log(s.id));
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
    return defer(() => this.ctx.api.diskSnapshots.queryStatus(id, requestOptions(options))).pipe(map(() => new Snapshot(this.ctx, id)));
  }

  /**
   * Every snapshot matching `query` (e.g. `{ devbox_id }`), page after page, fetched lazily.
   *
   * @example
   * runloop.snapshot.list().pipe(toArray()).subscribe((all) => console.log(all.length));
   */
  list(query: SnapshotListRequest & { readonly devboxId?: string } = {}, options?: CallOptions): Observable<Snapshot> {
    const { devboxId, ...rest } = query;
    const base: SnapshotListRequest = devboxId === undefined ? rest : { ...rest, devbox_id: devboxId };
    const fetchPage = (startingAfter?: string) =>
      this.ctx.api.diskSnapshots.list(withCursor(base, startingAfter), requestOptions(options));
    return paginateItems(fetchPage, 'snapshots').pipe(map((view) => new Snapshot(this.ctx, view.id)));
  }
}
