import * as t from 'io-ts';
import { describe, expect, it } from 'vitest';
import { ObjectCreateParams, ObjectListQuery } from 'runloop-rx/views';
import { isAuthorized } from '../../src/http/handler.js';
import { formatSse } from '../../src/http/reply.js';
import { HttpError, json, route } from '../../src/http/route.js';
import { Router } from '../../src/http/router.js';
import { decodeOrThrow, decodeQuery } from '../../src/http/validate.js';

const handler = async () => json({});

describe('Router', () => {
  const router = new Router([
    route({ method: 'GET', path: '/v1/devboxes/:id', handler }),
    route({ method: 'POST', path: '/v1/devboxes/:id', handler }),
    route({ method: 'GET', path: '/v1/devboxes/disk_snapshots', handler }),
    route({ method: 'GET', path: '/v1/devboxes/:id/executions/:executionId', handler }),
  ]);

  it('matches params, prefers literal segments, and reports 405 with the allowed methods', () => {
    expect(router.match('GET', '/v1/devboxes/dbx_1/executions/exe%2F2')).toMatchObject({
      kind: 'found',
      params: { id: 'dbx_1', executionId: 'exe/2' },
    });
    expect(router.match('GET', '/v1/devboxes/disk_snapshots')).toMatchObject({ kind: 'found', params: {} });
    expect(router.match('POST', '/v1/devboxes/disk_snapshots')).toMatchObject({
      kind: 'found',
      params: { id: 'disk_snapshots' },
    });
    expect(router.match('PUT', '/v1/devboxes/x')).toEqual({ kind: 'method_not_allowed', allowed: ['GET', 'POST'] });
    expect(router.match('GET', '/v1/devboxes')).toEqual({ kind: 'not_found' });
    expect(router.match('GET', '/v1/devboxes/%E0%A4%A')).toEqual({ kind: 'not_found' });
  });

  it('refuses the same endpoint declared twice, and PUT under /v1', () => {
    expect(() => router.add([route({ method: 'GET', path: '/v1/devboxes/:other', handler })])).toThrow(
      /declared twice/,
    );
    expect(() => router.add([route({ method: 'PUT', path: '/v1/things', handler })])).toThrow(/only GET and POST/);
  });
});

describe('validation', () => {
  it('names nested paths through intersections and never includes the value', () => {
    const codec = t.intersection([
      t.type({ outer: t.type({ list: t.array(t.number) }) }),
      t.partial({ secret: t.string }),
    ]);
    let error: unknown;
    try {
      decodeOrThrow(codec, { outer: { list: [1, 'TOPSECRET'] }, secret: 42424242 }, 'body');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(HttpError);
    const { status, message } = error as HttpError;
    expect(status).toBe(400);
    expect(message).toContain('body.outer.list[1]: expected number');
    expect(message).toContain('body.secret');
    expect(message).not.toContain('TOPSECRET');
    expect(message).not.toContain('42424242');
  });

  it('reports a missing required field as required', () => {
    expect(() => decodeOrThrow(ObjectCreateParams, { content_type: 'text' }, 'body')).toThrow(/body\.name: required/);
  });

  it('decodes query strings with codecs written for JSON types, coercing only where needed', () => {
    const codec = t.partial({ limit: t.number, flag: t.boolean, name: t.string });
    expect(decodeQuery(codec, { limit: '10', flag: 'false', name: '42' })).toEqual({
      limit: 10,
      flag: false,
      name: '42',
    });
    expect(decodeQuery(ObjectListQuery, { limit: '3', state: 'READ_ONLY' })).toEqual({ limit: 3, state: 'READ_ONLY' });
    expect(() => decodeQuery(codec, { limit: 'ten' })).toThrow(/query\.limit/);
  });
});

describe('helpers', () => {
  it('accepts only the exact bearer token', () => {
    expect(isAuthorized('Bearer abc', 'abc')).toBe(true);
    expect(isAuthorized('bearer   abc', 'abc')).toBe(true);
    expect(isAuthorized('Bearer abcd', 'abc')).toBe(false);
    expect(isAuthorized('Bearer ', 'abc')).toBe(false);
    expect(isAuthorized(undefined, 'abc')).toBe(false);
    expect(isAuthorized('abc', 'abc')).toBe(false);
  });

  it('formats multi-line SSE data as several data: lines', () => {
    expect(formatSse({ data: 'a\nb' })).toBe('data: a\ndata: b\n\n');
    expect(formatSse({ event: 'error', data: '{}' })).toBe('event: error\ndata: {}\n\n');
    expect(formatSse({ event: 'x', data: 'a\r\nb\rc' })).toBe('event: x\ndata: a\ndata: b\ndata: c\n\n');
    expect(formatSse({ data: '' })).toBe('data: \n\n');
    expect(formatSse({ data: '{"output":"a\\nb"}', ascii: true })).toBe('data: {"output":"a\\nb"}\n\n');
  });
});
