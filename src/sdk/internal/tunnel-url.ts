/**
 * The public URL of a devbox port behind its tunnel.
 *
 * - `https://` base URL (the cloud): `https://{port}-{key}.tunnel.{domain}`,
 *   the domain being the API host without a leading `api.` (runloop-api.md §9).
 * - `http://` base URL (runloop-local): the path form
 *   `http://{host}/tunnel/{key}/{port}/`, which runloop-local serves on its
 *   API port and which needs no wildcard DNS.
 *
 * @example
 * tunnelUrl('https://api.runloop.ai', 'k3y', 8080);  // 'https://8080-k3y.tunnel.runloop.ai'
 * tunnelUrl('http://127.0.0.1:4000', 'k3y', 8080);  // 'http://127.0.0.1:4000/tunnel/k3y/8080/'
 */
export function tunnelUrl(baseURL: string, tunnelKey: string, port: number): string {
  const base = new URL(baseURL);
  if (base.protocol === 'http:') {
    return `http://${base.host}/tunnel/${encodeURIComponent(tunnelKey)}/${port}/`;
  }
  const domain = base.hostname.replace(/^api\./, '');
  return `https://${port}-${tunnelKey}.tunnel.${domain}`;
}
