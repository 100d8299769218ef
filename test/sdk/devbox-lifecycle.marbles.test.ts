import { describe, expect, it } from 'vitest';
import { marbles } from 'rxjs-marbles';
import { map, throwError } from 'rxjs';
import { devboxView, testSdk } from '../../src/testing/index.js';

const CREATE = 'POST /v1/devboxes/create_and_await_running';
const SHUTDOWN = 'POST /v1/devboxes/dbx_1/shutdown';

describe('devbox.use (scoped devbox)', () => {
  it(
    'shuts down after the work completes, before completing',
    marbles((m) => {
      const { sdk, caller } = testSdk();
      const shutdownReply = m.cold('--a|', { a: devboxView({ id: 'dbx_1', status: 'shutdown' }) });
      caller
        .when(CREATE)
        .respond(m.cold('-a|', { a: devboxView({ id: 'dbx_1' }) }))
        .when(SHUTDOWN)
        .respond(shutdownReply);
      const work = m.cold('-x-y|');
      // create answers at 1; work runs 1..5; shutdown is sent at 5 and answered at 7; only then the result completes.
      m.expect(sdk.devbox.use({ name: 'tmp' }, () => work)).toBeObservable('--x-y--|');
      m.expect(work).toHaveSubscriptions('-^---!');
      m.expect(shutdownReply).toHaveSubscriptions('-----^-!');
      m.scheduler.flush();
      expect(caller.expectOne(CREATE).body).toEqual({ name: 'tmp' });
      caller.verify();
    }),
  );

  it(
    'shuts down after the work errors, then passes the error on',
    marbles((m) => {
      const { sdk, caller } = testSdk();
      const shutdownReply = m.cold('-a|', { a: devboxView({ id: 'dbx_1', status: 'shutdown' }) });
      caller
        .when(CREATE)
        .respond(devboxView({ id: 'dbx_1' }))
        .when(SHUTDOWN)
        .respond(shutdownReply);
      const work = m.cold('-x#', undefined, new Error('boom'));
      m.expect(sdk.devbox.use({}, () => work)).toBeObservable('-x-#', { x: 'x' }, new Error('boom'));
      m.expect(shutdownReply).toHaveSubscriptions('--^!');
    }),
  );

  it(
    'on unsubscribe: ends the work first, then sends the shutdown',
    marbles((m) => {
      const { sdk, caller } = testSdk();
      const shutdownReply = m.cold('-a|', { a: devboxView({ id: 'dbx_1', status: 'shutdown' }) });
      caller
        .when(CREATE)
        .respond(devboxView({ id: 'dbx_1' }))
        .when(SHUTDOWN)
        .respond(shutdownReply);
      const work = m.cold('-x------y|');
      m.expect(
        sdk.devbox.use({}, () => work),
        '^---!',
      ).toBeObservable('-x--');
      m.expect(work).toHaveSubscriptions('^---!');
      m.expect(shutdownReply).toHaveSubscriptions('----^!');
    }),
  );

  it(
    'a shutdown failure after successful work is reported',
    marbles((m) => {
      const { sdk, caller } = testSdk();
      caller
        .when(CREATE)
        .respond(devboxView({ id: 'dbx_1' }))
        .when(SHUTDOWN)
        .respond(throwError(() => new Error('nope')));
      m.expect(sdk.devbox.use({}, () => m.cold('a|'))).toBeObservable('a#', undefined, new Error('nope'));
    }),
  );
});

describe('devbox.create is orphan-free', () => {
  it(
    'unsubscribed while the create is in flight: the request is not aborted and the devbox is shut down once known',
    marbles((m) => {
      const { sdk, caller } = testSdk();
      const createReply = m.cold('----a|', { a: devboxView({ id: 'dbx_1', status: 'running' }) });
      const shutdownReply = m.cold('-a|', { a: devboxView({ id: 'dbx_1', status: 'shutdown' }) });
      caller.when(CREATE).respond(createReply).when(SHUTDOWN).respond(shutdownReply);
      m.expect(sdk.devbox.create().pipe(map((d) => d.id)), '^-!').toBeObservable('---');
      // The create keeps going to its answer at 4 (not cut at 2), then the shutdown is sent.
      m.expect(createReply).toHaveSubscriptions('^---!');
      m.expect(shutdownReply).toHaveSubscriptions('----^!');
    }),
  );

  it(
    'unsubscribed while waiting for running: shuts down at once',
    marbles((m) => {
      const { sdk, caller } = testSdk();
      const waitReply = m.cold('-----a|', { a: devboxView({ id: 'dbx_1', status: 'running' }) });
      const shutdownReply = m.cold('-a|', { a: devboxView({ id: 'dbx_1', status: 'shutdown' }) });
      caller
        .when(CREATE)
        .respond(devboxView({ id: 'dbx_1', status: 'provisioning' }))
        .when('POST /v1/devboxes/dbx_1/wait_for_status')
        .respond(waitReply)
        .when(SHUTDOWN)
        .respond(shutdownReply);
      m.expect(sdk.devbox.create(), '^--!').toBeObservable('---');
      m.expect(waitReply).toHaveSubscriptions('^--!');
      m.expect(shutdownReply).toHaveSubscriptions('---^!');
    }),
  );

  it(
    'a devbox handed over is never shut down by the create',
    marbles((m) => {
      const { sdk, caller } = testSdk();
      caller.when(CREATE).respond(m.cold('-a|', { a: devboxView({ id: 'dbx_1' }) }));
      m.expect(
        sdk.devbox.create({ mounts: [{ '/home/user/data.txt': { id: 'obj_1' } }] }).pipe(map((d) => d.id)),
      ).toBeObservable('-(i|)', {
        i: 'dbx_1',
      });
      m.scheduler.flush();
      expect(caller.expectOne(CREATE).body).toEqual({
        mounts: [{ type: 'object_mount', object_id: 'obj_1', object_path: '/home/user/data.txt' }],
      });
      caller.expectNone({ path: /shutdown$/ });
    }),
  );
});

describe('devbox create variants', () => {
  it(
    'each source variant sends its one source field with the params, and waits like create',
    marbles((m) => {
      const { sdk, caller } = testSdk();
      caller.when(CREATE).respond(devboxView({ id: 'dbx_1' }));
      const ids = (d: { id: string }) => d.id;
      m.expect(sdk.devbox.createFromBlueprintId('bpt_1', { name: 'a' }).pipe(map(ids))).toBeObservable('(i|)', {
        i: 'dbx_1',
      });
      m.expect(sdk.devbox.createFromBlueprintName('py', { name: 'b' }).pipe(map(ids))).toBeObservable('(i|)', {
        i: 'dbx_1',
      });
      m.expect(sdk.devbox.createFromSnapshot('snp_1').pipe(map(ids))).toBeObservable('(i|)', { i: 'dbx_1' });
      m.scheduler.flush();
      expect(caller.match(CREATE).map((r) => r.body)).toEqual([
        { name: 'a', blueprint_id: 'bpt_1' },
        { name: 'b', blueprint_name: 'py' },
        { snapshot_id: 'snp_1' },
      ]);
    }),
  );
});
