/**
 * Cursor pagination by id (runloop-api.md §4), with `expand`.
 */
import { EMPTY, concatMap, defer, expand, from, type Observable } from 'rxjs';

/**
 * The shape of one list page: `itemsKey` holds the items.
 *
 * @example
 * type DevboxPage = Page<'devboxes', { id: string }>;
 */
export type Page<K extends string, Item> = { readonly has_more?: boolean | null } & {
  readonly [P in K]: readonly Item[];
};

/**
 * The item type of page type `P` under `K`.
 *
 * @example
 * type Item = PageItem<{ devboxes: { id: string }[] }, 'devboxes'>; // { id: string }
 */
export type PageItem<P, K extends string> = P extends { readonly [Q in K]: readonly (infer I)[] } ? I : never;

/**
 * The cursor for the page after `page`, or `undefined` when there is none:
 * only if `has_more === true`, the page is not empty and its last item has an id.
 *
 * @example
 * nextCursor({ devboxes: [{ id: 'a' }], has_more: true }, 'devboxes'); // 'a'
 */
export function nextCursor<K extends string>(page: Page<K, unknown>, itemsKey: K): string | undefined {
  if (page.has_more !== true) return undefined;
  const items = page[itemsKey] as readonly unknown[] | undefined;
  if (!Array.isArray(items) || items.length === 0) return undefined;
  const lastItem: unknown = items[items.length - 1];
  const id = typeof lastItem === 'object' && lastItem !== null ? (lastItem as { id?: unknown }).id : undefined;
  return typeof id === 'string' && id.length > 0 ? id : undefined;
}

/**
 * `query` for the page after `startingAfter`: unchanged for the first page
 * (no cursor), else with `starting_after` set. Every list's `fetchPage` needs it.
 *
 * @example
 * paginateItems((after) => api.objects.list(withCursor({ limit: 50 }, after)), 'objects');
 */
export function withCursor<Q extends object>(
  query: Q,
  startingAfter: string | undefined,
): Q | (Q & { readonly starting_after: string }) {
  return startingAfter === undefined ? query : { ...query, starting_after: startingAfter };
}

/**
 * Every page, in order: the first without a cursor, each next one with
 * `starting_after` = last id of the previous. Lazy: a page is fetched only
 * when the previous one has arrived, and unsubscribing stops fetching.
 *
 * @example
 * paginatePages((after) => api.devboxes.list({ limit: 100, starting_after: after }), 'devboxes')
 *   .subscribe((page) => console.log(page.devboxes.length));
 */
export function paginatePages<K extends string, P extends Page<K, unknown>>(
  fetchPage: (startingAfter?: string) => Observable<P>,
  itemsKey: K,
): Observable<P> {
  return defer(() => fetchPage(undefined)).pipe(
    expand((page) => {
      const cursor = nextCursor<K>(page, itemsKey);
      return cursor === undefined ? EMPTY : fetchPage(cursor);
    }),
  );
}

/**
 * Every item of every page, in order.
 *
 * @example
 * paginateItems((after) => api.blueprints.list({ starting_after: after }), 'blueprints')
 *   .pipe(take(10))
 *   .subscribe((bp) => console.log(bp.id));
 */
export function paginateItems<K extends string, P extends Page<K, unknown>>(
  fetchPage: (startingAfter?: string) => Observable<P>,
  itemsKey: K,
): Observable<PageItem<P, K>> {
  return paginatePages<K, P>(fetchPage, itemsKey).pipe(
    concatMap((page) => from(page[itemsKey] as readonly PageItem<P, K>[])),
  );
}

/**
 * Both views at once.
 *
 * @example
 * const { pages$, items$ } = paginate(fetchPage, 'objects');
 */
export function paginate<K extends string, P extends Page<K, unknown>>(
  fetchPage: (startingAfter?: string) => Observable<P>,
  itemsKey: K,
): { readonly pages$: Observable<P>; readonly items$: Observable<PageItem<P, K>> } {
  return { pages$: paginatePages<K, P>(fetchPage, itemsKey), items$: paginateItems<K, P>(fetchPage, itemsKey) };
}
