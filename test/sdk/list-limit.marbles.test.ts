/**
 * `list({ limit })` caps the total number of items, as in the seed SDK;
 * `pageSize` is how many each request asks for.
 */
import { describe, expect, it } from 'vitest';
import { marbles } from 'rxjs-marbles';
import { map } from 'rxjs';
import { devboxView, testSdk } from '../../src/testing/index.js';

const page = (ids: string[], hasMore: boolean) => ({
  devboxes: ids.map((id) => devboxView({ id })),
  has_more: hasMore,
});
const twenty = Array.from({ length: 20 }, (_, i) => `dbx_${i}`);

describe('devbox.list', () => {
  it(
    'limit caps the total: one request asking for 2, two devboxes, no second page',
    marbles((m) => {
      const { sdk, caller } = testSdk();
      caller.when('GET /v1/devboxes').respond(page(twenty, true));
      m.expect(sdk.devbox.list({ limit: 2 }).pipe(map((d) => d.id))).toBeObservable('(ab|)', {
        a: 'dbx_0',
        b: 'dbx_1',
      });
      m.scheduler.flush();
      expect(caller.expectOne('GET /v1/devboxes').request.query).toMatchObject({ limit: 2 });
      caller.verify();
    }),
  );

  it(
    'pageSize sizes each request; the last one asks only for what is still wanted',
    marbles((m) => {
      const { sdk, caller } = testSdk();
      caller
        .when((r) => r.path === '/v1/devboxes' && r.query?.['starting_after'] === undefined)
        .respond(page(['dbx_a', 'dbx_b'], true))
        .when((r) => r.path === '/v1/devboxes' && r.query?.['starting_after'] === 'dbx_b')
        .respond(page(['dbx_c'], true));
      m.expect(sdk.devbox.list({ limit: 3, pageSize: 2, status: 'running' }).pipe(map((d) => d.id))).toBeObservable(
        '(abc|)',
        { a: 'dbx_a', b: 'dbx_b', c: 'dbx_c' },
      );
      m.scheduler.flush();
      const [first, second] = caller.match({ path: '/v1/devboxes' });
      expect(first?.request.query).toEqual({ limit: 2, status: 'running' });
      expect(second?.request.query).toEqual({ limit: 1, starting_after: 'dbx_b', status: 'running' });
    }),
  );

  it(
    'without limit every page is read',
    marbles((m) => {
      const { sdk, caller } = testSdk();
      caller
        .when((r) => r.path === '/v1/devboxes' && r.query?.['starting_after'] === undefined)
        .respond(page(['dbx_a'], true))
        .when((r) => r.path === '/v1/devboxes' && r.query?.['starting_after'] === 'dbx_a')
        .respond(page(['dbx_b'], false));
      m.expect(sdk.devbox.list().pipe(map((d) => d.id))).toBeObservable('(ab|)', { a: 'dbx_a', b: 'dbx_b' });
    }),
  );
});
