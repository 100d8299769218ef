import { describe, expect, it } from 'vitest';
import { forwardableHeaders } from '../../src/tunnels/proxy.js';
import { tunnelTarget } from '../../src/tunnels/target.js';

describe('tunnelTarget', () => {
  it('reads the Host form with any domain and an optional port', () => {
    expect(tunnelTarget('8080-abcdef0123.tunnel.localhost:4000', '/x?y=1')).toEqual({
      tunnelKey: 'abcdef0123',
      port: 8080,
      path: '/x?y=1',
    });
    expect(tunnelTarget('3000-ABCDEF0123.tunnel.127.0.0.1', '/')).toEqual({
      tunnelKey: 'abcdef0123',
      port: 3000,
      path: '/',
    });
  });

  it('reads the path form, keeping the rest of the path and the query', () => {
    expect(tunnelTarget('127.0.0.1:4000', '/tunnel/abcdef0123/8080/a/b?c=d')).toEqual({
      tunnelKey: 'abcdef0123',
      port: 8080,
      path: '/a/b?c=d',
    });
    expect(tunnelTarget(undefined, '/tunnel/abcdef0123/8080')).toEqual({
      tunnelKey: 'abcdef0123',
      port: 8080,
      path: '/',
    });
    expect(tunnelTarget(undefined, '/tunnel/abcdef0123/8080?q=1')).toEqual({
      tunnelKey: 'abcdef0123',
      port: 8080,
      path: '/?q=1',
    });
  });

  it('leaves API requests and impossible ports alone', () => {
    expect(tunnelTarget('127.0.0.1:4000', '/v1/devboxes')).toBeUndefined();
    expect(tunnelTarget('api.localhost', '/v1/devboxes')).toBeUndefined();
    expect(tunnelTarget('70000-abcdef0123.tunnel.localhost', '/')).toBeUndefined();
    expect(tunnelTarget('0-abcdef0123.tunnel.localhost', '/')).toBeUndefined();
    expect(tunnelTarget('80-short.tunnel.localhost', '/')).toBeUndefined();
  });
});

describe('forwardableHeaders', () => {
  it('drops pseudo-headers, hop-by-hop headers, Host and the tunnel token', () => {
    expect(
      forwardableHeaders({
        ':path': '/',
        host: 'h',
        connection: 'keep-alive',
        'transfer-encoding': 'chunked',
        'x-runloop-tunnel-authorization': 'Bearer t',
        accept: 'text/html',
        'set-cookie': ['a=1', 'b=2'],
      }),
    ).toEqual({ accept: 'text/html', 'set-cookie': ['a=1', 'b=2'] });
  });
});
