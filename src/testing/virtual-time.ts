import { deepStrictEqual } from 'node:assert/strict';
import { TestScheduler, type RunHelpers } from 'rxjs/testing';

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
