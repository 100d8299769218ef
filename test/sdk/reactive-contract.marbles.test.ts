/**
 * The reactive contract (README "Observables"): state streams replay, every
 * exec form can be cancelled, scoped work shuts down before it errors, and
 * background clean-up failures reach `onTeardownError`.
 */
import { describe, expect, it } from 'vitest';
import { marbles } from 'rxjs-marbles';
import { catchError, combineLatest, map, of, switchMap } from 'rxjs';
import { RunloopConfigError, RunloopSDK } from '../../src/index.js';
import { FakeApiCaller, devboxView, executionView, statusReply, timeout408 } from '../../src/testing/index.js';
import type { TeardownFailure } from '../../src/index.js';

const BASE = '/v1/devboxes/dbx_1';
const EXEC = `${BASE}/executions/exe_1`;
const running = executionView({ devbox_id: 'dbx_1', execution_id: 'exe_1', status: 'running' });
const completed = executionView({ devbox_id: 'dbx_1', execution_id: 'exe_1', status: 'completed', exit_status: 0 });

function sdkWith(caller: FakeApiCaller, failures: TeardownFailure[] = []): RunloopSDK {
  return new RunloopSDK({ caller, baseURL: 'http://127.0.0.1:4000', onTeardownError: (f) => failures.push(f) });
}

describe('state streams replay the current state', () => {
  it(
    'a subscriber arriving while another is connected gets the latest view at once, on one upstream',
    marbles((m) => {
      const caller = new FakeApiCaller();
      const get = m.cold('-a|', { a: devboxView({ id: 'dbx_1', status: 'running' }) });
      const wait = m.cold('------#', undefined, timeout408());
      caller.when(`GET ${BASE}`).respond(get).when(`POST ${BASE}/wait_for_status`).respond(wait);
      const devbox = sdkWith(caller).devbox.attach('dbx_1');
      const first = '^-------!';
      const second = '---^----!';
      m.expect(devbox.status$, first).toBeObservable('-a', { a: 'running' });
      // A fleet view's combineLatest renders as soon as it subscribes.
      m.expect(combineLatest([devbox.status$]).pipe(map(([s]) => s)), second).toBeObservable('---a', { a: 'running' });
      m.expect(get).toHaveSubscriptions('^!');
    }),
  );

  it(
    'info$ restarts for the next subscriber after everyone left',
    marbles((m) => {
      const caller = new FakeApiCaller();
      caller.when(`GET ${BASE}`).respond(m.cold('-a|', { a: devboxView({ id: 'dbx_1', status: 'shutdown' }) }));
      const devbox = sdkWith(caller).devbox.attach('dbx_1');
      m.expect(devbox.info$.pipe(map((v) => v.status))).toBeObservable('-(a|)', { a: 'shutdown' });
      m.expect(devbox.info$.pipe(map((v) => v.status)), '---^').toBeObservable('----(a|)', { a: 'shutdown' });
    }),
  );
});

describe('cancellation in every exec form', () => {
  it(
    'exec without callbacks: unsubscribing while /execute is held aborts it, finds the command by its id and kills it',
    marbles((m) => {
      const caller = new FakeApiCaller();
      const held = m.cold('-------------------------a|', { a: running });
      const located = m.cold('-a|', { a: running });
      const kill = m.cold('-k|', { k: completed });
      caller
        .when(
          (r) =>
            r.path === `${BASE}/execute` &&
            r.body !== null &&
            (r.body as { optimistic_timeout?: number }).optimistic_timeout === undefined,
        )
        .respond(held)
        .when(
          (r) => r.path === `${BASE}/execute` && (r.body as { optimistic_timeout?: number }).optimistic_timeout === 0,
        )
        .respond(located)
        .when(`POST ${EXEC}/kill`)
        .respond(kill);
      m.expect(sdkWith(caller).devbox.attach('dbx_1').cmd.exec('sleep 40'), '^--!').toBeObservable('---');
      m.expect(held).toHaveSubscriptions('^--!');
      m.expect(located).toHaveSubscriptions('---^!');
      m.expect(kill).toHaveSubscriptions('----^!');
      m.scheduler.flush();
      const [start, locate] = caller.match({ path: `${BASE}/execute` });
      // The second call names the same command, so the server returns it instead of starting another.
      expect((locate?.body as { command_id: string }).command_id).toBe(
        (start?.body as { command_id: string }).command_id,
      );
      expect(start?.cancelled).toBe(true);
    }),
  );

  it(
    'a throwing stdout callback errors the exec and kills the command',
    marbles((m) => {
      const caller = new FakeApiCaller();
      const kill = m.cold('-k|', { k: completed });
      caller
        .when(`POST ${BASE}/execute_async`)
        .respond(running)
        .when({ path: `${EXEC}/stream_stdout_updates` })
        .respond(m.cold('-a-----', { a: { output: 'boom\n', offset: 5 } }))
        .when(`POST ${EXEC}/wait_for_status`)
        .respond(m.cold('----------#', undefined, timeout408()))
        .when(`POST ${EXEC}/kill`)
        .respond(kill);
      const failure = new Error('UI gone');
      const exec$ = sdkWith(caller)
        .devbox.attach('dbx_1')
        .cmd.exec('yes', {
          stdout: () => {
            throw failure;
          },
        });
      m.expect(exec$).toBeObservable('-#', undefined, failure);
      m.expect(kill).toHaveSubscriptions('-^!');
    }),
  );

  it(
    'a second subscription (repeat, retry, another lastValueFrom) runs the command again with a new command id',
    marbles((m) => {
      const caller = new FakeApiCaller();
      caller.when(`POST ${BASE}/execute`).respond(m.cold('-a|', { a: completed }));
      const exec$ = sdkWith(caller)
        .devbox.attach('dbx_1')
        .cmd.exec('true')
        .pipe(map((r) => r.exitCode));
      m.expect(exec$).toBeObservable('-(a|)', { a: 0 });
      m.expect(exec$, '--^').toBeObservable('---(a|)', { a: 0 });
      m.scheduler.flush();
      const ids = caller.match({ path: `${BASE}/execute` }).map((r) => (r.body as { command_id: string }).command_id);
      expect(new Set(ids).size).toBe(2);
    }),
  );
});

describe('devbox.use ordering', () => {
  it(
    'a synchronous throw in work: the shutdown goes out and ends before the error is delivered',
    marbles((m) => {
      const caller = new FakeApiCaller();
      const shutdown = m.cold('--s|', { s: devboxView({ id: 'dbx_1', status: 'shutdown' }) });
      caller
        .when('POST /v1/devboxes/create_and_await_running')
        .respond(devboxView({ id: 'dbx_1' }))
        .when(`POST ${BASE}/shutdown`)
        .respond(shutdown);
      const failure = new Error('bad work');
      const use$ = sdkWith(caller).devbox.use({}, () => {
        throw failure;
      });
      m.expect(use$).toBeObservable('--#', undefined, failure);
      m.expect(shutdown).toHaveSubscriptions('^-!');
    }),
  );
});

describe('teardown failures reach onTeardownError', () => {
  it(
    'a failed kill after unsubscribing is reported with the action and the execution id',
    marbles((m) => {
      const caller = new FakeApiCaller();
      const failures: TeardownFailure[] = [];
      caller
        .when(`POST ${BASE}/execute_async`)
        .respond(running)
        .when({ path: `${EXEC}/stream_stdout_updates` })
        .respond(m.cold('-------'))
        .when(`POST ${EXEC}/wait_for_status`)
        .respond(m.cold('-------'))
        .when(`POST ${EXEC}/kill`)
        .respond(m.cold('-#', undefined, new Error('503 after retries')));
      m.expect(
        sdkWith(caller, failures)
          .devbox.attach('dbx_1')
          .cmd.exec('yes', { stdout: () => undefined }),
        '^-!',
      ).toBeObservable('---');
      m.scheduler.flush();
      expect(failures.map((f) => [f.action, f.id, (f.error as Error).message])).toEqual([
        ['kill', 'exe_1', '503 after retries'],
      ]);
    }),
  );

  it(
    'a failed shutdown of a scoped devbox left by unsubscribe is reported',
    marbles((m) => {
      const caller = new FakeApiCaller();
      const failures: TeardownFailure[] = [];
      caller
        .when('POST /v1/devboxes/create_and_await_running')
        .respond(devboxView({ id: 'dbx_1' }))
        .when(`POST ${BASE}/shutdown`)
        .respond(statusReply(400, { message: 'no' }));
      m.expect(
        sdkWith(caller, failures).devbox.use({}, () => m.cold('-----a')),
        '^-!',
      ).toBeObservable('---');
      m.scheduler.flush();
      expect(failures.map((f) => [f.action, f.id])).toEqual([['shutdown', 'dbx_1']]);
    }),
  );
});

describe('timeouts: one name per meaning', () => {
  it(
    'a long-poll wait refuses polling options it cannot honour, before sending anything',
    marbles((m) => {
      const caller = new FakeApiCaller();
      const wait$ = sdkWith(caller)
        .devbox.attach('dbx_1')
        .awaitRunning({ pollingConfig: { intervalMs: 500, timeoutMs: 1_000 } });
      m.expect(
        wait$.pipe(catchError((e: unknown) => of(e instanceof RunloopConfigError ? 'refused' : String(e)))),
      ).toBeObservable('(r|)', { r: 'refused' });
      m.scheduler.flush();
      expect(caller.requests).toHaveLength(0);
    }),
  );

  it(
    'requestTimeoutMs is sent as the request timeout, and on a long-poll counts after the 25 s hold',
    marbles((m) => {
      const caller = new FakeApiCaller();
      caller.when(`GET ${EXEC}`).respond(running).when(`POST ${EXEC}/wait_for_status`).respond(completed);
      const execution$ = sdkWith(caller).devbox.attach('dbx_1').cmd.execAsync('true');
      caller.when(`POST ${BASE}/execute_async`).respond(running);
      m.expect(
        execution$.pipe(
          switchMap((e) => e.result({ requestTimeoutMs: 200, pollingConfig: { timeoutMs: 3_000 } })),
          map((r) => r.exitCode),
        ),
      ).toBeObservable('(a|)', { a: 0 });
      m.scheduler.flush();
      expect(caller.expectOne(`POST ${EXEC}/wait_for_status`).request.options?.timeoutMs).toBe(25_200);
    }),
  );
});
