import { describe, expect, it } from 'vitest';
import { marbles } from 'rxjs-marbles';
import * as t from 'io-ts';
import type { Observable } from 'rxjs';
import { InternalServerError, createApiCaller, type HttpRequest, type HttpResponse } from '../../src/core/index.js';

const enc = (s: string) => new TextEncoder().encode(s);
const View = t.type({ id: t.string });

describe('createApiCaller on a fake transport, in virtual time', () => {
  it(
    'reads the error body, waits the backoff, retries, decodes',
    marbles((m) => {
      const errorBody = m.cold<Uint8Array>('-a|', { a: enc('{"message":"busy"}') });
      const okBody = m.cold<Uint8Array>('-a-b|', { a: enc('{"id":'), b: enc('"dbx_1"}') });
      const responses: Observable<HttpResponse>[] = [
        m.cold('-r|', { r: { status: 503, headers: { 'content-type': 'application/json' }, body: errorBody } }),
        m.cold('-r|', { r: { status: 200, headers: { 'content-type': 'application/json' }, body: okBody } }),
      ];
      const seen: HttpRequest[] = [];
      const caller = createApiCaller(
        {
          bearerToken: 'k',
          baseURL: 'http://fake.test',
          env: {},
          random: () => 0,
          transport: (req) => {
            seen.push(req);
            const next = responses[seen.length - 1];
            if (!next) throw new Error('unexpected request');
            return next;
          },
        },
        m.scheduler,
      );
      // error body read at 1..3, backoff 1000 ms, second response at 1004, body ends at 1008
      m.expect(caller.json({ method: 'POST', path: '/v1/devboxes' }, View)).toBeObservable('1008ms (v|)', {
        v: { id: 'dbx_1' },
      });
      m.expect(errorBody).toHaveSubscriptions('-^-!');
      m.expect(okBody).toHaveSubscriptions('1004ms ^---!');
      m.flush();
      expect(seen.map((r) => r.headers['x-stainless-retry-count'])).toEqual(['0', '1']);
      expect(seen[0]?.headers['x-request-id']).toBe(seen[1]?.headers['x-request-id']);
      void caller.close();
    }),
  );

  it(
    'gives up with the mapped error after maxRetries, having read every error body',
    marbles((m) => {
      const bodies = [0, 1].map(() => m.cold<Uint8Array>('a|', { a: enc('{"message":"down"}') }));
      let i = 0;
      const caller = createApiCaller(
        {
          bearerToken: 'k',
          env: {},
          maxRetries: 1,
          random: () => 0,
          transport: () =>
            m.cold('r|', { r: { status: 500, headers: {}, body: bodies[i++] as Observable<Uint8Array> } }),
        },
        m.scheduler,
      );
      const expected = new InternalServerError(500, {}, { message: 'down' }, '500 down');
      m.expect(caller.text({ method: 'GET', path: '/v1/x' })).toBeObservable('1002ms #', undefined, expected);
      m.expect(bodies[0]!).toHaveSubscriptions('^!');
      m.expect(bodies[1]!).toHaveSubscriptions('1001ms ^!');
      void caller.close();
    }),
  );

  it(
    'unsubscribing while the body streams unsubscribes the body',
    marbles((m) => {
      const body = m.cold<Uint8Array>('-a-b-c-', { a: enc('1'), b: enc('2'), c: enc('3') });
      const caller = createApiCaller(
        { bearerToken: 'k', env: {}, transport: () => m.cold('r|', { r: { status: 200, headers: {}, body } }) },
        m.scheduler,
      );
      m.expect(caller.bytes({ method: 'POST', path: '/v1/d' }), '^--!').toBeObservable('-a', { a: enc('1') });
      m.expect(body).toHaveSubscriptions('^--!');
      void caller.close();
    }),
  );
});
