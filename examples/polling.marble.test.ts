// A marble test of polling logic, written the way users should write theirs:
// the app code below waits on the SDK; the test scripts the API's answers
// with `runloop-rx/testing` and checks, on virtual time, WHEN each value
// arrives and WHEN each request is made and cancelled. A 10 s deadline costs
// nothing. (Inside this repo the package entry points are imported by path:
// '../src/index.js' is `runloop-rx`, '../src/testing/index.js' is `runloop-rx/testing`.)
import { describe, expect, it } from 'vitest';
import { marbles } from 'rxjs-marbles';
import { type Observable, catchError, filter, map, of, switchMap, take, throwError } from 'rxjs';
import { PollingTimeoutError, type RunloopSDK } from '../src/index.js';
import { devboxView, snapshotStatusView, testSdk, timeout408 } from '../src/testing/index.js';

// ---- the app code under test ---------------------------------------------

/** Waits for a snapshot (polling every second, for at most `deadlineMs`) and says how it went. */
function snapshotOutcome(runloop: RunloopSDK, snapshotId: string, deadlineMs = 10_000): Observable<string> {
  return runloop.snapshot.fromId(snapshotId).pipe(
    switchMap((snapshot) => snapshot.awaitCompleted({ pollingConfig: { intervalMs: 1000, timeoutMs: deadlineMs } })),
    map((status) => `${snapshotId} is ${status.status}`),
    catchError((err: unknown) =>
      err instanceof PollingTimeoutError ? of(`${snapshotId} gave up`) : throwError(() => err),
    ),
  );
}

/** The first status of a devbox that is not `running` (long-polls: no interval). */
function firstStop(runloop: RunloopSDK, devboxId: string): Observable<string> {
  return runloop.devbox.attach(devboxId).status$.pipe(
    filter((status) => status !== 'running'),
    take(1),
  );
}

// ---- the tests -------------------------------------------------------------

const STATUS_PATH = 'GET /v1/devboxes/disk_snapshots/snp_1/status';
const inProgress = snapshotStatusView({ status: 'in_progress' });
const complete = snapshotStatusView({ status: 'complete' });

describe('snapshotOutcome (app code polling a snapshot)', () => {
  it(
    'polls once a second until complete',
    marbles((m) => {
      const { sdk, caller } = testSdk();
      // Each request answers after 1 ms of virtual time: fromId's read at 0, then polls at 1, 1002, 2003 ms
      // (the interval is the pause between the end of one poll and the start of the next).
      const replies = [inProgress, inProgress, inProgress, complete].map((view) => m.cold('-(a|)', { a: view }));
      caller.when(STATUS_PATH).respond(...replies);

      m.expect(snapshotOutcome(sdk, 'snp_1')).toBeObservable('2004ms (r|)', { r: 'snp_1 is complete' });
      m.expect(replies[0]!).toHaveSubscriptions('^!');
      m.expect(replies[1]!).toHaveSubscriptions('-^!');
      m.expect(replies[2]!).toHaveSubscriptions('1002ms ^!');
      m.expect(replies[3]!).toHaveSubscriptions('2003ms ^!');
      m.scheduler.flush();
      expect(caller.match(STATUS_PATH)).toHaveLength(4);
      caller.verify();
    }),
  );

  it(
    'gives up at its deadline and cancels the poll in flight',
    marbles((m) => {
      const { sdk, caller } = testSdk();
      const first = m.cold('-(a|)', { a: inProgress });
      // Every poll takes 1.6 s; the next one starts 1 s after the previous one ends: never stacked, never cut by a tick.
      const slowPoll = m.cold('1600ms (a|)', { a: inProgress });
      caller.when(STATUS_PATH).respond(first, slowPoll);

      // The 11 s deadline counts from the first poll, at 1 ms.
      m.expect(snapshotOutcome(sdk, 'snp_1', 11_000)).toBeObservable('11001ms (r|)', { r: 'snp_1 gave up' });
      // Polls at 1, 2601, 5201 and 7801 ms run to their end; the one from 10401 ms is cut at the deadline.
      const finished = [1, 2601, 5201, 7801].map((start) => `${start}ms ^ 1599ms !`);
      m.expect(slowPoll).toHaveSubscriptions([...finished, '10401ms ^ 599ms !']);
      m.scheduler.flush();
      caller.verify();
    }),
  );
});

describe('firstStop (app code watching a devbox)', () => {
  it(
    'long-polls through a 408 and reports the first non-running status',
    marbles((m) => {
      const { sdk, caller } = testSdk();
      const retrieve = m.cold('-(a|)', { a: devboxView({ id: 'dbx_1', status: 'running' }) });
      // The server holds each wait; a 408 means "nothing yet, ask again" and is re-sent at once.
      const heldThenTimeout = m.cold('--#', undefined, timeout408());
      const heldThenSuspended = m.cold('---(a|)', { a: devboxView({ id: 'dbx_1', status: 'suspending' }) });
      // status$ keeps watching after `suspending`; take(1) cancels that next wait in the same frame.
      const nextWait = m.cold('-');
      caller.when('GET /v1/devboxes/dbx_1').respond(retrieve);
      caller.when('POST /v1/devboxes/dbx_1/wait_for_status').respond(heldThenTimeout, heldThenSuspended, nextWait);

      m.expect(firstStop(sdk, 'dbx_1')).toBeObservable('------(s|)', { s: 'suspending' });
      m.expect(retrieve).toHaveSubscriptions('^!');
      m.expect(heldThenTimeout).toHaveSubscriptions('-^-!');
      m.expect(heldThenSuspended).toHaveSubscriptions('---^--!');
      m.expect(nextWait).toHaveSubscriptions('6ms (^!)');
      m.scheduler.flush();
      // One read and three waits, and nothing left open once the app has its answer.
      expect(caller.requests.map((r) => `${r.request.method} ${r.request.path}`)).toEqual([
        'GET /v1/devboxes/dbx_1',
        'POST /v1/devboxes/dbx_1/wait_for_status',
        'POST /v1/devboxes/dbx_1/wait_for_status',
        'POST /v1/devboxes/dbx_1/wait_for_status',
      ]);
      caller.verify();
    }),
  );

  it(
    'never answers while the devbox keeps running, and unsubscribing cancels the held request',
    marbles((m) => {
      const { sdk, caller } = testSdk();
      const retrieve = m.cold('-(a|)', { a: devboxView({ id: 'dbx_1', status: 'running' }) });
      const held = m.cold('-');
      caller.when('GET /v1/devboxes/dbx_1').respond(retrieve);
      caller.when('POST /v1/devboxes/dbx_1/wait_for_status').respond(held);

      m.expect(firstStop(sdk, 'dbx_1'), '^ 99ms !').toBeObservable('-');
      m.expect(held).toHaveSubscriptions('-^ 98ms !');
      m.scheduler.flush();
      expect(caller.requests.map((r) => r.state)).toEqual(['completed', 'cancelled']);
    }),
  );
});
