import { asyncScheduler, defer, distinctUntilChanged, map, toArray, type Observable, type SchedulerLike } from 'rxjs';
import { RunloopApi } from '../api/index.js';
import type { DevboxStatus, DevboxView } from '../api/views/devbox.js';
import { resolveBaseConfig, type BaseConfig, type ClientOptions } from '../core/client-options.js';
import { RunloopError } from '../core/errors.js';
import { createFetchTransport } from '../core/fetch-transport.js';
import type { HttpHandler, HttpInterceptor } from '../core/http.js';
import { createPipelineCaller, type PipelineCaller } from '../core/pipeline.js';
import { Blueprint } from '../sdk/blueprint.js';
import { DevboxCmd } from '../sdk/devbox-cmd.js';
import { requestOptions, type SdkContext } from '../sdk/internal/context.js';
import { watchDevbox } from '../sdk/internal/devbox-waits.js';
import { shareState } from '../sdk/internal/share-state.js';
import type { CallOptions, TeardownFailure } from '../sdk/options.js';

/**
 * Options of {@link RunloopBrowser}: the client options minus the undici
 * dispatcher, plus the fetch seam.
 *
 * @example
 * const options: RunloopBrowserOptions = { bearerToken: token, baseURL: location.origin };
 */
export interface RunloopBrowserOptions extends Omit<ClientOptions, 'dispatcher'> {
  /** Replaces the fetch transport (e.g. one that adds credentials for a backend proxy). */
  readonly transport?: HttpHandler;
  /** Run on every attempt, below retry and status mapping, above the transport. */
  readonly interceptors?: readonly HttpInterceptor[];
  /** Where background clean-up failures go; default `console.warn`. */
  readonly onTeardownError?: (failure: TeardownFailure) => void;
}

function pageOrigin(): string | undefined {
  return (globalThis as { location?: { origin?: string } }).location?.origin;
}

/**
 * One devbox in the browser: its live view and status, commands, files and
 * lifecycle calls. Every method is a cold Observable; `info$` and `status$`
 * are shared and replay the latest value, so a fleet view and a card can
 * both watch one devbox with one long-poll.
 *
 * @example
 * const box = runloop.devbox('dbx_1');
 * box.status$.subscribe((s) => (badge.textContent = s));
 */
export class BrowserDevbox {
  /** The devbox's view now, then at every status change (long-polls). */
  readonly info$: Observable<DevboxView>;
  /** The distinct statuses of {@link BrowserDevbox.info$}. */
  readonly status$: Observable<DevboxStatus>;
  /** Commands: `exec`, `execAsync` (an Execution with `output$`, `result()`, `kill()`), `stream`. */
  readonly cmd: DevboxCmd;

  /** @internal use `runloop.devbox(id)`. */
  constructor(
    private readonly ctx: SdkContext,
    /** The devbox id. */
    readonly id: string,
    scheduler: SchedulerLike = asyncScheduler,
  ) {
    this.cmd = new DevboxCmd(ctx, id);
    this.info$ = watchDevbox(ctx.api, id, {}, scheduler).pipe(shareState());
    this.status$ = this.info$.pipe(
      map((view) => view.status),
      distinctUntilChanged(),
    );
  }

  /** Asks the server to suspend; `status$` shows the way there. @example box.suspend().subscribe(); */
  suspend(options?: CallOptions): Observable<DevboxView> {
    return defer(() => this.ctx.api.devboxes.suspend(this.id, requestOptions(options)));
  }

  /** Asks the server to resume. @example box.resume().subscribe(); */
  resume(options?: CallOptions): Observable<DevboxView> {
    return defer(() => this.ctx.api.devboxes.resume(this.id, requestOptions(options)));
  }

  /** Shuts the devbox down. @example box.shutdown().subscribe(); */
  shutdown(options?: CallOptions): Observable<DevboxView> {
    return defer(() => this.ctx.api.devboxes.shutdown(this.id, {}, requestOptions(options)));
  }

  /** Uploads `file` (a `Blob`/`File` from an `<input type=file>`) to `path`. @example box.upload('/home/user/a.txt', input.files[0]).subscribe(); */
  upload(path: string, file: Blob, options?: CallOptions): Observable<unknown> {
    return defer(() => this.ctx.api.devboxes.uploadFile(this.id, { path, file }, requestOptions(options)));
  }

  /** The file at `path` as one `Blob`. @example box.download('/etc/hostname').subscribe((blob) => save(blob)); */
  download(path: string, options?: CallOptions): Observable<Blob> {
    return defer(() => this.ctx.api.devboxes.downloadFile(this.id, { path }, requestOptions(options))).pipe(
      toArray(),
      map((parts) => new Blob(parts as Uint8Array<ArrayBuffer>[])),
    );
  }
}

/**
 * runloop-rx for browsers: the raw API and the Node-free SDK objects on the
 * fetch transport. In a page served by runloop-local, `baseURL` defaults to
 * the page's origin; the token must come from the user (never bake an API
 * key into a bundle: see the README).
 *
 * @example
 * const runloop = new RunloopBrowser({ bearerToken: token });
 * runloop.api.devboxes.list().subscribe((page) => console.log(page.devboxes.length));
 */
export class RunloopBrowser {
  /** The raw REST client (snake_case like the wire). */
  readonly api: RunloopApi;
  /** The resolved options. */
  readonly config: BaseConfig;
  /** The request pipeline (`json`, `text`, `bytes`, `sse`, `send`). */
  readonly caller: PipelineCaller;
  readonly #ctx: SdkContext;
  readonly #scheduler: SchedulerLike;

  constructor(options: RunloopBrowserOptions = {}, scheduler: SchedulerLike = asyncScheduler) {
    const origin = pageOrigin();
    this.config = resolveBaseConfig({ ...(origin !== undefined ? { baseURL: origin } : {}), ...options }, {});
    this.caller = createPipelineCaller(
      this.config,
      options.transport ?? createFetchTransport({}, scheduler),
      options.interceptors !== undefined ? { interceptors: options.interceptors } : {},
      scheduler,
    );
    this.api = new RunloopApi(this.caller);
    this.#scheduler = scheduler;
    this.#ctx = {
      api: this.api,
      baseURL: this.config.baseURL,
      transfer: (request) => this.caller.transfer(request),
      onTeardownError:
        options.onTeardownError ??
        ((failure) => console.warn(`runloop-rx: ${failure.action} of ${failure.id} failed`, failure.error)),
      ownedDevbox: () => {
        throw new RunloopError(
          'Creating devboxes from snapshots or blueprints is not available in the browser entry; use api.devboxes.create',
        );
      },
    };
  }

  /**
   * A handle on devbox `id` (no request is sent until you subscribe to something on it).
   *
   * @example
   * runloop.devbox('dbx_1').status$.subscribe(console.log);
   */
  devbox(id: string): BrowserDevbox {
    return new BrowserDevbox(this.#ctx, id, this.#scheduler);
  }

  /**
   * A handle on blueprint `id`: `buildLog()` streams its build log live.
   *
   * @example
   * runloop.blueprint('bpt_1').buildLog().subscribe((entry) => console.log(entry.message));
   */
  blueprint(id: string): Blueprint {
    return new Blueprint(this.#ctx, id);
  }
}
