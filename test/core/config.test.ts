import { describe, expect, it } from 'vitest';
import { ProxyAgent } from 'undici';
import {
  RunloopConfigError,
  createApiCaller,
  encodeQuery,
  parseCustomHeaders,
  resolveConfig,
} from '../../src/core/index.js';

describe('resolveConfig', () => {
  it('requires an API key, from the option or RUNLOOP_API_KEY', () => {
    expect(() => resolveConfig({}, {})).toThrow(RunloopConfigError);
    expect(() => resolveConfig({}, { RUNLOOP_API_KEY: '  ' })).toThrow(/RUNLOOP_API_KEY/);
    expect(() => createApiCaller({ env: {} })).toThrow(RunloopConfigError);
    expect(resolveConfig({}, { RUNLOOP_API_KEY: 'env-key' }).bearerToken).toBe('env-key');
    expect(resolveConfig({ bearerToken: 'opt' }, { RUNLOOP_API_KEY: 'env-key' }).bearerToken).toBe('opt');
  });

  it('resolves baseURL: option, then env (blank = unset), then the default', () => {
    const env = { RUNLOOP_API_KEY: 'k' };
    expect(resolveConfig({}, env).baseURL).toBe('https://api.runloop.ai');
    expect(resolveConfig({}, { ...env, RUNLOOP_BASE_URL: '   ' }).baseURL).toBe('https://api.runloop.ai');
    expect(resolveConfig({}, { ...env, RUNLOOP_BASE_URL: 'http://127.0.0.1:4000/' }).baseURL).toBe(
      'http://127.0.0.1:4000',
    );
    expect(resolveConfig({ baseURL: 'http://a.test' }, { ...env, RUNLOOP_BASE_URL: 'http://b.test' }).baseURL).toBe(
      'http://a.test',
    );
    expect(() => resolveConfig({ baseURL: 'not a url' }, env)).toThrow(RunloopConfigError);
    expect(() => resolveConfig({ baseURL: 'ftp://x' }, env)).toThrow(RunloopConfigError);
  });

  it('applies defaults and validates numbers', () => {
    const c = resolveConfig({ bearerToken: 'k' }, {});
    expect([c.timeoutMs, c.maxRetries, c.ownsDispatcher]).toEqual([30_000, 5, true]);
    expect(resolveConfig({ bearerToken: 'k', maxRetries: 0 }, {}).maxRetries).toBe(0);
    expect(() => resolveConfig({ bearerToken: 'k', timeoutMs: 0 }, {})).toThrow(RunloopConfigError);
    expect(() => resolveConfig({ bearerToken: 'k', maxRetries: -1 }, {})).toThrow(RunloopConfigError);
    void c.dispatcher.close();
  });

  it('merges RUNLOOP_CUSTOM_HEADERS under defaultHeaders', () => {
    const c = resolveConfig(
      { bearerToken: 'k', defaultHeaders: { 'X-B': 'option' } },
      { RUNLOOP_CUSTOM_HEADERS: 'X-A: env-a\nX-B: env-b\nnot a header\n: nameless' },
    );
    expect(c.defaultHeaders).toEqual({ 'x-a': 'env-a', 'x-b': 'option' });
    void c.dispatcher.close();
  });

  it('keeps a caller-supplied dispatcher and does not own it', () => {
    const proxy = new ProxyAgent('http://127.0.0.1:9');
    const c = resolveConfig({ bearerToken: 'k', dispatcher: proxy }, {});
    expect(c.dispatcher).toBe(proxy);
    expect(c.ownsDispatcher).toBe(false);
    void proxy.close();
  });

  it('parseCustomHeaders handles CRLF and values with colons', () => {
    expect(parseCustomHeaders('A: x:y\r\nB:z')).toEqual({ a: 'x:y', b: 'z' });
    expect(parseCustomHeaders(undefined)).toEqual({});
  });
});

describe('encodeQuery', () => {
  it('encodes primitives, null as key=, omits undefined', () => {
    expect(encodeQuery({ a: 1, b: false, c: null, d: undefined, 'metadata[k]': 'v w' })).toBe(
      '?a=1&b=false&c=&metadata%5Bk%5D=v%20w',
    );
    expect(encodeQuery({})).toBe('');
    expect(encodeQuery(undefined)).toBe('');
  });

  it('rejects nested values with a typed error', () => {
    expect(() => encodeQuery({ a: { b: 1 } as never })).toThrow(/must be a string/);
  });
});
