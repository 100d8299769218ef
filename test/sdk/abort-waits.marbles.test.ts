import { describe, it } from 'vitest';
import { marbles } from 'rxjs-marbles';
import { catchError, map, of, switchMap } from 'rxjs';
import { APIUserAbortError } from '../../src/core/errors.js';
import { blueprintView, snapshotStatusView, testSdk } from '../../src/testing/index.js';

const aborted = (e: unknown) => of(e instanceof APIUserAbortError ? 'aborted' : `other:${String(e)}`);

// Polling waits spend most of their time between requests: an abort there must end them at once, not at the next poll.
describe('an AbortSignal ends a polling wait at once', () => {
  it(
    'snapshot.awaitCompleted',
    marbles((m) => {
      const { sdk, caller } = testSdk();
      const controller = new AbortController();
      caller
        .when('GET /v1/devboxes/disk_snapshots/snp_1/status')
        .respond(snapshotStatusView({ status: 'in_progress' }));
      m.scheduler.schedule(() => controller.abort(), 15);
      const wait$ = sdk.snapshot
        .fromId('snp_1')
        .pipe(switchMap((s) => s.awaitCompleted({ signal: controller.signal, pollingConfig: { intervalMs: 10 } })));
      m.expect(
        wait$.pipe(
          map(() => 'done'),
          catchError(aborted),
        ),
      ).toBeObservable('15ms (a|)', { a: 'aborted' });
      m.scheduler.flush();
      caller.verify();
    }),
  );

  it(
    'blueprint.create and buildLog()',
    marbles((m) => {
      const { sdk, caller } = testSdk();
      const controller = new AbortController();
      caller
        .when('POST /v1/blueprints')
        .respond(blueprintView({ id: 'bpt_1', status: 'queued' }))
        .when('GET /v1/blueprints/bpt_1')
        .respond(blueprintView({ id: 'bpt_1', status: 'building' }))
        .when('GET /v1/blueprints/bpt_1/logs')
        .respond({ blueprint_id: 'bpt_1', logs: [] });
      m.scheduler.schedule(() => controller.abort(), 25);
      const options = { signal: controller.signal, pollingConfig: { intervalMs: 10 } };
      m.expect(
        sdk.blueprint.create({ name: 'py' }, options).pipe(
          map(() => 'built'),
          catchError(aborted),
        ),
      ).toBeObservable('25ms (a|)', {
        a: 'aborted',
      });
      const log$ = sdk.blueprint.fromId('bpt_1').pipe(switchMap((bp) => bp.buildLog(options)));
      m.expect(
        log$.pipe(
          map(() => 'line'),
          catchError(aborted),
        ),
      ).toBeObservable('25ms (a|)', { a: 'aborted' });
    }),
  );
});
