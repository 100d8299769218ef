import { describe, expect, it } from 'vitest';
import { marbles } from 'rxjs-marbles';
import { catchError, map, of, switchMap } from 'rxjs';
import { PollingTimeoutError } from '../../src/core/errors.js';
import { BlueprintBuildError, SnapshotError } from '../../src/sdk/errors.js';
import { blueprintView, snapshotStatusView, snapshotView, testSdk } from '../../src/testing/index.js';

const SNAP_STATUS = 'GET /v1/devboxes/disk_snapshots/snp_1/status';
const inProgress = snapshotStatusView({ status: 'in_progress', snapshot: null });
const describeError = (e: unknown) =>
  of(
    e instanceof SnapshotError
      ? `error:${e.status.error_message}`
      : e instanceof PollingTimeoutError
        ? `timeout:${(e.lastValue as { status: string } | undefined)?.status}`
        : e instanceof BlueprintBuildError
          ? `build:${e.blueprint.status}:${e.logs.map((l) => l.message).join('|')}`
          : `other:${String(e)}`,
  );

describe('snapshot waits (fixed-interval polling)', () => {
  it(
    'snapshotDisk polls every intervalMs until complete',
    marbles((m) => {
      const { sdk, caller } = testSdk();
      caller
        .when('POST /v1/devboxes/dbx_1/snapshot_disk_async')
        .respond(snapshotView({ id: 'snp_1' }))
        .when(SNAP_STATUS)
        .respond(
          inProgress,
          inProgress,
          snapshotStatusView({ status: 'complete', snapshot: snapshotView({ id: 'snp_1' }) }),
        );
      const snapshot$ = sdk.devbox.attach('dbx_1').snapshotDisk({ name: 's' }, { pollingConfig: { intervalMs: 10 } });
      m.expect(snapshot$.pipe(map((s) => s.id))).toBeObservable('20ms (s|)', { s: 'snp_1' });
      m.scheduler.flush();
      expect(caller.match(SNAP_STATUS)).toHaveLength(3);
      expect(caller.expectOne('POST /v1/devboxes/dbx_1/snapshot_disk_async').body).toEqual({ name: 's' });
    }),
  );

  it(
    'fails with SnapshotError when the snapshot ends in error',
    marbles((m) => {
      const { sdk, caller } = testSdk();
      caller
        .when(SNAP_STATUS)
        .respond(inProgress, inProgress, snapshotStatusView({ status: 'error', error_message: 'disk full' }));
      // fromId reads the status once (t=0), then awaitCompleted polls at 0 and 10.
      const wait$ = sdk.snapshot
        .fromId('snp_1')
        .pipe(switchMap((s) => s.awaitCompleted({ pollingConfig: { intervalMs: 10 } })));
      m.expect(
        wait$.pipe(
          map(() => 'ok'),
          catchError(describeError),
        ),
      ).toBeObservable('10ms (e|)', { e: 'error:disk full' });
    }),
  );

  it(
    'fails at the deadline with PollingTimeoutError carrying the last status',
    marbles((m) => {
      const { sdk, caller } = testSdk();
      caller.when(SNAP_STATUS).respond(inProgress);
      const wait$ = sdk.snapshot
        .fromId('snp_1')
        .pipe(switchMap((s) => s.awaitCompleted({ pollingConfig: { intervalMs: 10, timeoutMs: 35 } })));
      m.expect(
        wait$.pipe(
          map(() => 'ok'),
          catchError(describeError),
        ),
      ).toBeObservable('35ms (e|)', { e: 'timeout:in_progress' });
      m.scheduler.flush();
      expect(caller.match(SNAP_STATUS)).toHaveLength(5); // fromId + polls at 0, 10, 20, 30
    }),
  );
});

describe('blueprint.create (fixed-interval polling)', () => {
  it(
    'waits until built',
    marbles((m) => {
      const { sdk, caller } = testSdk();
      caller
        .when('POST /v1/blueprints')
        .respond(blueprintView({ id: 'bpt_1', status: 'queued' }))
        .when('GET /v1/blueprints/bpt_1')
        .respond(
          blueprintView({ id: 'bpt_1', status: 'building' }),
          blueprintView({ id: 'bpt_1', status: 'build_complete' }),
        );
      const bp$ = sdk.blueprint.create(
        { name: 'py', dockerfile: 'FROM debian', systemSetupCommands: ['echo hi'] },
        { pollingConfig: { intervalMs: 100 } },
      );
      m.expect(bp$.pipe(map((b) => b.id))).toBeObservable('100ms (b|)', { b: 'bpt_1' });
      m.scheduler.flush();
      expect(caller.expectOne('POST /v1/blueprints').body).toEqual({
        name: 'py',
        dockerfile: 'FROM debian',
        system_setup_commands: ['echo hi'],
      });
    }),
  );

  it(
    'a failed build errors with BlueprintBuildError holding the log',
    marbles((m) => {
      const { sdk, caller } = testSdk();
      caller
        .when('POST /v1/blueprints')
        .respond(blueprintView({ id: 'bpt_1', status: 'queued' }))
        .when('GET /v1/blueprints/bpt_1')
        .respond(blueprintView({ id: 'bpt_1', status: 'failed', failure_reason: 'build_failed' }))
        .when('GET /v1/blueprints/bpt_1/logs')
        .respond({
          blueprint_id: 'bpt_1',
          logs: [
            { level: 'info', message: 'step 1', timestamp_ms: 1 },
            { level: 'error', message: 'boom', timestamp_ms: 2 },
          ],
        });
      m.expect(
        sdk.blueprint.create({ name: 'py' }).pipe(
          map(() => 'ok'),
          catchError(describeError),
        ),
      ).toBeObservable('(e|)', {
        e: 'build:failed:step 1|boom',
      });
    }),
  );

  it(
    'buildLog() emits each entry once while building, then the final ones',
    marbles((m) => {
      const { sdk, caller } = testSdk();
      const log = (message: string, t: number) => ({ level: 'info', message, timestamp_ms: t });
      caller
        .when('GET /v1/blueprints/bpt_1')
        .respond(
          blueprintView({ id: 'bpt_1' }),
          blueprintView({ id: 'bpt_1', status: 'building' }),
          blueprintView({ id: 'bpt_1', status: 'building' }),
          blueprintView({ id: 'bpt_1', status: 'build_complete' }),
        )
        .when('GET /v1/blueprints/bpt_1/logs')
        .respond(
          { blueprint_id: 'bpt_1', logs: [log('a', 1)] },
          { blueprint_id: 'bpt_1', logs: [log('a', 1), log('b', 2)] },
          { blueprint_id: 'bpt_1', logs: [log('a', 1), log('b', 2), log('c', 3)] },
        );
      const lines$ = sdk.blueprint.fromId('bpt_1').pipe(
        switchMap((bp) => bp.buildLog({ pollingConfig: { intervalMs: 10 } })),
        map((l) => l.message),
      );
      m.expect(lines$).toBeObservable('a 9ms b 9ms (c|)', { a: 'a', b: 'b', c: 'c' });
    }),
  );
});
