import { describe, expect, it } from 'vitest';
import { marbles } from 'rxjs-marbles';
import type { Observable } from 'rxjs';
import { nextCursor, paginate, paginateItems, paginatePages, withCursor } from '../../src/core/index.js';

interface Item {
  readonly id?: string;
}
interface DevboxPage {
  readonly devboxes: readonly Item[];
  readonly has_more?: boolean | null;
}

function pager(pages: Record<string, Observable<DevboxPage>>) {
  const cursors: (string | undefined)[] = [];
  const fetchPage = (after?: string) => {
    cursors.push(after);
    const page = pages[after ?? ''];
    if (!page) throw new Error(`unexpected cursor ${after}`);
    return page;
  };
  return { fetchPage, cursors };
}

const p1: DevboxPage = { devboxes: [{ id: 'a' }, { id: 'b' }], has_more: true };
const p2: DevboxPage = { devboxes: [{ id: 'c' }], has_more: true };
const p3: DevboxPage = { devboxes: [{ id: 'd' }], has_more: false };

describe('paginate', () => {
  it(
    'follows starting_after through every page',
    marbles((m) => {
      const first = m.cold('-p|', { p: p1 });
      const second = m.cold('-q|', { q: p2 });
      const third = m.cold('-r|', { r: p3 });
      const { fetchPage, cursors } = pager({ '': first, b: second, c: third });
      m.expect(paginatePages(fetchPage, 'devboxes')).toBeObservable('-pqr|', { p: p1, q: p2, r: p3 });
      m.expect(first).toHaveSubscriptions('^-!');
      m.expect(second).toHaveSubscriptions('-^-!');
      m.expect(third).toHaveSubscriptions('--^-!');
      m.flush();
      expect(cursors).toEqual([undefined, 'b', 'c']);
    }),
  );

  it(
    'emits items in order across pages',
    marbles((m) => {
      const first = m.cold('-p|', { p: p1 });
      const second = m.cold('----q|', { q: p3 });
      const { fetchPage } = pager({ '': first, b: second });
      m.expect(paginateItems(fetchPage, 'devboxes')).toBeObservable('-(ab)d|', {
        a: { id: 'a' },
        b: { id: 'b' },
        d: { id: 'd' },
      });
    }),
  );

  it(
    'stops on an empty page even if has_more is true',
    marbles((m) => {
      const empty: DevboxPage = { devboxes: [], has_more: true };
      const first = m.cold('-p|', { p: empty });
      const { fetchPage, cursors } = pager({ '': first });
      m.expect(paginatePages(fetchPage, 'devboxes')).toBeObservable('-p|', { p: empty });
      m.expect(first).toHaveSubscriptions('^-!');
      m.flush();
      expect(cursors).toEqual([undefined]);
    }),
  );

  it(
    'treats a missing has_more as false',
    marbles((m) => {
      const page: DevboxPage = { devboxes: [{ id: 'a' }] };
      const first = m.cold('-p|', { p: page });
      const { fetchPage } = pager({ '': first });
      m.expect(paginatePages(fetchPage, 'devboxes')).toBeObservable('-p|', { p: page });
      m.expect(first).toHaveSubscriptions('^-!');
    }),
  );

  it(
    'stops when the last item has no id',
    marbles((m) => {
      const page: DevboxPage = { devboxes: [{ id: 'a' }, {}], has_more: true };
      const first = m.cold('-p|', { p: page });
      const { fetchPage } = pager({ '': first });
      m.expect(paginatePages(fetchPage, 'devboxes')).toBeObservable('-p|', { p: page });
    }),
  );

  it(
    'propagates a page error and unsubscribes on early teardown',
    marbles((m) => {
      const boom = new Error('boom');
      const first = m.cold('-p|', { p: p1 });
      const second = m.cold('--#', undefined, boom);
      const { fetchPage } = pager({ '': first, b: second });
      const { pages$, items$ } = paginate(fetchPage, 'devboxes');
      m.expect(pages$).toBeObservable('-p-#', { p: p1 }, boom);
      m.expect(items$, '^!').toBeObservable('');
      m.expect(second).toHaveSubscriptions('-^-!');
    }),
  );

  it('nextCursor', () => {
    expect(nextCursor(p1, 'devboxes')).toBe('b');
    expect(nextCursor({ devboxes: [{ id: 'x' }], has_more: null }, 'devboxes')).toBeUndefined();
  });
});

describe('withCursor', () => {
  it('keeps the first page query as is and adds starting_after for the next ones', () => {
    const query = { limit: 5, name: 'x' };
    expect(withCursor(query, undefined)).toBe(query);
    expect(withCursor(query, 'bpt_9')).toEqual({ limit: 5, name: 'x', starting_after: 'bpt_9' });
    expect(query).toEqual({ limit: 5, name: 'x' });
  });
});
