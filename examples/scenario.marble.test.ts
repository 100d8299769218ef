// A marble test on YOUR OWN TestScheduler (from your copy of rxjs, which the
// SDK shares as a peer dependency), with scenario helpers: the test says what
// the devbox and the command do over virtual time, not which endpoints the
// SDK calls or how its long-polls work. (Inside this repo the package entry
// points are imported by path: '../src/index.js' is `runloop-rx`,
// '../src/testing/index.js' is `runloop-rx/testing`.)
import { describe, expect, it } from 'vitest';
import { TestScheduler } from 'rxjs/testing';
import { type Observable, map, switchMap } from 'rxjs';
import type { RunloopSDK } from '../src/index.js';
import { devboxScenario, executionScenario, testSdk } from '../src/testing/index.js';

// ---- the app code under test ---------------------------------------------

/** Creates a devbox, runs the tests in it, and reports the exit code. */
function runTests(runloop: RunloopSDK): Observable<string> {
  return runloop.devbox.create({ name: 'ci' }).pipe(
    switchMap((devbox) => devbox.cmd.exec('npm test')),
    map((result) => (result.success ? 'green' : `red (exit ${result.exitCode})`)),
  );
}

// ---- the test ----------------------------------------------------------------

describe('runTests (app code)', () => {
  it('waits for the devbox, runs the command, reports a failure 2 s later', () => {
    const scheduler = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
    const { sdk, caller } = testSdk();
    // The devbox takes 45 s to come up (longer than one long-poll hold: the SDK asks twice).
    devboxScenario(caller, 'dbx_1', [
      [0, 'provisioning'],
      [15_000, 'initializing'],
      [45_000, 'running'],
    ]);
    executionScenario(caller, 'dbx_1', 'exe_1', { output: [[46_000, 'stderr', '1 failing']], exit: [47_000, 1] });

    scheduler.run(({ expectObservable }) => {
      expectObservable(runTests(sdk)).toBe('47000ms (r|)', { r: 'red (exit 1)' });
    });
  });
});
