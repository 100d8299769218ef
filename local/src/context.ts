/**
 * What every runloop-local service receives, and the plug-in protocol by
 * which services join the server.
 *
 * server.ts builds one {@link ServerContext}, calls each {@link ServiceFactory}
 * in order, registers the resulting {@link LocalService}s, serves their
 * routes, then calls `start()` on each. On stop it calls `stop()` in reverse
 * order, closes the runtime, then the store.
 *
 * Services find each other through `ctx.services` (declare your entry by
 * augmenting {@link ServiceMap}). Resolve other services lazily (inside a
 * handler or `start()`), never in the factory: factories run in list order.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Http2ServerRequest, Http2ServerResponse } from 'node:http2';
import type { Duplex } from 'node:stream';
import type { Route } from './http/route.js';
import type { DevboxRuntime } from './runtime/types.js';
import type { Store } from './store/store.js';

/**
 * Structured, leveled logging; `fields` never carry secrets.
 *
 * @example
 * ctx.log.warn('devbox did not stop in time', { id });
 */
export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

/**
 * Fixed server configuration, known once the port is bound.
 *
 * @example
 * presignUrl(ctx.config.baseUrl, ctx.config.signingSecret, 'download', id, expires)
 */
export interface ServerConfig {
  /** Absolute data directory (`state.db`, `objects/`, devbox state…). */
  readonly dataDir: string;
  /** The bearer token every non-public route requires. */
  readonly token: string;
  /** `http://127.0.0.1:<port>`: where clients reach this server (presigned URLs, SSH hosts…). */
  readonly baseUrl: string;
  readonly host: string;
  readonly port: number;
  /**
   * Per-data-dir random secret (32 bytes, persisted in the store) for HMAC
   * signatures: presigned URLs, tunnel tokens. Survives restarts.
   */
  readonly signingSecret: Buffer;
}

/**
 * Services by name. Each area adds its own entry by module augmentation:
 *
 * @example
 * declare module '../context.js' {
 *   interface ServiceMap { devboxes: DevboxesApi }
 * }
 * // then, inside a handler: ctx.services.devboxes.get(id)
 */
// eslint-disable-next-line @typescript-eslint/no-empty-interface
export interface ServiceMap {}

/**
 * Lets a service publish its API to the others.
 *
 * @example
 * ctx.registry.provide('objects', objectsApi); ctx.registry.has('devboxes');
 */
export interface ServiceRegistry {
  /**
   * Publishes `impl` under `name` (once; a second provide of the same name throws).
   *
   * @example
   * ctx.registry.provide('objects', objectsApi);
   */
  provide<K extends keyof ServiceMap>(name: K, impl: ServiceMap[K]): void;
  /** True once `name` has been provided. */
  has(name: keyof ServiceMap): boolean;
}

/**
 * Everything a service needs from the server. One per running server.
 *
 * @example
 * const devboxes = ctx.store.collection<DevboxRecord>('devboxes', spec); const now = ctx.now();
 */
export interface ServerContext {
  readonly config: ServerConfig;
  readonly store: Store;
  /** Wall clock in epoch ms; tests may replace it. */
  readonly now: () => number;
  readonly log: Logger;
  /**
   * The devbox runtime (namespaces or process). Absent only while the
   * runtime area is not wired into server.ts.
   */
  readonly runtime: DevboxRuntime | undefined;
  /**
   * Other services' APIs by name. Reading a name nobody provided throws a
   * clear error (a wiring bug), so no `undefined` checks are needed.
   */
  readonly services: ServiceMap;
  readonly registry: ServiceRegistry;
  /** Aborts when the server begins to stop: long-polls, SSE and timers end on it. */
  readonly stopping: AbortSignal;
}

/**
 * A service plugged into the server. Only `routes` is required.
 *
 * @example
 * const objectsService: ServiceFactory = (ctx) => ({
 *   name: 'objects',
 *   routes: () => [route({ method: 'GET', path: '/v1/objects/:id', handler: async ({ params }) => json(get(params.id)) })],
 *   start: async () => expiry.start(),
 *   stop: async () => expiry.stop(),
 * });
 */
export interface LocalService {
  /** Short name for logs, e.g. `devboxes`. */
  readonly name: string;
  routes(): readonly Route<any, any>[];
  /** Called after every service was created and routes are served (restore state, timers). */
  start?(): Promise<void>;
  /** Called on server stop, in reverse order; must end every process/timer the service owns. */
  stop?(): Promise<void>;
  /**
   * Sees every HTTP request (HTTP/1.1 and h2c) BEFORE routing, e.g. tunnel
   * traffic chosen by its Host header. Return true when it took the request
   * (it then owns the response); false to let routing continue.
   */
  interceptRequest?(req: IncomingMessage | Http2ServerRequest, res: ServerResponse | Http2ServerResponse): boolean;
  /**
   * HTTP/1.1 `Upgrade` requests (WebSocket through tunnels). Return true to
   * take the socket; when no service does, the socket gets a 404 and is closed.
   */
  handleUpgrade?(req: IncomingMessage, socket: Duplex, head: Buffer): boolean;
}

/**
 * Creates one service from the context. server.ts keeps the list.
 *
 * @example
 * export const createDevboxesService: ServiceFactory = (ctx) => new DevboxesService(ctx);
 */
export type ServiceFactory = (ctx: ServerContext) => LocalService;
