/**
 * `execution.output$` has one rule: every subscriber gets every line from
 * the first byte, exactly once and in order, then the live lines, whenever
 * it subscribes; concurrent subscribers share one server stream.
 */
import { describe, it } from 'vitest';
import { marbles } from 'rxjs-marbles';
import { map } from 'rxjs';
import { executionView, sseReply, testSdk } from '../../src/testing/index.js';
import type { Execution } from '../../src/index.js';

const EXEC = '/v1/devboxes/dbx_1/executions/exe_1';
const STDOUT = { path: `${EXEC}/stream_stdout_updates` };
const STDERR = { path: `${EXEC}/stream_stderr_updates` };
const chunks = { a: { output: '1\n', offset: 2 }, b: { output: '2\n', offset: 4 }, c: { output: '3\n', offset: 6 } };
const lines = { a: '1', b: '2', c: '3' };

function startedExecution(): { execution: Execution; caller: ReturnType<typeof testSdk>['caller'] } {
  const { sdk, caller } = testSdk();
  // `execAsync` is the public way to hold an Execution; its start is answered at once.
  caller
    .when('POST /v1/devboxes/dbx_1/execute_async')
    .respond(executionView({ devbox_id: 'dbx_1', execution_id: 'exe_1', status: 'running' }));
  let held: Execution | undefined;
  sdk.devbox
    .attach('dbx_1')
    .cmd.execAsync('count')
    .subscribe((e) => (held = e));
  if (held === undefined) throw new Error('execAsync did not emit synchronously');
  return { execution: held, caller };
}

describe('execution.output$', () => {
  it(
    'a subscriber arriving mid-run gets the earlier lines from the server, then joins the shared stream',
    marbles((m) => {
      const { execution, caller } = startedExecution();
      const live = m.cold('-a---b---c|', chunks);
      const catchUp = m.cold('-a------', chunks);
      caller.when(STDOUT).respond(live, catchUp).when(STDERR).respond(sseReply([]));
      const text$ = execution.output$.pipe(map((l) => l.line));
      m.expect(text$).toBeObservable('-a---b---c|', lines);
      m.expect(text$, '---^').toBeObservable('----ab---c|', lines);
      m.expect(live).toHaveSubscriptions('^---------!');
      // The catch-up request is dropped as soon as it has reached the shared stream.
      m.expect(catchUp).toHaveSubscriptions('---^!');
    }),
  );

  it(
    'a subscriber after completion gets every line again, and one before the first line shares the read',
    marbles((m) => {
      const { execution, caller } = startedExecution();
      const first = m.cold('--a-b|', chunks);
      const again = m.cold('-(abc|)', chunks);
      caller.when(STDOUT).respond(first, again).when(STDERR).respond(sseReply([]));
      const text$ = execution.output$.pipe(map((l) => l.line));
      m.expect(text$).toBeObservable('--a-b|', lines);
      m.expect(text$, '-^').toBeObservable('--a-b|', lines);
      m.expect(text$, '-------^').toBeObservable('--------(abc|)', lines);
      m.expect(first).toHaveSubscriptions('^----!');
      m.expect(again).toHaveSubscriptions('-------^!');
    }),
  );

  it(
    'unsubscribing every subscriber closes the server stream and never kills the command',
    marbles((m) => {
      const { execution, caller } = startedExecution();
      const live = m.cold('-a------', chunks);
      caller.when(STDOUT).respond(live).when(STDERR).respond(m.cold('--------'));
      m.expect(execution.output$.pipe(map((l) => l.line)), '^--!').toBeObservable('-a-', lines);
      m.expect(live).toHaveSubscriptions('^--!');
      m.scheduler.flush();
      caller.expectNone({ path: `${EXEC}/kill` });
    }),
  );
});
