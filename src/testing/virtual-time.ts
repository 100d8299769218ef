import { deepStrictEqual } from 'node:assert/strict';
import type { SchedulerAction, Subscription } from 'rxjs';
import { TestScheduler, type RunHelpers } from 'rxjs/testing';
import { RunloopSDK } from '../sdk/runloop-sdk.js';
import { FakeApiCaller } from './fake-api-caller.js';

/**
 * How much virtual time a test may use before it fails: an endless poll (a
 * status that never comes, a typo in a terminal state) then fails the test
 * with {@link VirtualTimeBudgetError} instead of hanging it.
 *
 * @example
 * runInVirtualTime(callback, { maxFrames: 60_000 });
 */
export interface VirtualTimeBudget {
  /** The last virtual millisecond anything may be scheduled at; default 3 600 000 (one virtual hour). */
  readonly maxFrames?: number;
  /** The most actions scheduled in all (catches loops that never advance time); default 1 000 000. */
  readonly maxActions?: number;
}

/**
 * A virtual-time test used up its {@link VirtualTimeBudget}: something keeps
 * scheduling work (usually a poll that never reaches its end).
 *
 * @example
 * expect(() => runInVirtualTime(endless)).toThrow(VirtualTimeBudgetError);
 */
export class VirtualTimeBudgetError extends Error {
  override readonly name = 'VirtualTimeBudgetError';
}

/**
 * A TestScheduler that refuses work beyond its budget (checked where work is
 * scheduled). The refusal errors the stream that asked, and since a stream
 * may swallow that, the first refusal is also remembered and thrown in
 * place of any assertion, so the test fails with it.
 */
class BudgetedTestScheduler extends TestScheduler {
  #actions = 0;
  #exceeded: VirtualTimeBudgetError | undefined;

  constructor(
    assertDeepEqual: (actual: unknown, expected: unknown) => void,
    private readonly budget: Required<VirtualTimeBudget>,
  ) {
    super((actual, expected) => {
      if (this.#exceeded !== undefined) throw this.#exceeded;
      assertDeepEqual(actual, expected);
    });
  }

  /** The budget error, if the budget was exceeded. */
  get exceeded(): VirtualTimeBudgetError | undefined {
    return this.#exceeded;
  }

  override schedule<T>(work: (this: SchedulerAction<T>, state?: T) => void, delay = 0, state?: T): Subscription {
    this.#actions++;
    if (this.#exceeded === undefined && this.frame + delay > this.budget.maxFrames) {
      this.#exceeded = new VirtualTimeBudgetError(
        `virtual time budget exceeded: work scheduled at frame ${this.frame + delay} > maxFrames ${this.budget.maxFrames} (an endless poll?)`,
      );
    }
    if (this.#exceeded === undefined && this.#actions > this.budget.maxActions) {
      this.#exceeded = new VirtualTimeBudgetError(
        `virtual time budget exceeded: more than ${this.budget.maxActions} actions scheduled, at frame ${this.frame} (an endless poll?)`,
      );
    }
    if (this.#exceeded !== undefined) throw this.#exceeded;
    return super.schedule(work, delay, state);
  }
}

/**
 * Runs `callback` in RxJS virtual time with a framework-free deep-equal
 * assertion (works under vitest, jest, mocha, node:test). Inside, every SDK
 * wait that defaults to `asyncScheduler` runs on virtual time too, so a 30 s
 * polling deadline costs nothing. Promises never settle in virtual time: keep
 * to Observables inside. A test that exceeds `budget` fails with
 * {@link VirtualTimeBudgetError} rather than running forever.
 *
 * @example
 * runInVirtualTime(({ expectObservable }) => {
 *   expectObservable(sdk.devbox.fromId('dbx_1').awaitRunning()).toBe('(a|)', { a: runningView });
 * });
 */
export function runInVirtualTime<T>(callback: (helpers: RunHelpers) => T, budget: VirtualTimeBudget = {}): T {
  const scheduler = new BudgetedTestScheduler((actual, expected) => deepStrictEqual(actual, expected), {
    maxFrames: budget.maxFrames ?? 3_600_000,
    maxActions: budget.maxActions ?? 1_000_000,
  });
  const result = scheduler.run(callback);
  // A refused schedule that some stream swallowed, with no assertion left to throw it.
  if (scheduler.exceeded !== undefined) throw scheduler.exceeded;
  return result;
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
