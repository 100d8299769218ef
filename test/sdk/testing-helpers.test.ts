/**
 * `runloop-rx/testing` for users: a frame budget that fails an endless poll
 * instead of hanging the test, and requests that tell answered from cancelled.
 */
import { describe, expect, it } from 'vitest';
import { defer, map, of } from 'rxjs';
import { pollUntil } from '../../src/index.js';
import { VirtualTimeBudgetError, devboxView, runInVirtualTime, statusReply, testSdk } from '../../src/testing/index.js';

describe('runInVirtualTime budget', () => {
  it('a poll whose terminal state never comes fails the test at maxFrames', () => {
    const endless = () =>
      runInVirtualTime(
        ({ expectObservable }) => {
          // A typo in the terminal state: 'complete' vs the 'completed' the fake returns.
          const poll$ = pollUntil(
            defer(() => of('completed')),
            (s) => s === 'complete',
            { intervalMs: 1_000 },
          );
          expectObservable(poll$).toBe('(c|)', { c: 'completed' });
        },
        { maxFrames: 60_000 },
      );
    expect(endless).toThrow(VirtualTimeBudgetError);
    expect(endless).toThrow(/frame 61000 > maxFrames 60000/);
  });

  it('a long-poll that is re-asked at once forever (time never advances) fails at maxActions', () => {
    const { sdk, caller } = testSdk();
    // A fake that answers every long-poll at once with a status that is not the awaited one.
    caller.when('POST /v1/devboxes/dbx_1/wait_for_status').respond(devboxView({ id: 'dbx_1', status: 'provisioning' }));
    const endless = () =>
      runInVirtualTime(
        ({ expectObservable }) => {
          expectObservable(
            sdk.devbox
              .attach('dbx_1')
              .awaitRunning()
              .pipe(map((v) => v.status)),
          ).toBe('(a|)', { a: 'running' });
        },
        { maxActions: 5_000 },
      );
    expect(endless).toThrow(/more than 5000 actions/);
  });

  it('a test within budget runs as before', () => {
    runInVirtualTime(({ cold, expectObservable }) => {
      expectObservable(cold('-a|')).toBe('-a|');
    });
  });
});

describe('TestRequest', () => {
  it('tells answered from cancelled', () => {
    const { sdk, caller } = testSdk();
    caller.when('POST /v1/devboxes/dbx_1/wait_for_status').respond(statusReply(408), devboxView({ id: 'dbx_1' }));
    caller.when('GET /v1/devboxes/dbx_1').respond(devboxView({ id: 'dbx_1', status: 'provisioning' }));
    runInVirtualTime(({ expectObservable }) => {
      expectObservable(
        sdk.devbox
          .attach('dbx_1')
          .awaitRunning()
          .pipe(map((v) => v.status)),
      ).toBe('(r|)', { r: 'running' });
    });
    const [first, second] = caller.match('POST /v1/devboxes/dbx_1/wait_for_status');
    expect([first?.answered, first?.cancelled, second?.answered]).toEqual([true, false, true]);
    const subscription = sdk.devbox.attach('dbx_1').info$.subscribe();
    subscription.unsubscribe();
    const [get] = caller.match('GET /v1/devboxes/dbx_1');
    expect([get?.answered, get?.cancelled]).toEqual([true, false]);
  });
});
