import { describe, expect, it } from 'vitest';
import { marbles } from 'rxjs-marbles';
import * as t from 'io-ts';
import { firstValueFrom, lastValueFrom, toArray } from 'rxjs';
import { FakeApiCaller } from '../../src/testing/fake-api-caller.js';
import { sseReply, statusReply } from '../../src/testing/replies.js';
import { NotFoundError, APIUserAbortError, ResponseDecodeError } from '../../src/core/errors.js';

const Item = t.type({ id: t.string }, 'Item');

describe('FakeApiCaller', () => {
  it('answers scripted replies in order, repeating the last, and decodes with the codec', async () => {
    const caller = new FakeApiCaller().when('GET /v1/x').respond({ id: 'a' }, { id: 'b' });
    const get = () => firstValueFrom(caller.json({ method: 'GET', path: '/v1/x' }, Item));
    expect(await get()).toEqual({ id: 'a' });
    expect(await get()).toEqual({ id: 'b' });
    expect(await get()).toEqual({ id: 'b' });
    expect(caller.match('GET /v1/x')).toHaveLength(3);
    caller.verify();
  });

  it('fails with the typed error of a status reply and with a decode error for a bad body', async () => {
    const caller = new FakeApiCaller().when('/v1/missing').respond(statusReply(404)).when('/v1/bad').respond({ id: 1 });
    await expect(firstValueFrom(caller.json({ method: 'GET', path: '/v1/missing' }, Item))).rejects.toBeInstanceOf(
      NotFoundError,
    );
    await expect(firstValueFrom(caller.json({ method: 'GET', path: '/v1/bad' }, Item))).rejects.toBeInstanceOf(
      ResponseDecodeError,
    );
  });

  it('keeps unscripted requests open until flushed, and verify() reports them', async () => {
    const caller = new FakeApiCaller();
    const pending = firstValueFrom(caller.json({ method: 'POST', path: '/v1/y', body: { a: 1 } }, Item));
    const req = caller.expectOne({ method: 'POST', path: /^\/v1\/y$/ });
    expect(req.body).toEqual({ a: 1 });
    expect(() => caller.verify()).toThrow(/open requests/);
    req.flush({ id: 'z' });
    expect(await pending).toEqual({ id: 'z' });
    caller.verify();
  });

  it('expectOne throws when there are none or several', () => {
    const caller = new FakeApiCaller().when('/v1/a').respond({ id: 'a' });
    expect(() => caller.expectOne('/v1/a')).toThrow(/found 0/);
    caller.json({ method: 'GET', path: '/v1/a' }, Item).subscribe();
    caller.json({ method: 'GET', path: '/v1/a' }, Item).subscribe();
    expect(() => caller.expectOne('/v1/a')).toThrow(/found 2/);
    expect(() => caller.expectNone('/v1/a')).not.toThrow(); // claimed by the failed expectOne
  });

  it('records a cancellation when the subscriber leaves early', () => {
    const caller = new FakeApiCaller();
    const sub = caller.text({ method: 'GET', path: '/v1/t' }).subscribe();
    sub.unsubscribe();
    expect(caller.expectOne('/v1/t').cancelled).toBe(true);
    caller.verify();
  });

  it('errors with APIUserAbortError when the request signal aborts', async () => {
    const caller = new FakeApiCaller();
    const controller = new AbortController();
    const pending = firstValueFrom(
      caller.json({ method: 'GET', path: '/v1/s', options: { signal: controller.signal } }, Item),
    );
    controller.abort();
    await expect(pending).rejects.toBeInstanceOf(APIUserAbortError);
    expect(caller.expectOne('/v1/s').state).toBe('errored');
  });

  it('serves SSE chunks as data messages', async () => {
    const caller = new FakeApiCaller().when('/v1/sse').respond(
      sseReply([
        { output: 'a', offset: 1 },
        { event: 'error', data: '{"code":"408"}' },
      ]),
    );
    const messages = await lastValueFrom(caller.sse({ method: 'GET', path: '/v1/sse' }).pipe(toArray()));
    expect(messages).toEqual([
      { event: undefined, data: '{"output":"a","offset":1}' },
      { event: 'error', data: '{"code":"408"}' },
    ]);
  });

  it(
    'lets marble replies control timing in virtual time',
    marbles((m) => {
      const reply = m.cold('--a|', { a: { id: 'late' } });
      const caller = new FakeApiCaller().when('/v1/m').respond(reply);
      // A JSON answer is the whole body: the call completes with it, as on the wire.
      m.expect(caller.json({ method: 'GET', path: '/v1/m' }, Item)).toBeObservable('--(a|)', { a: { id: 'late' } });
      m.expect(reply).toHaveSubscriptions('^-!');
    }),
  );

  it(
    'sits above the real retry: a scripted 503 is retried after its retry-after, one call, two HTTP attempts',
    marbles((m) => {
      const caller = new FakeApiCaller({ maxRetries: 2 })
        .when('GET /v1/r')
        .respond(statusReply(503, { message: 'busy' }, { 'retry-after-ms': '10' }), m.cold('-a|', { a: { id: 'ok' } }));
      m.expect(caller.json({ method: 'GET', path: '/v1/r' }, Item)).toBeObservable('11ms (a|)', { a: { id: 'ok' } });
      m.scheduler.flush();
      expect(caller.requests).toHaveLength(1);
      expect(caller.transport.requests.map((attempt) => attempt.request.headers['x-stainless-retry-count'])).toEqual([
        '0',
        '1',
      ]);
      expect(caller.transport.requests.every((attempt) => attempt.answered)).toBe(true);
    }),
  );

  it('sits above the real status mapping: a scripted 404 is a 404 on the wire, mapped back to NotFoundError', async () => {
    const caller = new FakeApiCaller().when('/v1/gone').respond(statusReply(404, { message: 'no such thing' }));
    const failure = await firstValueFrom(caller.json({ method: 'GET', path: '/v1/gone' }, Item)).catch(
      (e: unknown) => e,
    );
    expect(failure).toBeInstanceOf(NotFoundError);
    expect((failure as NotFoundError).error).toEqual({ message: 'no such thing' });
    const [attempt] = caller.transport.requests;
    expect(attempt?.request.url).toBe('http://fake-api.invalid/v1/gone');
    expect(attempt?.request.headers['authorization']).toBe('Bearer fake');
  });
});
