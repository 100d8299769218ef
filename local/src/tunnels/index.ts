/**
 * Tunnels (runloop-api.md §9): routes, the pre-routing proxy hooks, and
 * `ctx.services.tunnels` (e.g. `viewOf(devboxId)` for `DevboxView.tunnel`).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Subscription } from 'rxjs';
import { EnableTunnelParams } from 'runloop-rx/views';
import type { LocalService, ServerContext, ServiceFactory } from '../context.js';
import { json, route } from '../http/route.js';
import { TunnelService } from './service.js';

export { TunnelService, toTunnelView, TUNNEL_AUTH_HEADER, type TunnelRecord } from './service.js';
export { tunnelTarget, type TunnelTarget } from './target.js';

declare module '../context.js' {
  interface ServiceMap {
    tunnels: TunnelService;
  }
}

/**
 * The tunnels service.
 *
 * @example
 * startLocalServer({ services: [createObjectsService, createDevboxes, createService] });
 */
export const createService: ServiceFactory = (ctx: ServerContext): LocalService => {
  const tunnels = new TunnelService(ctx);
  ctx.registry.provide('tunnels', tunnels);
  let ended: Subscription | undefined;
  const routes = [
    route({
      method: 'POST',
      path: '/v1/devboxes/:id/enable_tunnel',
      body: EnableTunnelParams,
      handler: async ({ params, body }) => json(tunnels.enable(params.id, body)),
    }),
    route({
      method: 'POST',
      path: '/v1/devboxes/:id/remove_tunnel',
      handler: async ({ params }) => {
        tunnels.remove(params.id);
        return json({});
      },
    }),
  ];
  return {
    name: 'tunnels',
    routes: () => routes,
    start: async () => {
      ended = ctx.services.devboxes.ended$.subscribe((record) => tunnels.devboxEnded(record.id));
      // Devboxes that ended while the server was down.
      for (const record of tunnels.records.all()) {
        const status = ctx.services.devboxes.records.get(record.id)?.status;
        if (status === undefined || status === 'shutdown' || status === 'failure') tunnels.devboxEnded(record.id);
      }
    },
    stop: async () => {
      ended?.unsubscribe();
      tunnels.close();
    },
    // h2c requests come through Node's compat API, which offers the same surface the proxy uses.
    interceptRequest: (req, res) => tunnels.intercept(req as IncomingMessage, res as ServerResponse),
    handleUpgrade: (req, socket, head) => tunnels.upgrade(req, socket, head),
  };
};
