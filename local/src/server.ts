/**
 * Starts runloop-local: store, runtime, services and the dual-protocol
 * listener, and stops them again in the reverse order.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { resolve } from 'node:path';
import type {
  ImageRegistryConfig,
  LocalService,
  Logger,
  ServerConfig,
  ServerContext,
  ServiceFactory,
  ServiceMap,
  ServiceRegistry,
} from './context.js';
import { codeMountSettings, type CodeMountSettings } from './code-mounts/settings.js';
import { createRequestHandler } from './http/handler.js';
import { Idempotency } from './http/idempotency.js';
import { listenDual, type AnyRequest, type AnyResponse } from './http/listener.js';
import { createLogger, silentLogger } from './http/logger.js';
import { writeJson } from './http/reply.js';
import { Router } from './http/router.js';
import { createRuntime } from './runtime/index.js';
import type { DevboxRuntime, RuntimeInfo } from './runtime/types.js';
import { DEFAULT_SERVICES } from './services.js';
import { acquireDataDirLock } from './store/lock.js';
import { Store } from './store/store.js';

/**
 * Which runtime to run devboxes with; `none` serves the API without devboxes (tests of other areas).
 *
 * @example
 * startLocalServer({ runtimeMode: 'process' })
 */
export type RuntimeMode = 'auto' | 'namespaces' | 'process' | 'none';

/**
 * Options of {@link startLocalServer}; all optional.
 *
 * @example
 * startLocalServer({ port: 0, dataDir: '/tmp/rl', token: 'secret', runtimeMode: 'auto', log: false })
 */
export interface LocalServerOptions {
  /** TCP port; 0 (default) picks a free one. */
  readonly port?: number;
  /** Default `127.0.0.1`. */
  readonly host?: string;
  /** Default `~/.runloop-local`. */
  readonly dataDir?: string | undefined;
  /** Bearer token clients must send; default: a new random token. */
  readonly token?: string | undefined;
  /** Default `auto`: namespaces where the host allows, else plain processes. */
  readonly runtimeMode?: RuntimeMode;
  /** `true` (default) logs to stderr at info, `false` is silent, or a Logger. */
  readonly log?: boolean | Logger;
  /** Replaces the service list (default {@link DEFAULT_SERVICES}), e.g. a subset for tests. */
  readonly services?: readonly ServiceFactory[];
  /** Clock in epoch ms; default `Date.now`. */
  readonly now?: () => number;
  /** Where blueprint builds pull FROM images: a Docker Hub mirror and registry credentials. */
  readonly images?: ImageRegistryConfig;
  /** Code mounts: `gitBaseUrl` (default `https://github.com`; tests point it at a local git server), `maxBytes`, `timeoutMs`. */
  readonly codeMounts?: Partial<CodeMountSettings>;
  /**
   * Resolvers (`host` or `host:port`, IPv4) that devboxes under a network policy get
   * their allowed names from; default: the host's resolv.conf nameservers.
   */
  readonly dnsUpstreams?: readonly string[];
}

/**
 * A running server.
 *
 * @example
 * const { url, token, stop } = await startLocalServer(); await stop();
 */
export interface LocalServer {
  /** `http://127.0.0.1:<port>`: use as the client's base URL. */
  readonly url: string;
  readonly token: string;
  readonly dataDir: string;
  /** The runtime in force, or undefined when running without one. */
  readonly runtimeInfo: RuntimeInfo | undefined;
  /** Stops services (devboxes shut down), closes every connection, closes the store. Safe to call twice. */
  stop(): Promise<void>;
}

/**
 * Starts a Runloop-compatible server.
 *
 * @example
 * const server = await startLocalServer({ port: 0, dataDir: '/tmp/rl' });
 * const client = new Runloop({ bearerToken: server.token, baseURL: server.url });
 * await server.stop();
 */
export async function startLocalServer(options: LocalServerOptions = {}): Promise<LocalServer> {
  const log =
    options.log === false
      ? silentLogger
      : options.log === undefined || options.log === true
        ? createLogger()
        : options.log;
  const now = options.now ?? Date.now;
  const host = options.host ?? '127.0.0.1';
  const dataDir = resolve(options.dataDir ?? resolve(homedir(), '.runloop-local'));
  const token = options.token ?? `rl_local_${randomBytes(24).toString('hex')}`;
  const codeMounts = codeMountSettings(options.codeMounts);
  mkdirSync(dataDir, { recursive: true });
  const releaseLock = acquireDataDirLock(dataDir);
  let store: Store;
  try {
    store = Store.open(dataDir, {
      onBadRow: (e) => log.error('unreadable stored row', { collection: e.collection, id: e.id, problem: e.problem }),
    });
  } catch (error) {
    releaseLock();
    throw error;
  }
  const cleanups: Array<() => Promise<void> | void> = [() => store.close(), releaseLock];
  const stopController = new AbortController();
  try {
    const signingSecret = Buffer.from(
      store.kv.getOrCreate('signing-secret', () => randomBytes(32).toString('base64')),
      'base64',
    );
    const runtime = await loadRuntime(options.runtimeMode ?? 'auto', dataDir, log, options.dnsUpstreams);
    if (runtime) cleanups.unshift(() => runtime.close());
    const idempotency = new Idempotency(dataDir, now);
    idempotency.purgeExpired();
    const purgeTimer = setInterval(() => idempotency.purgeExpired(), 60 * 60 * 1000).unref();
    cleanups.unshift(() => {
      clearInterval(purgeTimer);
      idempotency.close();
    });
    const router = new Router();
    const services: LocalService[] = [];
    let ready = false;

    const listener = await listenDual(
      { host, port: options.port ?? 0 },
      {
        onRequest: createRequestHandler({
          router,
          token,
          idempotency,
          log,
          stopping: stopController.signal,
          intercept: (req: AnyRequest, res: AnyResponse) => {
            if (!ready) {
              writeJson(res, 503, { error: 'starting', message: 'runloop-local is starting' }, { 'retry-after': '1' });
              return true;
            }
            return services.some((s) => s.interceptRequest?.(req, res) === true);
          },
        }),
        onUpgrade: (req, socket, head) => {
          if (services.some((s) => s.handleUpgrade?.(req, socket, head) === true)) return;
          socket.end('HTTP/1.1 404 Not Found\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
        },
      },
    );
    cleanups.unshift(() => listener.close());
    // Abort long-polls and SSE first, then stop services newest-first.
    cleanups.unshift(async () => {
      listener.stopAccepting();
      stopController.abort();
      for (const service of [...services].reverse()) {
        try {
          await service.stop?.();
        } catch (error) {
          log.error('service stop failed', { service: service.name, error: String(error) });
        }
      }
    });

    const publicHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
    const config: ServerConfig = {
      dataDir,
      token,
      host,
      port: listener.port,
      baseUrl: `http://${publicHost}:${listener.port}`,
      signingSecret,
      ...(options.images !== undefined ? { images: options.images } : {}),
      codeMounts,
    };
    const { registry, services: serviceMap } = createServiceRegistry();
    const ctx: ServerContext = {
      config,
      store,
      now,
      log,
      runtime,
      services: serviceMap,
      registry,
      stopping: stopController.signal,
    };

    for (const factory of options.services ?? DEFAULT_SERVICES) {
      const service = factory(ctx);
      // Registered before routes are checked, so a bad route list still gets the service stopped.
      services.push(service);
      router.add(service.routes());
    }
    for (const service of services) await service.start?.();
    ready = true;

    log.info('runtime', { mode: runtime?.info.mode ?? 'none', detail: runtime?.info.detail ?? 'devboxes unavailable' });
    log.info('listening', { url: config.baseUrl, dataDir, services: services.map((s) => s.name).join(',') });

    let stopped: Promise<void> | undefined;
    return {
      url: config.baseUrl,
      token,
      dataDir,
      runtimeInfo: runtime?.info,
      stop: () => (stopped ??= runCleanups(cleanups, log)),
    };
  } catch (error) {
    await runCleanups(cleanups, log);
    throw error;
  }
}

async function runCleanups(cleanups: ReadonlyArray<() => Promise<void> | void>, log: Logger): Promise<void> {
  for (const cleanup of cleanups) {
    try {
      await cleanup();
    } catch (error) {
      log.error('shutdown step failed', { error: String(error) });
    }
  }
}

/** Creates the runtime (probing the host) and cleans up after a crashed earlier run. */
async function loadRuntime(
  mode: RuntimeMode,
  dataDir: string,
  log: Logger,
  dnsUpstreams?: readonly string[],
): Promise<DevboxRuntime | undefined> {
  if (mode === 'none') return undefined;
  const upstreams = dnsUpstreams?.map(parseDnsUpstream);
  const runtime = await createRuntime({
    mode,
    dataDir,
    log: (line) => log.info(line),
    ...(upstreams ? { dnsUpstreams: upstreams } : {}),
  });
  await runtime.reapOrphans();
  return runtime;
}

/** `198.51.100.53` or `127.0.0.1:5353` → host and port (53 by default). */
function parseDnsUpstream(text: string): { host: string; port: number } {
  const match = /^(\d{1,3}(?:\.\d{1,3}){3})(?::(\d{1,5}))?$/.exec(text);
  const port = Number(match?.[2] ?? 53);
  if (!match || port < 1 || port > 65535)
    throw new Error(`dnsUpstreams: ${JSON.stringify(text)} is not an IPv4 address with an optional :port`);
  return { host: match[1]!, port };
}

const INTROSPECTION_KEYS = new Set(['then', 'toJSON', 'inspect', 'asymmetricMatch', '$$typeof', 'nodeType', 'length']);

/** The registry and the `ctx.services` view: reading an unprovided service throws a clear wiring error. */
function createServiceRegistry(): { registry: ServiceRegistry; services: ServiceMap } {
  const provided = new Map<string, unknown>();
  const registry: ServiceRegistry = {
    provide: (name, impl) => {
      if (provided.has(name)) throw new Error(`service ${String(name)} is provided twice`);
      provided.set(name, impl);
    },
    has: (name) => provided.has(name),
  };
  const services = new Proxy({} as ServiceMap, {
    get: (target, name) => {
      // Introspection (util.inspect, JSON, await, test matchers) must not look like a wiring bug.
      if (typeof name !== 'string' || name in Object.prototype || INTROSPECTION_KEYS.has(name))
        return Reflect.get(target, name);
      if (!provided.has(name)) throw new Error(`service ${name} is not available on this server`);
      return provided.get(name);
    },
    has: (_target, name) => typeof name === 'string' && provided.has(name),
  });
  return { registry, services };
}
