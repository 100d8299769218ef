import { describe, expect, it } from 'vitest';
import { marbles } from 'rxjs-marbles';
import { map } from 'rxjs';
import { isBlueprintBuildOver } from '../../src/api/views/blueprint.js';
import { blueprintView, snapshotStatusView, snapshotView, testSdk } from '../../src/testing/index.js';

// DESIGN: a status the SDK does not know yet must never break (or end) a wait.
describe('waits keep going through statuses the SDK does not know', () => {
  it(
    'snapshot awaitCompleted polls on past an unknown status',
    marbles((m) => {
      const { sdk, caller } = testSdk();
      const path = 'GET /v1/devboxes/disk_snapshots/snp_1/status';
      caller
        .when(path)
        .respond(
          snapshotStatusView({ status: 'uploading' }),
          snapshotStatusView({ status: 'complete', snapshot: snapshotView({ id: 'snp_1' }) }),
        );
      const status$ = sdk.devbox
        .attach('dbx_1')
        .snapshotDisk({}, { pollingConfig: { intervalMs: 10 } })
        .pipe(map((s) => s.id));
      caller.when('POST /v1/devboxes/dbx_1/snapshot_disk_async').respond(snapshotView({ id: 'snp_1' }));
      m.expect(status$).toBeObservable('10ms (s|)', { s: 'snp_1' });
      m.scheduler.flush();
      expect(caller.match(path)).toHaveLength(2);
    }),
  );

  it(
    'blueprint.create polls on past an unknown status',
    marbles((m) => {
      const { sdk, caller } = testSdk();
      caller
        .when('POST /v1/blueprints')
        .respond(blueprintView({ id: 'bpt_1', status: 'queued' }))
        .when('GET /v1/blueprints/bpt_1')
        .respond(
          blueprintView({ id: 'bpt_1', status: 'signing' as never }),
          blueprintView({ id: 'bpt_1', status: 'build_complete' }),
        );
      m.expect(
        sdk.blueprint.create({ name: 'py' }, { pollingConfig: { intervalMs: 10 } }).pipe(map((b) => b.id)),
      ).toBeObservable('10ms (b|)', {
        b: 'bpt_1',
      });
    }),
  );

  it('isBlueprintBuildOver: known final statuses only', () => {
    expect(['build_complete', 'failed', 'awaiting_upload'].map(isBlueprintBuildOver)).toEqual([true, true, true]);
    expect(['queued', 'provisioning', 'building', 'signing'].map(isBlueprintBuildOver)).toEqual([
      false,
      false,
      false,
      false,
    ]);
  });
});
