import { describe, expect, it } from 'vitest';
import { apiErrorFromResponse } from '../../src/core/api-error.js';
import * as coreErrors from '../../src/core/errors.js';

// A query string makes Vite load a second, independent instance of the same file.
const load = async <T>(path: string): Promise<T> => (await import(/* @vite-ignore */ `${path}?second-copy`)) as T;

describe('status-mapped API errors (one factory)', () => {
  it('each status maps to its own named, coded, branded class', async () => {
    const copy = await load<typeof coreErrors>('../../src/core/errors.js');
    const table: [number, string, string][] = [
      [400, 'BadRequestError', 'RUNLOOP_BAD_REQUEST'],
      [401, 'AuthenticationError', 'RUNLOOP_AUTHENTICATION'],
      [403, 'PermissionDeniedError', 'RUNLOOP_PERMISSION_DENIED'],
      [404, 'NotFoundError', 'RUNLOOP_NOT_FOUND'],
      [409, 'ConflictError', 'RUNLOOP_CONFLICT'],
      [422, 'UnprocessableEntityError', 'RUNLOOP_UNPROCESSABLE_ENTITY'],
      [429, 'RateLimitError', 'RUNLOOP_RATE_LIMIT'],
      [503, 'InternalServerError', 'RUNLOOP_INTERNAL_SERVER'],
    ];
    for (const [status, name, code] of table) {
      const err = apiErrorFromResponse(status, {}, '');
      expect([err.name, err.code, err.status]).toEqual([name, code, status]);
      const Own = coreErrors[name as keyof typeof coreErrors] as abstract new (...args: never[]) => unknown;
      const Copied = copy[name as keyof typeof copy] as abstract new (...args: never[]) => unknown;
      expect(err).toBeInstanceOf(Own);
      expect(err).toBeInstanceOf(Copied);
      expect(err).toBeInstanceOf(copy.APIError);
      // Not an instance of any other status's class.
      const others = table
        .filter(([, other]) => other !== name)
        .map(([, other]) => coreErrors[other as keyof typeof coreErrors]);
      for (const Other of others) expect(err).not.toBeInstanceOf(Other as abstract new (...args: never[]) => unknown);
    }
    const teapot = apiErrorFromResponse(418, {}, '');
    expect([teapot.name, teapot.code]).toEqual(['APIError', 'RUNLOOP_API_ERROR']);
  });
});
