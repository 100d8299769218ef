import { describe, it } from 'vitest';
import { marbles } from 'rxjs-marbles';
import { catchError, map, of } from 'rxjs';
import { APIError } from '../../src/core/errors.js';
import { testSdk } from '../../src/testing/index.js';
import { outputLines } from '../../src/sdk/internal/execution-output.js';

const EXEC = '/v1/devboxes/dbx_1/executions/exe_1';
const chunk = (output: string, offset: number) => ({ output, offset });

describe('outputLines (each stream split straight into one subscriber)', () => {
  it(
    'interleaves both streams by arrival, flushes each partial tail when its stream ends, completes after both',
    marbles((m) => {
      const { sdk, caller } = testSdk();
      const stdout = m.cold('-a---b|', { a: chunk('o1\no', 4), b: chunk('2', 5) });
      const stderr = m.cold('--a-|', { a: chunk('e1\ne2', 5) });
      caller.when({ path: `${EXEC}/stream_stdout_updates` }).respond(stdout);
      caller.when({ path: `${EXEC}/stream_stderr_updates` }).respond(stderr);
      const lines$ = outputLines(sdk.api, 'dbx_1', 'exe_1', ['stdout', 'stderr']).pipe(
        map((l) => `${l.stream}:${l.line}@${l.offset}`),
      );
      m.expect(lines$).toBeObservable('-ab-c-(d|)', {
        a: 'stdout:o1@3',
        b: 'stderr:e1@3',
        c: 'stderr:e2@5',
        d: 'stdout:o2@5',
      });
      m.expect(stdout).toHaveSubscriptions('^-----!');
      m.expect(stderr).toHaveSubscriptions('^---!');
    }),
  );

  it(
    'fails with the first stream that fails and unsubscribes from the other',
    marbles((m) => {
      const { sdk, caller } = testSdk();
      const failure = new APIError(500, undefined, 'boom', 'boom');
      const stdout = m.cold('-a------', { a: chunk('x\n', 2) });
      const stderr = m.cold('---#', undefined, failure);
      caller.when({ path: `${EXEC}/stream_stdout_updates` }).respond(stdout);
      caller.when({ path: `${EXEC}/stream_stderr_updates` }).respond(stderr);
      const lines$ = outputLines(sdk.api, 'dbx_1', 'exe_1', ['stdout', 'stderr']).pipe(
        map((l) => l.line),
        catchError((error: APIError) => of(`failed:${error.status}`)),
      );
      m.expect(lines$).toBeObservable('-a-(f|)', { a: 'x', f: 'failed:500' });
      m.expect(stdout).toHaveSubscriptions('^--!');
    }),
  );

  it(
    'stops both streams when the subscriber leaves, and completes at once with no streams',
    marbles((m) => {
      const { sdk, caller } = testSdk();
      const stdout = m.cold('-a-a-a', { a: chunk('x\n', 2) });
      caller.when({ path: `${EXEC}/stream_stdout_updates` }).respond(stdout);
      m.expect(outputLines(sdk.api, 'dbx_1', 'exe_1', ['stdout']).pipe(map((l) => l.line)), '^--!').toBeObservable(
        '-a-',
        { a: 'x' },
      );
      m.expect(stdout).toHaveSubscriptions('^--!');
      m.expect(outputLines(sdk.api, 'dbx_1', 'exe_1', [])).toBeObservable('|');
    }),
  );
});
