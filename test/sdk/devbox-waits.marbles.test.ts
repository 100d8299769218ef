import { describe, expect, it } from 'vitest';
import { marbles } from 'rxjs-marbles';
import { catchError, combineLatest, map, of } from 'rxjs';
import { DevboxStateError } from '../../src/sdk/errors.js';
import { PollingTimeoutError } from '../../src/core/errors.js';
import { devboxView, testSdk, timeout408 } from '../../src/testing/index.js';

const WAIT = 'POST /v1/devboxes/dbx_1/wait_for_status';
const describeError = (err: unknown) =>
  of(
    err instanceof PollingTimeoutError
      ? `timeout:${(err.lastValue as { status?: string } | undefined)?.status ?? 'none'}`
      : err instanceof DevboxStateError
        ? `state:${err.devbox.status}`
        : `other:${String(err)}`,
  );

describe('awaitRunning (long-poll)', () => {
  it(
    'asks again at once after a 408 and emits the running view',
    marbles((m) => {
      const { sdk, caller } = testSdk();
      const first = m.cold('--#', undefined, timeout408());
      const second = m.cold('-a|', { a: devboxView({ id: 'dbx_1', status: 'running' }) });
      caller.when(WAIT).respond(first, second);
      const status$ = sdk.devbox
        .attach('dbx_1')
        .awaitRunning()
        .pipe(map((v) => v.status));
      m.expect(status$).toBeObservable('---(r|)', { r: 'running' });
      m.expect(first).toHaveSubscriptions('^-!');
      m.expect(second).toHaveSubscriptions('--^!');
      m.scheduler.flush();
      const requests = caller.match(WAIT);
      expect(requests).toHaveLength(2);
      expect(requests[0]?.body).toEqual({ statuses: ['running', 'failure', 'shutdown'] });
      expect(requests[0]?.request.options).toMatchObject({ maxRetries: 0 });
    }),
  );

  it(
    'fails with DevboxStateError on failure',
    marbles((m) => {
      const { sdk, caller } = testSdk();
      caller.when(WAIT).respond(m.cold('-a|', { a: devboxView({ id: 'dbx_1', status: 'failure' }) }));
      m.expect(
        sdk.devbox
          .attach('dbx_1')
          .awaitRunning()
          .pipe(
            map(() => 'ok'),
            catchError(describeError),
          ),
      ).toBeObservable('-(e|)', {
        e: 'state:failure',
      });
    }),
  );

  it(
    'keeps waiting through transitional states the server reports',
    marbles((m) => {
      const { sdk, caller } = testSdk();
      caller
        .when(WAIT)
        .respond(
          m.cold('-a|', { a: devboxView({ id: 'dbx_1', status: 'initializing' }) }),
          m.cold('-a|', { a: devboxView({ id: 'dbx_1', status: 'running' }) }),
        );
      m.expect(
        sdk.devbox
          .attach('dbx_1')
          .awaitRunning()
          .pipe(map((v) => v.status)),
      ).toBeObservable('--(r|)', { r: 'running' });
    }),
  );

  it(
    'fails at the deadline with PollingTimeoutError carrying the last state, and stops asking',
    marbles((m) => {
      const { sdk, caller } = testSdk();
      const held = m.cold('-----#', undefined, timeout408());
      caller
        .when('POST /v1/devboxes/create_and_await_running')
        .respond(devboxView({ id: 'dbx_1', status: 'provisioning' }))
        .when(WAIT)
        .respond(held)
        .when('POST /v1/devboxes/dbx_1/shutdown')
        .respond(devboxView({ id: 'dbx_1', status: 'shutdown' }));
      const created$ = sdk.devbox.create({}, { pollingConfig: { timeoutMs: 12 } }).pipe(
        map((d) => d.id),
        catchError(describeError),
      );
      m.expect(created$).toBeObservable('------------(e|)', { e: 'timeout:provisioning' });
      m.expect(held).toHaveSubscriptions(['^----!', '-----^----!', '----------^-!']);
      m.scheduler.flush();
      // A devbox that never became ready within the deadline is not left behind.
      expect(caller.match('POST /v1/devboxes/dbx_1/shutdown')).toHaveLength(1);
      caller.verify();
    }),
  );

  it(
    'fromId waits for running and attaches without shutting down',
    marbles((m) => {
      const { sdk, caller } = testSdk();
      caller.when(WAIT).respond(m.cold('--a|', { a: devboxView({ id: 'dbx_1' }) }));
      m.expect(sdk.devbox.fromId('dbx_1').pipe(map((d) => d.id))).toBeObservable('--(i|)', { i: 'dbx_1' });
      m.scheduler.flush();
      caller.expectNone({ path: /shutdown$/ });
    }),
  );
});

describe('info$ / status$', () => {
  it(
    'emits the current state then each change, ends on a terminal state, and is shared',
    marbles((m) => {
      const { sdk, caller } = testSdk();
      caller
        .when('GET /v1/devboxes/dbx_1')
        .respond(m.cold('-a|', { a: devboxView({ id: 'dbx_1', status: 'provisioning' }) }))
        .when(WAIT)
        .respond(
          m.cold('--#', undefined, timeout408()),
          m.cold('-a|', { a: devboxView({ id: 'dbx_1', status: 'running' }) }),
          m.cold('---a|', { a: devboxView({ id: 'dbx_1', status: 'shutdown' }) }),
        );
      const devbox = sdk.devbox.attach('dbx_1');
      m.expect(devbox.status$).toBeObservable('-p--r--(s|)', { p: 'provisioning', r: 'running', s: 'shutdown' });
      m.expect(devbox.status$).toBeObservable('-p--r--(s|)', { p: 'provisioning', r: 'running', s: 'shutdown' });
      m.scheduler.flush();
      // Shared: one GET and one chain of waits for both subscribers.
      expect(caller.match('GET /v1/devboxes/dbx_1')).toHaveLength(1);
      const waits = caller.match(WAIT);
      expect(waits).toHaveLength(3);
      expect((waits[0]?.body as { statuses: string[] }).statuses).not.toContain('provisioning');
      expect((waits[2]?.body as { statuses: string[] }).statuses).not.toContain('running');
      caller.verify();
    }),
  );

  it(
    'combineLatest over several devboxes follows each one',
    marbles((m) => {
      const { sdk, caller } = testSdk();
      for (const [id, delay] of [
        ['dbx_a', '--'],
        ['dbx_b', '----'],
      ] as const) {
        caller
          .when(`GET /v1/devboxes/${id}`)
          .respond(devboxView({ id, status: 'provisioning' }))
          .when(`POST /v1/devboxes/${id}/wait_for_status`)
          .respond(
            m.cold(`${delay}a|`, { a: devboxView({ id, status: 'running' }) }),
            m.cold('-a|', { a: devboxView({ id, status: 'shutdown' }) }),
          );
      }
      const both$ = combineLatest([sdk.devbox.attach('dbx_a').status$, sdk.devbox.attach('dbx_b').status$]).pipe(
        map(([a, b]) => `${a}/${b}`),
      );
      m.expect(both$).toBeObservable('p-abc(d|)', {
        p: 'provisioning/provisioning',
        a: 'running/provisioning',
        b: 'shutdown/provisioning',
        c: 'shutdown/running',
        d: 'shutdown/shutdown',
      });
    }),
  );

  it(
    'stops asking when the last subscriber leaves',
    marbles((m) => {
      const { sdk, caller } = testSdk();
      const held = m.cold('------a|', { a: devboxView({ id: 'dbx_1', status: 'running' }) });
      caller
        .when('GET /v1/devboxes/dbx_1')
        .respond(devboxView({ id: 'dbx_1', status: 'provisioning' }))
        .when(WAIT)
        .respond(held);
      m.expect(sdk.devbox.attach('dbx_1').status$, '^--!').toBeObservable('p', { p: 'provisioning' });
      m.expect(held).toHaveSubscriptions('^--!');
    }),
  );
});
