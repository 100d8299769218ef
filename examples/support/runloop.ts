/**
 * The ONE place where the examples choose their server.
 *
 * - `RUNLOOP_API_KEY` set: the Runloop cloud, or any compatible server named
 *   by `RUNLOOP_BASE_URL` (the example tests point this at a shared local server).
 * - `RUNLOOP_API_KEY` unset: an embedded runloop-local, started for this
 *   script and stopped (with all its devboxes) when the script ends.
 */
import { Observable, dematerialize, materialize, switchMap } from 'rxjs';
import { RunloopSDK } from '../../src/index.js';

/**
 * Client options an example may tune (timeouts, retries, headers, dispatcher); the server and key are chosen here.
 *
 * @example
 * const client: ExampleClientOptions = { timeoutMs: 30_000, maxRetries: 3 };
 */
export type ExampleClientOptions = Omit<
  NonNullable<ConstructorParameters<typeof RunloopSDK>[0]>,
  'baseURL' | 'bearerToken' | 'caller'
>;

/**
 * True when the examples talk to a server named by the environment rather than an embedded one.
 *
 * @example
 * if (!usesRemoteServer()) console.log('using an embedded runloop-local');
 */
export function usesRemoteServer(): boolean {
  return (process.env['RUNLOOP_API_KEY'] ?? '').trim() !== '';
}

/**
 * One SDK for the lifetime of the subscription: emitted once, never
 * completes, closed (and an embedded server stopped) on unsubscribe.
 *
 * @example
 * runloop$().pipe(take(1)).subscribe((runloop) => console.log(runloop.baseURL));
 */
export function runloop$(client: ExampleClientOptions = {}): Observable<RunloopSDK> {
  if (!usesRemoteServer()) return RunloopSDK.local({ client });
  return new Observable<RunloopSDK>((subscriber) => {
    const sdk = new RunloopSDK(client);
    subscriber.next(sdk);
    return () => void sdk.close();
  });
}

/**
 * Runs `work` with an SDK and ends when `work` ends; the SDK (and an
 * embedded server) is torn down right after. `materialize` lets the inner
 * completion end the whole stream although `runloop$()` itself never completes.
 *
 * @example
 * withRunloop((runloop) => runloop.devbox.list().pipe(count())).subscribe(console.log);
 */
export function withRunloop<T>(
  work: (runloop: RunloopSDK) => Observable<T>,
  client: ExampleClientOptions = {},
): Observable<T> {
  return runloop$(client).pipe(
    switchMap((runloop) => work(runloop).pipe(materialize())),
    dematerialize(),
  );
}

/**
 * The edge of an example script: says which server it uses, runs `work`,
 * prints `<name>: done` at the end or the error (exit code 1).
 *
 * @example
 * runExample('hello', (runloop) => runloop.devbox.use({}, (d) => d.cmd.exec('echo hi')));
 */
export function runExample<T>(
  name: string,
  work: (runloop: RunloopSDK) => Observable<T>,
  client: ExampleClientOptions = {},
): void {
  const started = Date.now();
  console.log(
    usesRemoteServer()
      ? `[${name}] using ${process.env['RUNLOOP_BASE_URL'] || 'https://api.runloop.ai'}`
      : `[${name}] using an embedded runloop-local (set RUNLOOP_API_KEY to use the cloud)`,
  );
  withRunloop(work, client).subscribe({
    error: (err: unknown) => {
      console.error(`[${name}] failed:`, err);
      process.exitCode = 1;
    },
    complete: () => console.log(`[${name}] done in ${((Date.now() - started) / 1000).toFixed(1)} s`),
  });
}
