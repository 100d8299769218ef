/**
 * `runloop-rx/testing`: helpers for testing code built on the SDK, above all
 * marble tests of polling and streaming logic.
 *
 * @example
 * import { FakeApiCaller, devboxView, statusReply, runInVirtualTime } from 'runloop-rx/testing';
 * import { RunloopSDK } from 'runloop-rx';
 *
 * runInVirtualTime(({ cold, expectObservable }) => {
 *   const caller = new FakeApiCaller()
 *     .when({ path: '/v1/devboxes/dbx_1/wait_for_status' })
 *     .respond(cold('--#', undefined, timeout408()), cold('-a|', { a: devboxView({ id: 'dbx_1' }) }));
 *   const runloop = new RunloopSDK({ caller });
 *   expectObservable(runloop.devbox.fromId('dbx_1').pipe(map((d) => d.id))).toBe('---(a|)', { a: 'dbx_1' });
 * });
 */
export { FakeApiCaller, type FakeApiCallerOptions, type ScriptBuilder } from './fake-api-caller.js';
export { FakeTransport, PendingHttpRequest, type AutoResponder, type FakeTransportOptions } from './fake-transport.js';
export { TestRequest, type RequestKind, type RequestState } from './test-request.js';
export { toPredicate, describeMatcher, type RequestMatcher } from './request-matcher.js';
export { sseReply, statusReply, timeout408, type Reply, type Responder } from './replies.js';
export { blueprintView, devboxView, executionView, objectView, snapshotStatusView, snapshotView } from './fixtures.js';
export {
  blueprintScenario,
  devboxScenario,
  executionScenario,
  type ExecutionScript,
  type Timeline,
} from './scenarios.js';
export {
  VirtualTimeBudgetError,
  runInVirtualTime,
  testSdk,
  type TestSdk,
  type VirtualTimeBudget,
} from './virtual-time.js';
