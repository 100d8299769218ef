/**
 * Which tunnel a request is for. Two addressings reach the same thing:
 *
 * - Host form (what the official client's `getTunnelUrl(port)` builds):
 *   `Host: <port>-<tunnel_key>.tunnel.<domain>[:serverport]`, e.g.
 *   `http://8080-k3y.tunnel.localhost:4000/path`. Any `<domain>` is
 *   accepted (`localhost`, `127.0.0.1`…), so the URL derived from the base
 *   URL works as is.
 * - Path form, for clients that cannot set Host:
 *   `http://127.0.0.1:<serverport>/tunnel/<tunnel_key>/<port>/path`.
 */

/**
 * A request addressed to a tunnel.
 *
 * @example
 * tunnelTarget('8000-abcd1234.tunnel.localhost:4000', '/a?b=1'); // { tunnelKey: 'abcd1234', port: 8000, path: '/a?b=1' }
 */
export interface TunnelTarget {
  readonly tunnelKey: string;
  readonly port: number;
  /** The path and query to send to the devbox (always starts with `/`). */
  readonly path: string;
}

const HOST_FORM = /^(\d{1,5})-([a-z0-9]{8,64})\.tunnel\./i;
const PATH_FORM = /^\/tunnel\/([a-z0-9]{8,64})\/(\d{1,5})(\/[^?]*)?(\?.*)?$/i;

/**
 * Reads the tunnel target of a request, or undefined for ordinary API requests.
 *
 * @example
 * tunnelTarget('8080-abcdef0123.tunnel.localhost:4000', '/x?y=1'); // { tunnelKey: 'abcdef0123', port: 8080, path: '/x?y=1' }
 * tunnelTarget('127.0.0.1:4000', '/tunnel/abcdef0123/8080/x'); // { tunnelKey: 'abcdef0123', port: 8080, path: '/x' }
 */
export function tunnelTarget(host: string | undefined, url: string): TunnelTarget | undefined {
  const byHost = host === undefined ? null : HOST_FORM.exec(host);
  if (byHost) return checked(byHost[2]!, byHost[1]!, url.startsWith('/') ? url : `/${url}`);
  const byPath = PATH_FORM.exec(url);
  if (byPath) return checked(byPath[1]!, byPath[2]!, `${byPath[3] ?? '/'}${byPath[4] ?? ''}`);
  return undefined;
}

function checked(key: string, port: string, path: string): TunnelTarget | undefined {
  const n = Number(port);
  if (n < 1 || n > 65535) return undefined;
  return { tunnelKey: key.toLowerCase(), port: n, path };
}
