import { describe, expect, it } from 'vitest';
import { marbles } from 'rxjs-marbles';
import { catchError, of } from 'rxjs';
import { BadRequestError } from '../../src/core/errors.js';
import type { ApiRequest } from '../../src/core/request.js';
import { devboxView, statusReply, testSdk } from '../../src/testing/index.js';

const CREATE = 'POST /v1/devboxes/create_and_await_running';
const SHUTDOWN = 'POST /v1/devboxes/dbx_1/shutdown';
const GET = 'GET /v1/devboxes/dbx_1';
const forced = (request: ApiRequest) =>
  request.path === '/v1/devboxes/dbx_1/shutdown' && request.query?.['force'] === true;

describe('devbox.use: shutdown failures after the work succeeded', () => {
  it(
    'a 409 on a devbox already shut down does not fail the work',
    marbles((m) => {
      const { sdk, caller } = testSdk();
      caller
        .when(CREATE)
        .respond(devboxView({ id: 'dbx_1' }))
        .when(SHUTDOWN)
        .respond(statusReply(409, { message: 'already shut down' }))
        .when(GET)
        .respond(devboxView({ id: 'dbx_1', status: 'shutdown' }));
      m.expect(sdk.devbox.use({}, () => m.cold('-a|'))).toBeObservable('-a|');
      m.scheduler.flush();
      caller.expectOne(GET);
      expect(caller.match(forced)).toHaveLength(0);
    }),
  );

  it(
    'a 409 while a snapshot is in progress is answered with a forced shutdown, and the work wins',
    marbles((m) => {
      const { sdk, caller } = testSdk();
      const forcedReply = m.cold('-s|', { s: devboxView({ id: 'dbx_1', status: 'shutdown' }) });
      caller
        .when(CREATE)
        .respond(devboxView({ id: 'dbx_1' }))
        .when(SHUTDOWN)
        .respond(statusReply(409, { message: 'snapshot in progress' }))
        .when(GET)
        .respond(devboxView({ id: 'dbx_1', status: 'running' }))
        .when(forced)
        .respond(forcedReply);
      m.expect(sdk.devbox.use({}, () => m.cold('-a|'))).toBeObservable('-a-|');
      m.expect(forcedReply).toHaveSubscriptions('--^!');
      m.scheduler.flush();
      expect(caller.match(forced)).toHaveLength(1);
    }),
  );

  it(
    'a 404 (the devbox is gone) does not fail the work',
    marbles((m) => {
      const { sdk, caller } = testSdk();
      caller
        .when(CREATE)
        .respond(devboxView({ id: 'dbx_1' }))
        .when(SHUTDOWN)
        .respond(statusReply(404));
      m.expect(sdk.devbox.use({}, () => m.cold('-a|'))).toBeObservable('-a|');
    }),
  );

  it(
    'a failure that may leave the devbox running still errors, with the typed error',
    marbles((m) => {
      const { sdk, caller } = testSdk();
      caller
        .when(CREATE)
        .respond(devboxView({ id: 'dbx_1' }))
        .when(SHUTDOWN)
        .respond(statusReply(400, { message: 'bad' }));
      const status$ = sdk.devbox
        .use({}, () => m.cold('-a|'))
        .pipe(catchError((e: unknown) => of(e instanceof BadRequestError ? e.status : -1)));
      m.expect(status$).toBeObservable('-a(s|)', { a: 'a', s: 400 });
    }),
  );

  it(
    "the work's error wins over a failed forced shutdown",
    marbles((m) => {
      const { sdk, caller } = testSdk();
      const boom = new Error('boom');
      caller
        .when(CREATE)
        .respond(devboxView({ id: 'dbx_1' }))
        .when(SHUTDOWN)
        .respond(statusReply(409))
        .when(GET)
        .respond(devboxView({ id: 'dbx_1', status: 'running' }))
        .when(forced)
        .respond(statusReply(500));
      m.expect(sdk.devbox.use({}, () => m.cold('-#', undefined, boom))).toBeObservable('-#', undefined, boom);
    }),
  );
});
