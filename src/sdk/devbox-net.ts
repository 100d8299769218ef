import { defer, map, type Observable } from 'rxjs';
import type { SshKeyView, TunnelView } from '../api/views/net.js';
import { tunnelToWire, type SdkTunnelParams } from './params/devbox.js';
import { InvalidArgumentError } from './errors.js';
import type { CallOptions } from './options.js';
import { requestOptions, type SdkContext } from './internal/context.js';
import { tunnelUrl } from './internal/tunnel-url.js';
import { asVoid } from './internal/as-void.js';

/**
 * `devbox.net`: SSH keys and the devbox's HTTP tunnel. Every method is cold.
 *
 * @example
 * devbox.net.enableTunnel().pipe(switchMap(() => devbox.net.getTunnelUrl(8080))).subscribe(console.log);
 */
export class DevboxNet {
  /** @internal */
  constructor(
    private readonly ctx: SdkContext,
    private readonly devboxId: string,
  ) {}

  /**
   * Creates an SSH key for the devbox: `{ id, ssh_private_key, ssh_user, url }`.
   *
   * @example
   * devbox.net.createSshKey().subscribe((key) => fs.writeFileSync('id', key.ssh_private_key, { mode: 0o600 }));
   */
  createSshKey(options?: CallOptions): Observable<SshKeyView> {
    return defer(() => this.ctx.api.devboxes.createSshKey(this.devboxId, requestOptions(options)));
  }

  /**
   * Enables the devbox's tunnel (one per devbox, serving every port).
   *
   * @example
   * devbox.net.enableTunnel({ authMode: 'open' }).subscribe((t) => console.log(t.tunnel_key));
   */
  enableTunnel(params: SdkTunnelParams = {}, options?: CallOptions): Observable<TunnelView> {
    return defer(() =>
      this.ctx.api.devboxes.enableTunnel(this.devboxId, tunnelToWire(params), requestOptions(options)),
    );
  }

  /**
   * Removes the devbox's tunnel; emits once when done.
   *
   * @example
   * devbox.net.removeTunnel().subscribe();
   */
  removeTunnel(options?: CallOptions): Observable<void> {
    return defer(() => this.ctx.api.devboxes.removeTunnel(this.devboxId, requestOptions(options))).pipe(asVoid());
  }

  /**
   * The devbox's tunnel, or `null` when none is enabled.
   *
   * @example
   * devbox.net.getTunnel().subscribe((t) => console.log(t?.auth_mode));
   */
  getTunnel(options?: CallOptions): Observable<TunnelView | null> {
    return defer(() => this.ctx.api.devboxes.retrieve(this.devboxId, requestOptions(options))).pipe(
      map((view) => view.tunnel ?? null),
    );
  }

  /**
   * The URL that reaches `port` on the devbox through its tunnel (see
   * {@link tunnelUrl}); fails with InvalidArgumentError when no tunnel is enabled.
   *
   * @example
   * devbox.net.getTunnelUrl(8080).subscribe((url) => console.log(url));
   */
  getTunnelUrl(port: number, options?: CallOptions): Observable<string> {
    return this.getTunnel(options).pipe(
      map((tunnel) => {
        if (!Number.isInteger(port) || port < 1 || port > 65535) throw new InvalidArgumentError(`invalid port ${port}`);
        if (tunnel === null)
          throw new InvalidArgumentError(`devbox ${this.devboxId} has no tunnel; call net.enableTunnel() first`);
        return tunnelUrl(this.ctx.baseURL, tunnel.tunnel_key, port);
      }),
    );
  }
}
