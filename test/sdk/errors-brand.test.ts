import { describe, expect, it } from 'vitest';
import * as apiErrors from '../../src/api/errors.js';
import * as coreErrors from '../../src/core/errors.js';
import * as sdkErrors from '../../src/sdk/errors.js';
import { devboxView } from '../../src/testing/index.js';

// A query string makes Vite load a second, independent instance of the same file.
const load = async <T>(path: string): Promise<T> => (await import(/* @vite-ignore */ `${path}?second-copy`)) as T;

describe('error brands', () => {
  it('SDK errors from another copy of the package are recognised, and only as their own class', async () => {
    const copy = await load<typeof sdkErrors>('../../src/sdk/errors.js');
    expect(copy.DevboxStateError).not.toBe(sdkErrors.DevboxStateError);
    const fromCopy = new copy.DevboxStateError(devboxView({ id: 'dbx_1', status: 'failure' }), 'running');
    expect(fromCopy).toBeInstanceOf(sdkErrors.DevboxStateError);
    expect(fromCopy).toBeInstanceOf(coreErrors.RunloopError);
    expect(fromCopy).not.toBeInstanceOf(sdkErrors.SnapshotError);
    expect(new copy.InvalidArgumentError('x')).toBeInstanceOf(sdkErrors.InvalidArgumentError);
    expect(new sdkErrors.InvalidArgumentError('x')).not.toBeInstanceOf(copy.ObjectTransferError);
  });

  it('the raw API error is branded too', async () => {
    const copy = await load<typeof apiErrors>('../../src/api/errors.js');
    expect(new copy.InvalidParamsError(['a'])).toBeInstanceOf(apiErrors.InvalidParamsError);
    expect(new copy.InvalidParamsError(['a']).code).toBe('RUNLOOP_INVALID_PARAMS');
  });
});
