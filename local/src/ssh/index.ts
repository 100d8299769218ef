/**
 * SSH access to devboxes (runloop-api.md §9 `create_ssh_key`): the route,
 * and the SSH server on its own loopback port.
 *
 * `create_ssh_key` returns `{ id: <devbox id>, ssh_private_key, ssh_user:
 * 'user', url: '<host>:<port>' }`. Locally there is no TLS proxy, so `url`
 * names the SSH server's host and port directly:
 *
 *     ssh -i key -p <port> -o StrictHostKeyChecking=no user@<host> 'echo hi'
 *
 * The key decides the devbox (each key opens only the devbox it was made
 * for); the user name may be `user` or the devbox id.
 */
import type { Subscription } from 'rxjs';
import type { SshKeyView } from 'runloop-rx/views';
import type { LocalService, ServerContext, ServiceFactory } from '../context.js';
import { UnavailableError, WrongStateError } from '../errors.js';
import { json, route } from '../http/route.js';
import { loadHostKey, SshKeys } from './keys.js';
import { startSshServer, type SshServer } from './server.js';

export { SshKeys, loadHostKey, type SshKeyRecord, type NewSshKey } from './keys.js';
export { startSshServer, type SshServer, type SshServerOptions } from './server.js';

/**
 * The SSH API other areas (and tests) can reach through `ctx.services.ssh`.
 *
 * @example
 * const address = ctx.services.ssh.address(); // { host: '127.0.0.1', port: 40123 }
 */
export interface SshApi {
  /** `host:port` of the SSH server, once started. */
  address(): { readonly host: string; readonly port: number } | undefined;
}

declare module '../context.js' {
  interface ServiceMap {
    ssh: SshApi;
  }
}

/**
 * The SSH service.
 *
 * @example
 * startLocalServer({ services: [createObjectsService, createDevboxes, createService] });
 */
export const createService: ServiceFactory = (ctx: ServerContext): LocalService => {
  const keys = new SshKeys(ctx.store, ctx.now);
  let server: SshServer | undefined;
  let ended: Subscription | undefined;
  ctx.registry.provide('ssh', { address: () => (server ? { host: server.host, port: server.port } : undefined) });
  const routes = [
    route({
      method: 'POST',
      path: '/v1/devboxes/:id/create_ssh_key',
      handler: async ({ params }) => {
        const devbox = ctx.services.devboxes.get(params.id);
        if (devbox.status === 'shutdown' || devbox.status === 'failure') {
          throw new WrongStateError(`devbox ${devbox.id} is ${devbox.status}; SSH needs a live devbox`);
        }
        if (server === undefined) throw new UnavailableError('ssh_unavailable', 'the SSH server is not running');
        const { privateKey } = keys.create(devbox.id);
        const body: SshKeyView = {
          id: devbox.id,
          ssh_private_key: privateKey,
          ssh_user: 'user',
          url: `${server.host}:${server.port}`,
        };
        return json(body);
      },
    }),
  ];
  return {
    name: 'ssh',
    routes: () => routes,
    start: async () => {
      const devboxes = ctx.services.devboxes;
      const handleOf = (id: string) =>
        devboxes.records.get(id)?.status === 'running' ? devboxes.handle(id) : undefined;
      const envOf = (id: string) => devboxes.envOf(id);
      const options = {
        hostKey: loadHostKey(ctx.store),
        keys,
        handleOf,
        envOf,
        host: ctx.config.host === '0.0.0.0' ? '127.0.0.1' : ctx.config.host,
      };
      // Keep the port of the previous run when it is free, so handed-out URLs stay valid.
      const previous = ctx.store.kv.get<number>('ssh/port');
      server = await startSshServer({ ...options, port: previous ?? 0 }).catch(() =>
        startSshServer({ ...options, port: 0 }),
      );
      ctx.store.kv.set('ssh/port', server.port);
      ctx.log.info('ssh server listening', { host: server.host, port: server.port });
      ended = devboxes.ended$.subscribe((record) => keys.revokeDevbox(record.id));
    },
    stop: async () => {
      ended?.unsubscribe();
      await server?.close();
    },
  };
};
