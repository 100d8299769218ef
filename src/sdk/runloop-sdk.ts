import type { Observable } from 'rxjs';
import { RunloopApi } from '../api/index.js';
import { createApiCaller, type CoreClient } from '../core/caller.js';
import { DEFAULT_BASE_URL, DEFAULT_MAX_RETRIES, type ClientOptions } from '../core/config.js';
import { createTransferHandler, type TransferHandler } from '../core/transfer.js';
import { createUndiciTransport } from '../core/transport.js';
import { getGlobalDispatcher } from 'undici';
import type { HttpHandler, HttpInterceptor } from '../core/http.js';
import type { ApiCaller } from '../core/request.js';
import type { SdkContext } from './internal/context.js';
import type { TeardownErrorHandler } from './options.js';
import { localSdk$, startLocalSdk, type LocalRunloopSDK, type LocalSdkOptions } from './local.js';
import { OwnedDevbox } from './owned-devbox.js';
import { BlueprintOps } from './ops/blueprint-ops.js';
import { DevboxOps } from './ops/devbox-ops.js';
import { SnapshotOps } from './ops/snapshot-ops.js';
import { StorageObjectOps } from './ops/storage-object-ops.js';
import { definedFields } from './internal/defined-fields.js';

/**
 * Options of {@link RunloopSDK}: the client options (`bearerToken` defaults
 * to env `RUNLOOP_API_KEY`, `baseURL` to env `RUNLOOP_BASE_URL` then
 * `https://api.runloop.ai`, `timeoutMs` 30 000, `maxRetries` 5,
 * `defaultHeaders`, an undici `dispatcher`), or a ready `caller`.
 *
 * @example
 * const options: RunloopSDKOptions = { bearerToken: process.env.RUNLOOP_API_KEY, maxRetries: 3 };
 */
export interface RunloopSDKOptions extends ClientOptions {
  /** Sends every API call through this instead of a new core client (e.g. `FakeApiCaller` in tests). */
  readonly caller?: ApiCaller;
  /**
   * Where a failed background clean-up goes: a kill sent because you
   * unsubscribed from an exec, a shutdown sent when a scoped devbox ends
   * by unsubscribe, a delete of a half-uploaded object. Default: a Node
   * process warning of type `RunloopTeardownWarning`.
   *
   * @example
   * new RunloopSDK({ onTeardownError: ({ action, id, error }) => log.warn(`${action} ${id}`, error) });
   */
  readonly onTeardownError?: TeardownErrorHandler;
  /**
   * The one seam to the network: a function from request to
   * `Observable<HttpResponse>` (default: undici). Retry, status mapping,
   * idempotency keys and `interceptors` run above it, so a fake here (e.g.
   * `FakeTransport` from `runloop-rx/testing`) sees what the server would.
   *
   * @example
   * const transport = new FakeTransport(); new RunloopSDK({ bearerToken: 'k', transport: transport.handler });
   */
  readonly transport?: HttpHandler;
  /**
   * Functions around every HTTP attempt (retries included), in order: add a
   * header, log, measure. They run below retry and status mapping, so they
   * see each attempt and its raw status.
   *
   * @example
   * new RunloopSDK({ interceptors: [(req, next) => next({ ...req, headers: { ...req.headers, 'x-trace': id() } })] });
   */
  readonly interceptors?: readonly HttpInterceptor[];
}

/**
 * The presigned-transfer pipeline of an SDK given a ready `caller` (so no
 * core client of its own): the options' transport (else undici on the
 * options' or the global dispatcher), retry and interceptors.
 */
function standaloneTransfer(options: Omit<RunloopSDKOptions, 'caller'>): TransferHandler {
  return createTransferHandler({
    transport: options.transport ?? createUndiciTransport({ dispatcher: options.dispatcher ?? getGlobalDispatcher() }),
    maxRetries: options.maxRetries ?? DEFAULT_MAX_RETRIES,
    ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
    ...(options.interceptors ? { interceptors: options.interceptors } : {}),
  });
}

/**
 * The object SDK: `devbox`, `blueprint`, `snapshot`, `storageObject`, and
 * the raw REST client as `api`. Every method returns an Observable: cold and
 * lazy (nothing is sent until you subscribe, each subscription sends again,
 * unsubscribing aborts), usable with `firstValueFrom` / `lastValueFrom`.
 *
 * @example
 * const runloop = new RunloopSDK();
 * runloop.devbox
 *   .use({ name: 'hello' }, (devbox) => devbox.cmd.exec("echo 'Hello from Runloop!'"))
 *   .pipe(switchMap((result) => result.stdout()))
 *   .subscribe(console.log);
 */
export class RunloopSDK implements AsyncDisposable {
  /** The raw REST client. */
  readonly api: RunloopApi;
  /** Devboxes: create, find, list, and the scoped `use`. */
  readonly devbox: DevboxOps;
  /** Blueprints: build, find, list. */
  readonly blueprint: BlueprintOps;
  /** Disk snapshots: find, list. */
  readonly snapshot: SnapshotOps;
  /** Storage objects: create, upload, find, list. */
  readonly storageObject: StorageObjectOps;
  /** The base URL every call goes to. */
  readonly baseURL: string;
  readonly #core: CoreClient | undefined;

  /** Throws `RunloopConfigError` when no API key is configured (and no `caller` given). */
  constructor(options: RunloopSDKOptions = {}) {
    const { caller, onTeardownError, ...clientOptions } = options;
    const core = caller === undefined ? createApiCaller(clientOptions) : undefined;
    this.#core = core;
    this.baseURL = this.#core?.config.baseURL ?? (options.baseURL ?? DEFAULT_BASE_URL).replace(/\/+$/, '');
    this.api = new RunloopApi(caller ?? (this.#core as CoreClient));
    const ctx: SdkContext = {
      api: this.api,
      baseURL: this.baseURL,
      transfer: core === undefined ? standaloneTransfer(clientOptions) : (request) => core.transfer(request),
      ...definedFields({ onTeardownError }),
      ownedDevbox: (id, view, scheduler) => new OwnedDevbox(ctx, id, view, scheduler),
    };
    this.devbox = new DevboxOps(ctx);
    this.storageObject = new StorageObjectOps(ctx);
    this.blueprint = new BlueprintOps(ctx, this.storageObject);
    this.snapshot = new SnapshotOps(ctx);
  }

  /**
   * Closes the HTTP connection pool if this SDK created it. Streams still
   * open fail afterwards.
   *
   * @example
   * await runloop.close();
   */
  close(): Promise<void> {
    return this.#core?.close() ?? Promise.resolve();
  }

  /** {@link close} for `await using`. @example { await using runloop = new RunloopSDK(); ... } */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /**
   * An SDK bound to an embedded runloop-local server, as an Observable: the
   * server starts on subscription (loaded by dynamic import, so importing
   * the SDK never loads server code), the SDK is emitted once, and the
   * server stops (shutting its devboxes down) when you unsubscribe. It never
   * completes on its own, so `firstValueFrom(RunloopSDK.local())` would stop
   * the server at once: for `await` style use {@link startLocal}. The
   * server is the optional peer package `runloop-local`; without it this
   * errors with `LocalServerUnavailableError` (`npm install runloop-local`).
   *
   * @example
   * RunloopSDK.local()
   *   .pipe(switchMap((runloop) => runloop.devbox.use({}, (d) => d.cmd.exec('uname -a'))), take(1))
   *   .subscribe((result) => console.log(result.exitCode));
   */
  static local(options: LocalSdkOptions = {}): Observable<RunloopSDK> {
    return localSdk$(options, (clientOptions) => new RunloopSDK(clientOptions));
  }

  /**
   * The promise form of {@link local}: resolves once the server is up; call
   * `dispose()` to stop it.
   *
   * @example
   * const { sdk, dispose } = await RunloopSDK.startLocal();
   * try { ... } finally { await dispose(); }
   */
  static startLocal(options: LocalSdkOptions = {}): Promise<LocalRunloopSDK<RunloopSDK>> {
    return startLocalSdk(options, (clientOptions) => new RunloopSDK(clientOptions));
  }
}
