import { deepStrictEqual } from 'node:assert/strict';
import { TestScheduler, type RunHelpers } from 'rxjs/testing';
import { RunloopSDK } from '../sdk/runloop-sdk.js';
import { FakeApiCaller } from './fake-api-caller.js';

/**
 * Runs `callback` in RxJS virtual time with a framework-free deep-equal
 * assertion (works under vitest, jest, mocha, node:test). Inside, every SDK
 * wait that defaults to `asyncScheduler` runs on virtual time too, so a 30 s
 * polling deadline costs nothing. Promises never settle in virtual time: keep
 * to Observables inside.
 *
 * @example
 * runInVirtualTime(({ expectObservable }) => {
 *   expectObservable(sdk.devbox.fromId('dbx_1').awaitRunning()).toBe('(a|)', { a: runningView });
 * });
 */
export function runInVirtualTime<T>(callback: (helpers: RunHelpers) => T): T {
  const scheduler = new TestScheduler((actual, expected) => deepStrictEqual(actual, expected));
  return scheduler.run(callback);
}

/**
 * A RunloopSDK wired to a {@link FakeApiCaller}.
 *
 * @example
 * const { sdk, caller }: TestSdk = testSdk();
 */
export interface TestSdk {
  readonly sdk: RunloopSDK;
  readonly caller: FakeApiCaller;
}

/**
 * A RunloopSDK that sends every call to a new FakeApiCaller (no network, no
 * API key), for scripting replies and asserting on requests.
 *
 * @example
 * const { sdk, caller } = testSdk();
 * caller.when('GET /v1/devboxes/dbx_1').respond(devboxView({ id: 'dbx_1' }));
 */
export function testSdk(baseURL = 'http://127.0.0.1:4000'): TestSdk {
  const caller = new FakeApiCaller();
  return { sdk: new RunloopSDK({ caller, baseURL }), caller };
}
