/**
 * `await using`: a devbox you created is shut down at the end of the block,
 * also when the block throws; an attached one never is.
 */
import { describe, expect, it } from 'vitest';
import { firstValueFrom } from 'rxjs';
import { devboxView, testSdk } from '../../src/testing/index.js';

describe('await using', () => {
  it('a created devbox is shut down when the block ends, even by a throw', async () => {
    const { sdk, caller } = testSdk();
    caller
      .when('POST /v1/devboxes/create_and_await_running')
      .respond(devboxView({ id: 'dbx_1' }))
      .when('POST /v1/devboxes/dbx_1/shutdown')
      .respond(devboxView({ id: 'dbx_1', status: 'shutdown' }));
    const failure = new Error('work failed');
    const run = async () => {
      await using devbox = await firstValueFrom(sdk.devbox.create({ name: 'tmp' }));
      expect(caller.match('POST /v1/devboxes/dbx_1/shutdown')).toHaveLength(0);
      expect(devbox.id).toBe('dbx_1');
      throw failure;
    };
    await expect(run()).rejects.toBe(failure);
    expect(caller.match('POST /v1/devboxes/dbx_1/shutdown')).toHaveLength(1);
    caller.verify();
  });

  it('an attached devbox has no dispose, and the SDK itself closes with await using', async () => {
    const { sdk } = testSdk();
    expect(Symbol.asyncDispose in sdk.devbox.attach('dbx_1')).toBe(false);
    {
      await using runloop = sdk;
      expect(runloop.baseURL).toBe('http://127.0.0.1:4000');
    }
  });
});
