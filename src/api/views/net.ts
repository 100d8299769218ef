/**
 * Networking views: tunnels and SSH keys (runloop-api.md §9).
 */
import * as t from 'io-ts';
import { nullable, openEnum } from './shared.js';

/**
 * Who may reach a tunnel. Open in responses; use `TunnelAuthMode.strict` for requests.
 *
 * @example
 * TunnelAuthMode.strict.is('authenticated'); // true
 */
export const TunnelAuthMode = openEnum('TunnelAuthMode', ['open', 'authenticated']);
export type TunnelAuthMode = t.TypeOf<typeof TunnelAuthMode>;
/** @example TunnelAuthModeStrict.is('public') // false */
export const TunnelAuthModeStrict = TunnelAuthMode.strict;
export type TunnelAuthModeStrict = t.TypeOf<typeof TunnelAuthModeStrict>;

/**
 * A devbox's tunnel; `auth_token` is present only for authenticated tunnels.
 *
 * @example
 * TunnelView.is({ auth_mode: 'open', create_time_ms: 1, http_keep_alive: true, tunnel_key: 'k', wake_on_http: false }); // true
 */
export const TunnelView = t.intersection(
  [
    t.type({
      auth_mode: TunnelAuthMode,
      create_time_ms: t.number,
      http_keep_alive: t.boolean,
      tunnel_key: t.string,
      wake_on_http: t.boolean,
    }),
    t.partial({ auth_token: nullable(t.string) }),
  ],
  'TunnelView',
);
export type TunnelView = t.TypeOf<typeof TunnelView>;

/**
 * Body of `enable_tunnel`, and the `tunnel` field of a devbox create.
 *
 * @example
 * EnableTunnelParams.is({ auth_mode: 'authenticated', wake_on_http: true }); // true
 */
export const EnableTunnelParams = t.partial(
  {
    auth_mode: nullable(TunnelAuthModeStrict),
    http_keep_alive: nullable(t.boolean),
    wake_on_http: nullable(t.boolean),
  },
  'EnableTunnelParams',
);
export type EnableTunnelParams = t.TypeOf<typeof EnableTunnelParams>;

/**
 * Response of `create_ssh_key`; `url` is the SSH host.
 *
 * @example
 * SshKeyView.is({ id: 'dbx_1', ssh_private_key: '-----BEGIN…', ssh_user: 'user', url: 'ssh.example' }); // true
 */
export const SshKeyView = t.type(
  { id: t.string, ssh_private_key: t.string, ssh_user: t.string, url: t.string },
  'SshKeyView',
);
export type SshKeyView = t.TypeOf<typeof SshKeyView>;

/**
 * Response of `create_pty_tunnel`.
 *
 * @example
 * PtyTunnelView.is({ auth_token: 'a', tunnel_key: 'k' }); // true
 */
export const PtyTunnelView = t.type({ auth_token: t.string, tunnel_key: t.string }, 'PtyTunnelView');
export type PtyTunnelView = t.TypeOf<typeof PtyTunnelView>;
