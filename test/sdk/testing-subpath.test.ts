import { describe, expect, it } from 'vitest';
import { map } from 'rxjs';
import { RunloopSDK } from '../../src/index.js';
import { FakeApiCaller, devboxView, runInVirtualTime, timeout408 } from '../../src/testing/index.js';
import { BlueprintBuildError, DevboxStateError, SnapshotError } from '../../src/sdk/errors.js';
import { RunloopError } from '../../src/core/errors.js';
import { blueprintView } from '../../src/testing/fixtures.js';

describe('runloop-rx/testing', () => {
  it('the documented marble example works as written', () => {
    let caller!: FakeApiCaller;
    runInVirtualTime(({ cold, expectObservable }) => {
      caller = new FakeApiCaller()
        .when({ path: '/v1/devboxes/dbx_1/wait_for_status' })
        .respond(cold('--#', undefined, timeout408()), cold('-a|', { a: devboxView({ id: 'dbx_1' }) }));
      const runloop = new RunloopSDK({ caller });
      expectObservable(runloop.devbox.fromId('dbx_1').pipe(map((d) => d.id))).toBe('---(a|)', { a: 'dbx_1' });
    });
    expect(caller.match({ path: '/v1/devboxes/dbx_1/wait_for_status' })).toHaveLength(2);
    caller.verify();
  });

  it('runInVirtualTime fails a wrong expectation', () => {
    expect(() =>
      runInVirtualTime(({ cold, expectObservable }) => {
        expectObservable(cold('-a|')).toBe('--a|');
      }),
    ).toThrow();
  });
});

describe('SDK errors', () => {
  it('are RunloopErrors with stable codes, and instanceof tells them apart', () => {
    const state = new DevboxStateError(devboxView({ id: 'dbx_1', status: 'failure' }), 'running');
    const build = new BlueprintBuildError(blueprintView({ status: 'failed' }), []);
    expect(state).toBeInstanceOf(RunloopError);
    expect(state).toBeInstanceOf(DevboxStateError);
    expect(state).not.toBeInstanceOf(BlueprintBuildError);
    expect(build).toBeInstanceOf(BlueprintBuildError);
    expect(build).not.toBeInstanceOf(SnapshotError);
    expect([state.code, build.code]).toEqual(['RUNLOOP_DEVBOX_STATE', 'RUNLOOP_BLUEPRINT_BUILD']);
    expect(state.message).toBe('Devbox dbx_1 is failure, expected running');
  });
});
