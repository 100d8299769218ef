import { describe, expect, it } from 'vitest';
import { marbles } from 'rxjs-marbles';
import { lastValueFrom, map, switchMap } from 'rxjs';
import { APIConnectionError } from '../../src/core/errors.js';
import { executionView, sseReply, testSdk, timeout408 } from '../../src/testing/index.js';
import type { OutputLine } from '../../src/sdk/output.js';

const BASE = '/v1/devboxes/dbx_1';
const EXEC = `${BASE}/executions/exe_1`;
const chunk = (output: string, offset: number) => ({ output, offset });
const idle408 = { event: 'error', data: '{"code":"408","message":"idle"}' };

describe('cmd.exec', () => {
  it(
    'without callbacks: one /execute call, then a long-poll when still running',
    marbles((m) => {
      const { sdk, caller } = testSdk();
      caller
        .when(`POST ${BASE}/execute`)
        .respond(m.cold('-a|', { a: executionView({ devbox_id: 'dbx_1', execution_id: 'exe_1', status: 'running' }) }))
        .when(`POST ${EXEC}/wait_for_status`)
        .respond(
          m.cold('--#', undefined, timeout408()),
          m.cold('-a|', {
            a: executionView({
              devbox_id: 'dbx_1',
              execution_id: 'exe_1',
              status: 'completed',
              exit_status: 3,
              stdout: 'out\n',
            }),
          }),
        );
      const result$ = sdk.devbox.attach('dbx_1').cmd.exec('false', { shellName: 'sh1' });
      m.expect(result$.pipe(map((r) => [r.exitCode, r.success, r.failed]))).toBeObservable('----(r|)', {
        r: [3, false, true],
      });
      m.scheduler.flush();
      const execute = caller.expectOne(`POST ${BASE}/execute`);
      expect(execute.body).toMatchObject({ command: 'false', shell_name: 'sh1' });
      expect((execute.body as { command_id: string }).command_id).toMatch(/^[0-9a-f-]{36}$/);
      caller.verify();
    }),
  );

  it(
    'with callbacks: calls them line by line across chunk boundaries, then emits the result',
    marbles((m) => {
      const { sdk, caller } = testSdk();
      caller
        .when(`POST ${BASE}/execute_async`)
        .respond(executionView({ devbox_id: 'dbx_1', execution_id: 'exe_1', status: 'running' }))
        .when({ path: `${EXEC}/stream_stdout_updates` })
        .respond(m.cold('-a-b-c|', { a: chunk('he', 2), b: chunk('llo\nwo', 8), c: chunk('rld\r\n', 13) }))
        .when({ path: `${EXEC}/stream_stderr_updates` })
        .respond(m.cold('--a|', { a: chunk('warn\n', 5) }))
        .when(`POST ${EXEC}/wait_for_status`)
        .respond(
          m.cold('---a|', {
            a: executionView({ devbox_id: 'dbx_1', execution_id: 'exe_1', status: 'completed', exit_status: 0 }),
          }),
        );
      const seen: string[] = [];
      const result$ = sdk.devbox.attach('dbx_1').cmd.exec('greet', {
        stdout: (line) => seen.push(`out:${line}`),
        stderr: (line) => seen.push(`err:${line}`),
        output: (line) => seen.push(`any:${line}`),
      });
      // The wait answers at 3, but the result waits for the stdout stream to end at 6.
      m.expect(result$.pipe(map((r) => r.exitCode))).toBeObservable('------(r|)', { r: 0 });
      m.scheduler.flush();
      expect(seen).toEqual(['err:warn', 'any:warn', 'out:hello', 'any:hello', 'out:world', 'any:world']);
      expect(caller.expectOne({ path: `${EXEC}/stream_stdout_updates` }).request.query?.['offset']).toBe('0');
      caller.verify();
    }),
  );

  it(
    'unsubscribing early kills the command',
    marbles((m) => {
      const { sdk, caller } = testSdk();
      const kill = m.cold('-a|', {
        a: executionView({ devbox_id: 'dbx_1', execution_id: 'exe_1', status: 'completed' }),
      });
      caller
        .when(`POST ${BASE}/execute`)
        .respond(executionView({ devbox_id: 'dbx_1', execution_id: 'exe_1', status: 'running' }))
        .when(`POST ${EXEC}/wait_for_status`)
        .respond(m.cold('----------#', undefined, timeout408()))
        .when(`POST ${EXEC}/kill`)
        .respond(kill);
      m.expect(sdk.devbox.attach('dbx_1').cmd.exec('sleep 100'), '^--!').toBeObservable('---');
      m.expect(kill).toHaveSubscriptions('---^!');
    }),
  );
});

describe('cmd.execAsync', () => {
  it(
    'unsubscribed while the start is in flight: kills the command once its id is known',
    marbles((m) => {
      const { sdk, caller } = testSdk();
      const start = m.cold('---a|', {
        a: executionView({ devbox_id: 'dbx_1', execution_id: 'exe_1', status: 'running' }),
      });
      const kill = m.cold('-a|', {
        a: executionView({ devbox_id: 'dbx_1', execution_id: 'exe_1', status: 'completed' }),
      });
      caller.when(`POST ${BASE}/execute_async`).respond(start).when(`POST ${EXEC}/kill`).respond(kill);
      m.expect(sdk.devbox.attach('dbx_1').cmd.execAsync('sleep 9'), '^!').toBeObservable('--');
      m.expect(start).toHaveSubscriptions('^--!');
      m.expect(kill).toHaveSubscriptions('---^!');
    }),
  );

  it(
    'an emitted Execution is never killed by the SDK',
    marbles((m) => {
      const { sdk, caller } = testSdk();
      caller
        .when(`POST ${BASE}/execute_async`)
        .respond(executionView({ devbox_id: 'dbx_1', execution_id: 'exe_1', status: 'running' }));
      m.expect(
        sdk.devbox
          .attach('dbx_1')
          .cmd.execAsync('sleep 9')
          .pipe(map((e) => e.executionId)),
      ).toBeObservable('(e|)', { e: 'exe_1' });
      m.scheduler.flush();
      caller.expectNone({ path: `${EXEC}/kill` });
    }),
  );
});

describe('cmd.exec with a signal', () => {
  it('aborting errors with APIUserAbortError and kills the command', async () => {
    const { sdk, caller } = testSdk();
    caller
      .when(`POST ${BASE}/execute`)
      .respond(executionView({ devbox_id: 'dbx_1', execution_id: 'exe_1', status: 'running' }))
      .when(`POST ${EXEC}/kill`)
      .respond(executionView({ devbox_id: 'dbx_1', execution_id: 'exe_1', status: 'completed' }));
    const controller = new AbortController();
    const pending = lastValueFrom(sdk.devbox.attach('dbx_1').cmd.exec('sleep 9', { signal: controller.signal }));
    await new Promise((r) => setTimeout(r, 5));
    controller.abort();
    await expect(pending).rejects.toMatchObject({ name: 'APIUserAbortError' });
    expect(caller.match(`POST ${EXEC}/kill`)).toHaveLength(1);
    // The long-poll left open by the fake (no scripted reply) was cancelled, not leaked.
    caller.verify();
  });
});

describe('cmd.stream', () => {
  it(
    'emits tagged lines then the exit event; unsubscribing early kills unless told not to',
    marbles((m) => {
      const { sdk, caller } = testSdk();
      caller
        .when(`POST ${BASE}/execute_async`)
        .respond(executionView({ devbox_id: 'dbx_1', execution_id: 'exe_1', status: 'running' }))
        .when({ path: `${EXEC}/stream_stdout_updates` })
        .respond(m.cold('-a-----|', { a: chunk('x\ny\n', 4) }))
        .when({ path: `${EXEC}/stream_stderr_updates` })
        .respond(sseReply([]))
        .when(`POST ${EXEC}/wait_for_status`)
        .respond(executionView({ devbox_id: 'dbx_1', execution_id: 'exe_1', status: 'completed', exit_status: 0 }))
        .when(`POST ${EXEC}/kill`)
        .respond(executionView({ devbox_id: 'dbx_1', execution_id: 'exe_1', status: 'completed' }));
      const events$ = sdk.devbox
        .attach('dbx_1')
        .cmd.stream('printf "x\\ny\\n"')
        .pipe(map((e) => (e.stream === 'exit' ? `exit:${e.exitCode}` : `${e.stream}:${e.line}@${e.offset}`)));
      m.expect(events$).toBeObservable('-(xy)--(z|)', { x: 'stdout:x@2', y: 'stdout:y@4', z: 'exit:0' });
      m.scheduler.flush();
      caller.expectNone({ path: `${EXEC}/kill` });
    }),
  );
});

describe('cmd.stream teardown', () => {
  const setup = (m: Parameters<Parameters<typeof marbles>[0]>[0]) => {
    const { sdk, caller } = testSdk();
    const kill = m.cold('-a|', {
      a: executionView({ devbox_id: 'dbx_1', execution_id: 'exe_1', status: 'completed' }),
    });
    caller
      .when(`POST ${BASE}/execute_async`)
      .respond(executionView({ devbox_id: 'dbx_1', execution_id: 'exe_1', status: 'running' }))
      .when({ path: /stream_(stdout|stderr)_updates$/ })
      .respond(m.cold('-a--------', { a: chunk('tick\n', 5) }))
      .when(`POST ${EXEC}/wait_for_status`)
      .respond(m.cold('----------#', undefined, timeout408()))
      .when(`POST ${EXEC}/kill`)
      .respond(kill);
    return { sdk, caller, kill };
  };

  it(
    'kills the command when unsubscribed early',
    marbles((m) => {
      const { sdk, kill } = setup(m);
      m.expect(
        sdk.devbox
          .attach('dbx_1')
          .cmd.stream('yes')
          .pipe(map((e) => e.stream)),
        '^--!',
      ).toBeObservable('-(ab)', { a: 'stdout', b: 'stderr' });
      m.expect(kill).toHaveSubscriptions('---^!');
    }),
  );

  it(
    'leaves the command running with killOnUnsubscribe: false',
    marbles((m) => {
      const { sdk, caller } = setup(m);
      m.expect(
        sdk.devbox
          .attach('dbx_1')
          .cmd.stream('yes', { killOnUnsubscribe: false })
          .pipe(map((e) => e.stream)),
        '^--!',
      ).toBeObservable('-(ab)', {
        a: 'stdout',
        b: 'stderr',
      });
      m.scheduler.flush();
      caller.expectNone({ path: `${EXEC}/kill` });
    }),
  );
});

describe('ExecutionResult', () => {
  it('re-reads the whole stream from offset 0 when the inline output was truncated', async () => {
    const { sdk, caller } = testSdk();
    caller
      .when(`POST ${BASE}/execute`)
      .respond(
        executionView({
          devbox_id: 'dbx_1',
          execution_id: 'exe_1',
          status: 'completed',
          exit_status: 0,
          stdout: 'l3\n',
          stdout_truncated: true,
          stderr: 'e\n',
        }),
      )
      .when({ path: `${EXEC}/stream_stdout_updates` })
      .respond(sseReply([chunk('l1\nl2\n', 6), chunk('l3\n', 9)]));
    const result = await lastValueFrom(sdk.devbox.attach('dbx_1').cmd.exec('seq'));
    expect(await lastValueFrom(result.stdout())).toBe('l1\nl2\nl3\n');
    expect(await lastValueFrom(result.stdout(1))).toBe('l3'); // the tail holds enough lines: no re-read
    expect(await lastValueFrom(result.stdout(2))).toBe('l2\nl3');
    expect(await lastValueFrom(result.stderr())).toBe('e\n');
    expect(caller.match({ path: `${EXEC}/stream_stdout_updates` })).toHaveLength(2);
    caller.expectNone({ path: `${EXEC}/stream_stderr_updates` });
  });
});

describe('Execution.output$', () => {
  it(
    'resumes after an idle timeout and a dropped connection with no line lost or repeated',
    marbles((m) => {
      const { sdk, caller } = testSdk();
      const first = m.cold('-a-e', { a: chunk('one\ntw', 6), e: idle408 });
      // The server resends the chunk it had already sent; it must be dropped.
      const second = m.cold('-a-b#', { a: chunk('one\ntw', 6), b: chunk('o\nthr', 11) }, new APIConnectionError());
      const third = m.cold('-a|', { a: chunk('ee\n', 14) });
      caller
        .when(`POST ${BASE}/execute_async`)
        .respond(executionView({ devbox_id: 'dbx_1', execution_id: 'exe_1', status: 'running' }))
        .when({ path: `${EXEC}/stream_stdout_updates` })
        .respond(first, second, third)
        .when({ path: `${EXEC}/stream_stderr_updates` })
        .respond(sseReply([]));
      const lines$ = sdk.devbox
        .attach('dbx_1')
        .cmd.execAsync('count')
        .pipe(
          switchMap((execution) => execution.output$),
          map((l: OutputLine) => `${l.line}@${l.offset}`),
        );
      // 408 at 3 ⇒ reconnect at once; drop at 7 ⇒ reconnect after a 500 ms backoff (virtual time).
      m.expect(lines$).toBeObservable('-a----b 500ms -c|', { a: 'one@4', b: 'two@8', c: 'three@14' });
      m.scheduler.flush();
      const offsets = caller.match({ path: `${EXEC}/stream_stdout_updates` }).map((r) => r.request.query?.['offset']);
      expect(offsets).toEqual(['0', '6', '11']);
    }),
  );

  it(
    'is multicast, and outputFrom replays from an offset',
    marbles((m) => {
      const { sdk, caller } = testSdk();
      caller
        .when(`POST ${BASE}/execute_async`)
        .respond(executionView({ devbox_id: 'dbx_1', execution_id: 'exe_1', status: 'running' }))
        .when({ path: `${EXEC}/stream_stdout_updates` })
        .respond(m.cold('-a--b|', { a: chunk('1\n', 2), b: chunk('2\n', 4) }))
        .when({ path: `${EXEC}/stream_stderr_updates` })
        .respond(sseReply([]));
      sdk.devbox
        .attach('dbx_1')
        .cmd.execAsync('x')
        .subscribe((execution) => {
          m.expect(execution.output$.pipe(map((l) => l.line))).toBeObservable('-a--b|', { a: '1', b: '2' });
          m.expect(execution.output$.pipe(map((l) => l.line))).toBeObservable('-a--b|', { a: '1', b: '2' });
        });
      m.scheduler.flush();
      expect(caller.match({ path: `${EXEC}/stream_stdout_updates` })).toHaveLength(1);
    }),
  );
});
