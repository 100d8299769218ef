/**
 * Scenario helpers: marble tests of SDK waits and output with no endpoint
 * paths and no long-poll protocol in the test.
 */
import { describe, expect, it } from 'vitest';
import { catchError, map, of, switchMap } from 'rxjs';
import { BlueprintBuildError } from '../../src/index.js';
import {
  blueprintScenario,
  devboxScenario,
  executionScenario,
  runInVirtualTime,
  testSdk,
} from '../../src/testing/index.js';

describe('devboxScenario', () => {
  it('provisioning → initializing → running at frames 0, 10, 30: create emits at 30', () => {
    const { sdk, caller } = testSdk();
    devboxScenario(caller, 'dbx_1', [
      [0, 'provisioning'],
      [10, 'initializing'],
      [30, 'running'],
    ]);
    runInVirtualTime(({ expectObservable }) => {
      expectObservable(sdk.devbox.create().pipe(map((d) => d.id))).toBe('30ms (a|)', { a: 'dbx_1' });
      // status$ never ends while the devbox runs: the test leaves at 40.
      expectObservable(sdk.devbox.attach('dbx_1').status$, '^ 39ms !').toBe('a 9ms b 19ms c', {
        a: 'provisioning',
        b: 'initializing',
        c: 'running',
      });
    });
  });

  it('a wait longer than the hold goes through a 408 and a second long-poll, unseen by the test', () => {
    const { sdk, caller } = testSdk();
    devboxScenario(caller, 'dbx_1', [
      [0, 'provisioning'],
      [40_000, 'running'],
    ]);
    runInVirtualTime(({ expectObservable }) => {
      expectObservable(
        sdk.devbox
          .attach('dbx_1')
          .awaitRunning()
          .pipe(map((v) => v.status)),
      ).toBe('40000ms (r|)', { r: 'running' });
    });
    expect(caller.match({ path: '/v1/devboxes/dbx_1/wait_for_status' })).toHaveLength(2);
  });
});

describe('executionScenario', () => {
  it('prints these lines then exits 3: exec calls back line by line and emits the exit code at the end', () => {
    const { sdk, caller } = testSdk();
    executionScenario(caller, 'dbx_1', 'exe_1', {
      output: [
        [2, 'stdout', 'one'],
        [4, 'stderr', 'warn'],
        [6, 'stdout', 'two'],
      ],
      exit: [8, 3],
    });
    const lines: string[] = [];
    runInVirtualTime(({ expectObservable }) => {
      const exec$ = sdk.devbox.attach('dbx_1').cmd.exec('job', { output: (line) => lines.push(line) });
      expectObservable(exec$.pipe(map((r) => r.exitCode))).toBe('8ms (c|)', { c: 3 });
    });
    expect(lines).toEqual(['one', 'warn', 'two']);
  });

  it('output$ of the same script, from a late subscriber', () => {
    const { sdk, caller } = testSdk();
    executionScenario(caller, 'dbx_1', 'exe_1', {
      output: [
        [2, 'stdout', 'one'],
        [6, 'stdout', 'two'],
      ],
      exit: [8, 0],
    });
    runInVirtualTime(({ expectObservable }) => {
      const lines$ = sdk.devbox
        .attach('dbx_1')
        .cmd.execAsync('job')
        .pipe(switchMap((execution) => execution.output$.pipe(map((l) => l.line))));
      expectObservable(lines$).toBe('--a---b-|', { a: 'one', b: 'two' });
      expectObservable(lines$, '----^').toBe('----a-b-|', { a: 'one', b: 'two' });
    });
  });
});

describe('blueprintScenario', () => {
  it('this build fails with this log: create errors with BlueprintBuildError holding it', () => {
    const { sdk, caller } = testSdk();
    blueprintScenario(
      caller,
      'bpt_1',
      [
        [0, 'queued'],
        [5, 'building'],
        [20, 'failed'],
      ],
      ['RUN make', 'make: *** Error 2'],
    );
    runInVirtualTime(({ expectObservable }) => {
      const built$ = sdk.blueprint
        .create({ name: 'app', dockerfile: 'FROM debian' }, { pollingConfig: { intervalMs: 10 } })
        .pipe(
          map(() => 'built'),
          catchError((e: unknown) =>
            of(e instanceof BlueprintBuildError ? e.logs.map((l) => l.message).join(' | ') : String(e)),
          ),
        );
      expectObservable(built$).toBe('20ms (e|)', { e: 'RUN make | make: *** Error 2' });
    });
  });
});
