/**
 * The one error mapping: each domain error kind answers with its status,
 * retry headers and a JSON body whose message echoes little input; an
 * HttpError keeps its own status; anything else is a logged 500 with no
 * internals. Typed path params are checked here at compile time.
 */
import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  BusyError,
  ForbiddenError,
  InvalidInputError,
  isDomainError,
  NotFoundError,
  NotYetError,
  OperationFailedError,
  TooLargeError,
  UnauthenticatedError,
  UnavailableError,
  UnprocessableError,
  UpstreamError,
  WrongStateError,
  type DomainError,
} from '../../src/errors.js';
import { toErrorReply } from '../../src/http/errors.js';
import { HttpError, json, route, type PathParams } from '../../src/http/route.js';
import { CursorNotFoundError } from '../../src/store/collection.js';

describe('toErrorReply', () => {
  const cases: Array<[DomainError, number, Record<string, string>, string]> = [
    [new InvalidInputError('body.name', 'body.name: at most 256 characters'), 400, {}, 'invalid_request'],
    [new CursorNotFoundError('dbx_gone'), 400, {}, 'invalid_cursor'],
    [new UnauthenticatedError('needs a token'), 401, {}, 'unauthorized'],
    [new ForbiddenError('expired'), 403, {}, 'forbidden'],
    [new NotFoundError('devbox', 'dbx_1'), 404, {}, 'not_found'],
    [new NotYetError('ask again'), 408, { 'x-should-retry': 'true' }, 'timeout'],
    [new WrongStateError('devbox dbx_1 is suspended'), 409, { 'x-should-retry': 'false' }, 'invalid_state'],
    [new TooLargeError('disk_full', 'no room'), 413, { 'x-should-retry': 'false' }, 'disk_full'],
    [new UnprocessableError('unsupported', 'not here'), 422, { 'x-should-retry': 'false' }, 'unsupported'],
    [new OperationFailedError('snapshot_failed', 'copy failed'), 500, { 'x-should-retry': 'false' }, 'snapshot_failed'],
    [new UpstreamError('nothing answers'), 502, { 'x-should-retry': 'false' }, 'bad_gateway'],
    [
      new BusyError('devbox_busy', 'try again', 2),
      503,
      { 'x-should-retry': 'true', 'retry-after': '2' },
      'devbox_busy',
    ],
    [new UnavailableError('ssh_unavailable', 'no ssh'), 503, { 'x-should-retry': 'false' }, 'ssh_unavailable'],
  ];

  it.each(cases)('answers %s with its status, headers and code', (error, status, headers, code) => {
    const reply = toErrorReply(error);
    expect(reply).toEqual({ status, headers, body: { error: code, message: error.message }, bug: false });
  });

  it('recognises a domain error by its brand, not only by instanceof', () => {
    const copy = Object.assign(Object.create(null) as object, {
      [Symbol.for('runloop-local.DomainError')]: true,
      kind: 'not_found',
      code: 'not_found',
      message: 'gone',
    });
    expect(isDomainError(copy)).toBe(true);
    expect(toErrorReply(copy).status).toBe(404);
    expect(isDomainError(new Error('x'))).toBe(false);
  });

  it('echoes at most ~200 characters of an id, and clips any message', () => {
    const reply = toErrorReply(new NotFoundError('devbox', 'x'.repeat(1_000_000)));
    expect(reply.body.message.length).toBeLessThan(300);
    expect(toErrorReply(new InvalidInputError('body', 'y'.repeat(100_000))).body.message.length).toBeLessThanOrEqual(
      600,
    );
  });

  it('keeps an HttpError status and headers, and adds x-should-retry: false to its 409', () => {
    expect(
      toErrorReply(new HttpError(416, 'range_not_satisfiable', 'no', { 'content-range': 'bytes */9' })),
    ).toMatchObject({
      status: 416,
      headers: { 'content-range': 'bytes */9' },
    });
    expect(toErrorReply(new HttpError(409, 'conflict', 'busy')).headers).toEqual({ 'x-should-retry': 'false' });
  });

  it('answers anything else as a bug: 500, no internals, do not retry', () => {
    const reply = toErrorReply(new TypeError('secret internals at /root/x'));
    expect(reply).toEqual({
      status: 500,
      headers: { 'x-should-retry': 'false' },
      body: { error: 'internal_error', message: 'internal server error (logged)' },
      bug: true,
    });
  });
});

describe('typed path params', () => {
  it('derives the params of a handler from its path', () => {
    expectTypeOf<PathParams<'/v1/devboxes/:id/executions/:executionId/kill'>>().toEqualTypeOf<{
      readonly id: string;
      readonly executionId: string;
    }>();
    expectTypeOf<PathParams<'/v1/objects'>>().toEqualTypeOf<{}>();
    const r = route({
      method: 'GET',
      path: '/v1/things/:thingId',
      handler: async ({ params }) => {
        expectTypeOf(params.thingId).toEqualTypeOf<string>();
        // @ts-expect-error: the path has no :id
        void params.id;
        return json({});
      },
    });
    expect(r.path).toBe('/v1/things/:thingId');
  });
});
