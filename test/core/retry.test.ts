import { describe, expect, it } from 'vitest';
import { marbles } from 'rxjs-marbles';
import { type Observable } from 'rxjs';
import {
  APIConnectionError,
  APIConnectionTimeoutError,
  APIUserAbortError,
  apiErrorFromResponse,
  chainInterceptors,
  withIdempotencyKey,
  withRetry,
  RETRY_COUNT_HEADER,
  IDEMPOTENCY_HEADER,
  retryDelayMs,
  isRetryable,
  type HttpRequest,
  type HttpResponse,
  type HttpHandler,
} from '../../src/core/index.js';

const request: HttpRequest = { method: 'POST', url: 'http://x.test/v1/devboxes', headers: {}, timeoutMs: 1000 };
const ok: HttpResponse = { status: 200, headers: {}, body: null as unknown as Observable<Uint8Array> };

function err(status: number, headers: Record<string, string> = {}) {
  return apiErrorFromResponse(status, headers, '{"message":"nope"}');
}

/** A fake `next` that hands out one prepared attempt per call and records the requests. */
function fakeNext(attempts: Observable<HttpResponse>[]): { next: HttpHandler; seen: HttpRequest[] } {
  const seen: HttpRequest[] = [];
  let i = 0;
  return {
    seen,
    next: (req) => {
      seen.push(req);
      const attempt = attempts[i++];
      if (!attempt) throw new Error('unexpected extra attempt');
      return attempt;
    },
  };
}

describe('withRetry', () => {
  it(
    'retries a 503 after the default backoff and numbers the attempts',
    marbles((m) => {
      const a1 = m.cold<HttpResponse>('--#', undefined, err(503));
      const a2 = m.cold<HttpResponse>('--r|', { r: ok });
      const { next, seen } = fakeNext([a1, a2]);
      const out = withRetry({ maxRetries: 5, random: () => 0 }, m.scheduler)(request, next);
      m.expect(out).toBeObservable('1004ms r|', { r: ok });
      m.expect(a1).toHaveSubscriptions('^-!');
      m.expect(a2).toHaveSubscriptions('1002ms ^--!');
      m.flush();
      expect(seen.map((r) => r.headers[RETRY_COUNT_HEADER])).toEqual(['0', '1']);
    }),
  );

  it(
    'applies jitter and doubles the backoff up to max retries, then fails with the last error',
    marbles((m) => {
      const last = err(500);
      const a1 = m.cold<HttpResponse>('-#', undefined, err(500));
      const a2 = m.cold<HttpResponse>('-#', undefined, err(502));
      const a3 = m.cold<HttpResponse>('-#', undefined, last);
      const { next, seen } = fakeNext([a1, a2, a3]);
      // random 0.5 => factor 0.875: delays 875 ms then 1750 ms
      const out = withRetry({ maxRetries: 2, random: () => 0.5 }, m.scheduler)(request, next);
      m.expect(out).toBeObservable('2628ms #', undefined, last);
      m.expect(a1).toHaveSubscriptions('^!');
      m.expect(a2).toHaveSubscriptions('876ms ^!');
      m.expect(a3).toHaveSubscriptions('2627ms ^!');
      m.flush();
      expect(seen).toHaveLength(3);
    }),
  );

  it(
    'waits retry-after-ms first',
    marbles((m) => {
      const a1 = m.cold<HttpResponse>('-#', undefined, err(429, { 'retry-after-ms': '250', 'retry-after': '9' }));
      const a2 = m.cold<HttpResponse>('-r|', { r: ok });
      const { next } = fakeNext([a1, a2]);
      const out = withRetry({ maxRetries: 5, random: () => 0 }, m.scheduler)(request, next);
      m.expect(out).toBeObservable('252ms r|', { r: ok });
      m.expect(a1).toHaveSubscriptions('^!');
      m.expect(a2).toHaveSubscriptions('251ms ^-!');
    }),
  );

  it(
    'waits retry-after in seconds',
    marbles((m) => {
      const a1 = m.cold<HttpResponse>('-#', undefined, err(503, { 'retry-after': '2' }));
      const a2 = m.cold<HttpResponse>('-r|', { r: ok });
      const { next } = fakeNext([a1, a2]);
      const out = withRetry({ maxRetries: 5, random: () => 0 }, m.scheduler)(request, next);
      m.expect(out).toBeObservable('2002ms r|', { r: ok });
      m.expect(a2).toHaveSubscriptions('2001ms ^-!');
    }),
  );

  it(
    'waits until a retry-after HTTP date',
    marbles((m) => {
      // Virtual time starts at 0 ms since the epoch.
      const date = new Date(3000).toUTCString();
      const a1 = m.cold<HttpResponse>('#', undefined, err(503, { 'retry-after': date }));
      const a2 = m.cold<HttpResponse>('r|', { r: ok });
      const { next } = fakeNext([a1, a2]);
      const out = withRetry({ maxRetries: 5, random: () => 0 }, m.scheduler)(request, next);
      m.expect(out).toBeObservable('3000ms r|', { r: ok });
      m.expect(a1).toHaveSubscriptions('(^!)');
      m.expect(a2).toHaveSubscriptions('3000ms ^!');
    }),
  );

  it(
    'retries any status when x-should-retry is true',
    marbles((m) => {
      const a1 = m.cold<HttpResponse>('-#', undefined, err(400, { 'x-should-retry': 'true' }));
      const a2 = m.cold<HttpResponse>('-r|', { r: ok });
      const { next } = fakeNext([a1, a2]);
      const out = withRetry({ maxRetries: 5, random: () => 0 }, m.scheduler)(request, next);
      m.expect(out).toBeObservable('1002ms r|', { r: ok });
      m.expect(a2).toHaveSubscriptions('1001ms ^-!');
    }),
  );

  it(
    'never retries when x-should-retry is false, even a 503',
    marbles((m) => {
      const e = err(503, { 'x-should-retry': 'false' });
      const a1 = m.cold<HttpResponse>('--#', undefined, e);
      const { next, seen } = fakeNext([a1]);
      const out = withRetry({ maxRetries: 5 }, m.scheduler)(request, next);
      m.expect(out).toBeObservable('--#', undefined, e);
      m.expect(a1).toHaveSubscriptions('^-!');
      m.flush();
      expect(seen).toHaveLength(1);
    }),
  );

  it.each([400, 401, 403, 404, 422])('does not retry %i', (status) =>
    marbles((m) => {
      const e = err(status);
      const a1 = m.cold<HttpResponse>('--#', undefined, e);
      const { next } = fakeNext([a1]);
      const out = withRetry({ maxRetries: 5 }, m.scheduler)(request, next);
      m.expect(out).toBeObservable('--#', undefined, e);
      m.expect(a1).toHaveSubscriptions('^-!');
    })(),
  );

  it(
    'retries connection errors and timeouts but not a caller abort',
    marbles((m) => {
      const a1 = m.cold<HttpResponse>('#', undefined, new APIConnectionError());
      const a2 = m.cold<HttpResponse>('#', undefined, new APIConnectionTimeoutError());
      const abort = new APIUserAbortError();
      const a3 = m.cold<HttpResponse>('#', undefined, abort);
      const { next } = fakeNext([a1, a2, a3]);
      const out = withRetry({ maxRetries: 5, random: () => 0 }, m.scheduler)(request, next);
      m.expect(out).toBeObservable('3000ms #', undefined, abort);
      m.expect(a1).toHaveSubscriptions('(^!)');
      m.expect(a2).toHaveSubscriptions('1000ms (^!)');
      m.expect(a3).toHaveSubscriptions('3000ms (^!)');
    }),
  );

  it(
    'per-call maxRetries 0 sends once',
    marbles((m) => {
      const e = err(408);
      const a1 = m.cold<HttpResponse>('-#', undefined, e);
      const { next } = fakeNext([a1]);
      const out = withRetry({ maxRetries: 5 }, m.scheduler)({ ...request, maxRetries: 0 }, next);
      m.expect(out).toBeObservable('-#', undefined, e);
      m.expect(a1).toHaveSubscriptions('^!');
    }),
  );

  it(
    'unsubscribing during the backoff cancels the timer and sends nothing more',
    marbles((m) => {
      const a1 = m.cold<HttpResponse>('-#', undefined, err(503));
      const { next, seen } = fakeNext([a1]);
      const out = withRetry({ maxRetries: 5, random: () => 0 }, m.scheduler)(request, next);
      m.expect(out, '^ 500ms !').toBeObservable('');
      m.expect(a1).toHaveSubscriptions('^!');
      m.flush();
      expect(seen).toHaveLength(1);
    }),
  );

  it(
    'reuses one idempotency key across retries, and makes a new one per subscription',
    marbles((m) => {
      const attempts = [
        m.cold<HttpResponse>('-#', undefined, err(500)),
        m.cold<HttpResponse>('-r|', { r: ok }),
        m.cold<HttpResponse>('-r|', { r: ok }),
      ];
      const { next, seen } = fakeNext(attempts);
      let n = 0;
      const send = chainInterceptors(next, [
        withIdempotencyKey(() => `key-${++n}`),
        withRetry({ maxRetries: 5, random: () => 0 }, m.scheduler),
      ]);
      m.expect(send(request)).toBeObservable('1002ms r|', { r: ok });
      m.expect(send(request), '2000ms ^').toBeObservable('2001ms r|', { r: ok });
      m.flush();
      expect(seen.map((r) => r.headers[IDEMPOTENCY_HEADER])).toEqual(['key-1', 'key-1', 'key-2']);
      expect(seen.map((r) => r.headers[RETRY_COUNT_HEADER])).toEqual(['0', '1', '0']);
    }),
  );
});

describe('retry policy functions', () => {
  it('backoff doubles from 1 s and caps at 60 s', () => {
    const e = new APIConnectionError();
    expect([0, 1, 2, 3, 4, 5, 6, 7].map((k) => retryDelayMs(e, k, () => 0, 0))).toEqual([
      1000, 2000, 4000, 8000, 16000, 32000, 60000, 60000,
    ]);
    expect(retryDelayMs(e, 0, () => 0.999, 0)).toBeGreaterThan(750);
  });

  it('ignores unparseable retry headers and falls back to backoff', () => {
    expect(retryDelayMs(err(429, { 'retry-after-ms': 'soon', 'retry-after': 'later' }), 1, () => 0, 0)).toBe(2000);
  });

  it('classifies statuses', () => {
    expect([408, 409, 429, 500, 503, 400, 404].map((s) => isRetryable(err(s)))).toEqual([
      true,
      true,
      true,
      true,
      true,
      false,
      false,
    ]);
    expect(isRetryable(new Error('plain'))).toBe(false);
  });
});
