import { describe, expect, it } from 'vitest';
import { marbles } from 'rxjs-marbles';
import { catchError, of, switchMap } from 'rxjs';
import { PollingTimeoutError } from '../../src/core/errors.js';
import { devboxView, executionView, statusReply, testSdk, timeout408 } from '../../src/testing/index.js';

const stateOf = (err: unknown) =>
  of(
    err instanceof PollingTimeoutError
      ? `timeout:${(err.lastValue as { status?: string } | undefined)?.status ?? 'none'}`
      : `other:${String(err)}`,
  );

describe('a long-poll deadline before any answer still carries the state', () => {
  it(
    'awaitRunning fetches the devbox once and puts it in the error',
    marbles((m) => {
      const { sdk, caller } = testSdk();
      const held = m.cold('----------#', undefined, timeout408());
      caller
        .when('POST /v1/devboxes/dbx_1/wait_for_status')
        .respond(held)
        .when('GET /v1/devboxes/dbx_1')
        .respond(m.cold('-v|', { v: devboxView({ id: 'dbx_1', status: 'provisioning' }) }));
      const waited$ = sdk.devbox
        .attach('dbx_1')
        .awaitRunning({ pollingConfig: { timeoutMs: 5 } })
        .pipe(catchError(stateOf));
      m.expect(waited$).toBeObservable('------(e|)', { e: 'timeout:provisioning' });
      m.expect(held).toHaveSubscriptions('^----!');
      m.scheduler.flush();
      expect(caller.expectOne('GET /v1/devboxes/dbx_1').request.options).toMatchObject({ maxRetries: 0 });
    }),
  );

  it(
    'if that fetch fails, the original error (without state) stands',
    marbles((m) => {
      const { sdk, caller } = testSdk();
      caller
        .when('POST /v1/devboxes/dbx_1/wait_for_status')
        .respond(m.cold('----------#', undefined, timeout408()))
        .when('GET /v1/devboxes/dbx_1')
        .respond(statusReply(503));
      const waited$ = sdk.devbox
        .attach('dbx_1')
        .awaitRunning({ pollingConfig: { timeoutMs: 5 } })
        .pipe(catchError(stateOf));
      m.expect(waited$).toBeObservable('-----(e|)', { e: 'timeout:none' });
    }),
  );

  it(
    'execution.result does the same with the execution state',
    marbles((m) => {
      const { sdk, caller } = testSdk();
      const path = '/v1/devboxes/dbx_1/executions/exe_1';
      caller
        .when(`POST ${path}/wait_for_status`)
        .respond(m.cold('----------#', undefined, timeout408()))
        .when(`GET ${path}`)
        .respond(executionView({ devbox_id: 'dbx_1', execution_id: 'exe_1', status: 'running' }));
      caller
        .when('POST /v1/devboxes/dbx_1/execute_async')
        .respond(executionView({ devbox_id: 'dbx_1', execution_id: 'exe_1' }));
      const result$ = sdk.devbox
        .attach('dbx_1')
        .cmd.execAsync('sleep 9')
        .pipe(switchMap((execution) => execution.result({ pollingConfig: { timeoutMs: 3 } })));
      m.expect(result$.pipe(catchError(stateOf))).toBeObservable('---(e|)', { e: 'timeout:running' });
    }),
  );
});
