import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Observable } from 'rxjs';
import type { ClientOptions } from '../core/config.js';
import { warnOnTeardownError } from './internal/teardown.js';
import { importRunloopLocal, type LocalRuntimeMode, type LocalServerLoader } from './local-loader.js';

/**
 * Options of `RunloopSDK.local()` / `startLocal()`.
 *
 * @example
 * RunloopSDK.local({ dataDir: './.runloop-local', runtimeMode: 'process' });
 */
export interface LocalSdkOptions {
  /** Where the server keeps its state; default a fresh temp dir, removed on dispose. */
  readonly dataDir?: string;
  /** Default 0 (a free port). */
  readonly port?: number;
  /** Default `auto`. */
  readonly runtimeMode?: LocalRuntimeMode;
  /** Server logging; default silent. */
  readonly log?: boolean;
  /** Client options for the SDK (the base URL and token come from the server). */
  readonly client?: Omit<ClientOptions, 'baseURL' | 'bearerToken'>;
}

/**
 * An SDK bound to a running embedded server.
 *
 * @example
 * const local = await RunloopSDK.startLocal();
 * await local.dispose();
 */
export interface LocalRunloopSDK<S> {
  readonly sdk: S;
  /** The server's base URL and token (for other clients, e.g. the official one). */
  readonly url: string;
  readonly token: string;
  /** Closes the SDK, stops the server (its devboxes shut down) and removes a temp data dir. Idempotent. */
  dispose(): Promise<void>;
}

/** Anything with `close()`, such as a RunloopSDK. */
interface Closable {
  close(): Promise<void>;
}

/**
 * Starts runloop-local (dynamically imported: an optional peer package) and
 * builds an SDK bound to it. Rejects with `LocalServerUnavailableError` when
 * runloop-local is not installed, before creating anything.
 *
 * @example
 * const local = await startLocalSdk({}, (o) => new RunloopSDK(o)); await local.dispose();
 */
export async function startLocalSdk<S extends Closable>(
  options: LocalSdkOptions,
  makeSdk: (client: ClientOptions) => S,
  load: LocalServerLoader = importRunloopLocal,
): Promise<LocalRunloopSDK<S>> {
  const runloopLocal = await load();
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'runloop-local-sdk-')));
  const ownDir = options.dataDir === undefined ? dataDir : undefined;
  let server;
  try {
    server = await runloopLocal.startLocalServer({
      port: options.port ?? 0,
      dataDir,
      log: options.log ?? false,
      ...(options.runtimeMode ? { runtimeMode: options.runtimeMode } : {}),
    });
  } catch (err) {
    if (ownDir !== undefined) await rm(ownDir, { recursive: true, force: true });
    throw err;
  }
  const running = server;
  const sdk = makeSdk({ ...options.client, baseURL: running.url, bearerToken: running.token });
  let disposed: Promise<void> | undefined;
  return {
    sdk,
    url: running.url,
    token: running.token,
    dispose: () =>
      (disposed ??= (async () => {
        await sdk.close();
        await running.stop();
        if (ownDir !== undefined) await rm(ownDir, { recursive: true, force: true });
      })()),
  };
}

/** Data dir → the stop of the server that used it, while that stop runs. */
const stopping = new Map<string, Promise<void>>();

/**
 * Stops `local` in the background, remembered per data dir so that the next
 * start on that dir waits for it (the server holds a lock on its data dir
 * until it has stopped); a failure becomes a `RunloopTeardownWarning`.
 */
function stopInBackground(local: { dispose(): Promise<void> }, dataDir: string | undefined): void {
  const done = local
    .dispose()
    .catch((error: unknown) =>
      warnOnTeardownError({ action: 'shutdown', id: `runloop-local (${dataDir ?? 'temp dir'})`, error }),
    );
  if (dataDir === undefined) return;
  const key = resolve(dataDir);
  const tracked = done.finally(() => {
    if (stopping.get(key) === tracked) stopping.delete(key);
  });
  stopping.set(key, tracked);
}

/**
 * The Observable form: start on subscribe, emit the SDK, stop on unsubscribe
 * (also when unsubscribed while still starting). Re-subscribing works
 * (`repeat`, `retry`, two `firstValueFrom` in a row): a start on a data dir
 * waits until the previous server on it has stopped.
 *
 * @example
 * localSdk$({}, (o) => new RunloopSDK(o)).pipe(take(1)).subscribe();
 */
export function localSdk$<S extends Closable>(
  options: LocalSdkOptions,
  makeSdk: (client: ClientOptions) => S,
  load: LocalServerLoader = importRunloopLocal,
): Observable<S> {
  return new Observable<S>((subscriber) => {
    let local: LocalRunloopSDK<S> | undefined;
    let closed = false;
    const previousStop = options.dataDir === undefined ? undefined : stopping.get(resolve(options.dataDir));
    Promise.resolve(previousStop)
      .then(() => (closed ? undefined : startLocalSdk(options, makeSdk, load)))
      .then(
        (started) => {
          if (started === undefined) return;
          if (closed) stopInBackground(started, options.dataDir);
          else {
            local = started;
            subscriber.next(started.sdk);
          }
        },
        (err: unknown) => subscriber.error(err),
      );
    return () => {
      closed = true;
      if (local !== undefined) stopInBackground(local, options.dataDir);
    };
  });
}
