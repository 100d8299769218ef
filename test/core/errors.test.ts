import { describe, expect, it } from 'vitest';
import * as t from 'io-ts';
import * as errors from '../../src/core/errors.js';
import {
  APIConnectionError,
  APIConnectionTimeoutError,
  APIError,
  APIUserAbortError,
  ConflictError,
  MaxAttemptsExceededError,
  NotFoundError,
  PollingTimeoutError,
  ResponseDecodeError,
  RunloopConfigError,
  RunloopError,
  apiErrorFromResponse,
  decode,
  parseJson,
} from '../../src/core/index.js';

describe('error hierarchy', () => {
  it('has stable codes and the expected ancestry', () => {
    const nf = apiErrorFromResponse(404, {}, '');
    expect(nf).toBeInstanceOf(NotFoundError);
    expect(nf).toBeInstanceOf(APIError);
    expect(nf).toBeInstanceOf(RunloopError);
    expect(nf).toBeInstanceOf(Error);
    expect(nf).not.toBeInstanceOf(ConflictError);
    expect(nf.code).toBe('RUNLOOP_NOT_FOUND');
    expect(nf.name).toBe('NotFoundError');
    const timeout = new APIConnectionTimeoutError();
    expect(timeout).toBeInstanceOf(APIConnectionError);
    expect(timeout.code).toBe('RUNLOOP_CONNECTION_TIMEOUT');
    expect(new APIUserAbortError()).not.toBeInstanceOf(APIConnectionError);
    expect(new PollingTimeoutError('x', 1)).not.toBeInstanceOf(APIError);
    expect(new MaxAttemptsExceededError('x', 1).code).toBe('RUNLOOP_MAX_ATTEMPTS');
    expect(new RunloopConfigError('m')).toBeInstanceOf(RunloopError);
    expect({}).not.toBeInstanceOf(RunloopError);
    expect(new Error('plain')).not.toBeInstanceOf(RunloopError);
  });

  it('instanceof works across two copies of the module', async () => {
    // A query string makes Vite load a second, independent instance of the same file.
    const secondCopy = '../../src/core/errors.js?second-copy';
    const copy = (await import(secondCopy)) as typeof errors;
    expect(copy.NotFoundError).not.toBe(NotFoundError);
    const fromCopy = new copy.NotFoundError(404, {}, undefined, '404 x');
    expect(fromCopy).toBeInstanceOf(NotFoundError);
    expect(fromCopy).toBeInstanceOf(APIError);
    expect(fromCopy).not.toBeInstanceOf(ConflictError);
    expect(new NotFoundError(404, {}, undefined, 'x')).toBeInstanceOf(copy.APIError);
    expect(new copy.RunloopError('x')).not.toBeInstanceOf(APIError);
  });

  it('unbranded user subclasses use the prototype chain', () => {
    class MyError extends RunloopError {}
    expect(new MyError('x')).toBeInstanceOf(MyError);
    expect(new MyError('x')).toBeInstanceOf(RunloopError);
    expect(new RunloopError('x')).not.toBeInstanceOf(MyError);
  });

  it('formats messages per §3', () => {
    expect(apiErrorFromResponse(400, {}, '{"message":{"field":"bad"}}').message).toBe('400 {"field":"bad"}');
    expect(apiErrorFromResponse(400, {}, '{"detail":"x"}').message).toBe('400 {"detail":"x"}');
    expect(apiErrorFromResponse(502, {}, 'gateway').message).toBe('502 gateway');
    expect(apiErrorFromResponse(500, {}, '').message).toBe('500 status code (no body)');
    expect(apiErrorFromResponse(500, {}, '{"request_id":"r1"}').requestId).toBe('r1');
  });
});

describe('decode', () => {
  const Codec = t.type(
    {
      id: t.string,
      items: t.array(t.type({ name: t.string })),
      meta: t.record(t.string, t.string),
      kind: t.union([t.literal('a'), t.literal('b')]),
      opt: t.intersection([t.type({ x: t.number }), t.partial({ y: t.number })]),
    },
    'Thing',
  );

  it('returns the value when it matches', () => {
    const value = { id: 'i', items: [{ name: 'n' }], meta: {}, kind: 'a', opt: { x: 1 } };
    expect(decode(Codec, value)).toEqual(value);
  });

  it('names every failing path with the expected type and never the value', () => {
    const secret = 'sk-super-secret';
    let caught: unknown;
    try {
      decode(Codec, {
        id: 1,
        items: [{ name: 'ok' }, { name: secret.length }],
        meta: { 'we ird': 5 },
        kind: secret,
        opt: { x: secret },
      });
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(ResponseDecodeError);
    const err = caught as ResponseDecodeError;
    expect(err.failures).toEqual([
      { path: '$.id', expected: 'string' },
      { path: '$.items[1].name', expected: 'string' },
      { path: '$.meta["we ird"]', expected: 'string' },
      { path: '$.kind', expected: '"a" | "b"' },
      { path: '$.opt.x', expected: 'number' },
    ]);
    expect(err.message).toContain('Thing');
    expect(err.message).not.toContain(secret);
    expect(err.code).toBe('RUNLOOP_RESPONSE_DECODE');
  });

  it('a missing object names the root', () => {
    expect(() => decode(Codec, null)).toThrow(/at \$ expected Thing/);
  });

  it('parseJson hides the text', () => {
    expect(() => parseJson('{"token":"abc"')).toThrow(ResponseDecodeError);
    try {
      parseJson('{"token":"abc"');
    } catch (e) {
      expect((e as Error).message).not.toContain('abc');
    }
  });
});
