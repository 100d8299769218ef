import { EMPTY, defer, take, tap, type Observable } from 'rxjs';
import { paginateItems, withCursor, type Page, type PageItem } from '../../core/paginate.js';
import type { ListOptions } from '../options.js';

/**
 * The items of every page of a list endpoint, at most `limit` of them;
 * each request asks for no more than are still wanted.
 *
 * @example
 * listItems((q) => api.devboxes.list({ ...q, status: 'running' }), 'devboxes', { limit: 3 });
 */
export function listItems<K extends string, P extends Page<K, unknown>>(
  fetchPage: (page: { readonly limit?: number; readonly starting_after?: string }) => Observable<P>,
  itemsKey: K,
  options: ListOptions,
): Observable<PageItem<P, K>> {
  const { limit, pageSize } = options;
  return defer(() => {
    // Per subscription: how many items were emitted sizes the next page.
    let emitted = 0;
    const size = (): { readonly limit?: number } => {
      const wanted = pageSize ?? limit;
      if (wanted === undefined) return {};
      return { limit: limit === undefined ? wanted : Math.max(1, Math.min(wanted, limit - emitted)) };
    };
    // Once `limit` items are out, no next page is even requested.
    const next = (startingAfter?: string): Observable<P> =>
      limit !== undefined && emitted >= limit ? EMPTY : fetchPage(withCursor(size(), startingAfter));
    const items$ = paginateItems<K, P>(next, itemsKey).pipe(
      tap(() => {
        emitted++;
      }),
    );
    return limit === undefined ? items$ : items$.pipe(take(limit));
  });
}
