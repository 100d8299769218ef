/**
 * The core client for Node: the {@link ApiCaller} that every resource in
 * `src/api` sends through, i.e. the platform-free pipeline (`pipeline.ts`)
 * on the undici transport.
 */
import { asyncScheduler, type SchedulerLike } from 'rxjs';
import { resolveConfig, type ClientOptions, type ConfigEnv, type ResolvedConfig } from './config.js';
import type { HttpHandler, HttpInterceptor } from './http.js';
import { createPipelineCaller, type PipelineCaller } from './pipeline.js';
import { createUndiciTransport } from './transport.js';

export { readResponseValue } from './pipeline.js';

/**
 * Options for {@link createApiCaller}: the client options plus test seams.
 *
 * @example
 * const options: ApiCallerOptions = { bearerToken: 'k', baseURL: 'http://127.0.0.1:4000', random: () => 0 };
 */
export interface ApiCallerOptions extends ClientOptions {
  /** Environment to read `RUNLOOP_*` from; default `process.env`. */
  readonly env?: ConfigEnv;
  /** Replaces the undici transport (e.g. a fake that records requests). */
  readonly transport?: HttpHandler;
  /** Run on every attempt, below retry and status mapping and above the transport, in order. */
  readonly interceptors?: readonly HttpInterceptor[];
  /** Jitter source for retry backoff; default `Math.random`. */
  readonly random?: () => number;
  /** Idempotency-key generator for non-GETs. */
  readonly idempotencyKey?: () => string;
  /** Where `DEBUG=true` logs go; default `console.error`. */
  readonly debugLog?: (line: string) => void;
}

/**
 * The core client: the platform-free {@link PipelineCaller} (`send`, `transfer`
 * and the {@link ApiCaller} reads) plus its resolved config and dispatcher.
 *
 * @example
 * const caller = createApiCaller({ bearerToken: 'k' });
 * caller.send({ method: 'GET', path: '/v1/devboxes' }).subscribe((res) => console.log(res.status));
 */
export interface CoreClient extends PipelineCaller {
  readonly config: ResolvedConfig;
  /** Closes the dispatcher if the client created it. */
  close(): Promise<void>;
}

/**
 * Creates the core client. Throws {@link RunloopConfigError} when no API key is set.
 * Every method is cold and lazy: nothing is sent until subscription, every
 * subscription sends again, and unsubscribing aborts the request.
 *
 * @example
 * const caller = createApiCaller({ baseURL: 'http://127.0.0.1:4000', bearerToken: 'local' });
 * caller.json({ method: 'GET', path: '/v1/devboxes/dbx_1' }, DevboxView).subscribe(console.log);
 */
export function createApiCaller(options: ApiCallerOptions = {}, scheduler: SchedulerLike = asyncScheduler): CoreClient {
  const config = resolveConfig(options, options.env);
  const transport = options.transport ?? createUndiciTransport({ dispatcher: config.dispatcher }, scheduler);
  const caller = createPipelineCaller(
    config,
    transport,
    {
      ...(options.interceptors ? { interceptors: options.interceptors } : {}),
      ...(options.random ? { random: options.random } : {}),
      ...(options.idempotencyKey ? { idempotencyKey: options.idempotencyKey } : {}),
      ...(options.debugLog ? { debugLog: options.debugLog } : {}),
      debug: (options.env ?? process.env)['DEBUG'] === 'true',
    },
    scheduler,
  );
  return {
    ...caller,
    config,
    close: () => (config.ownsDispatcher ? config.dispatcher.close() : Promise.resolve()),
  };
}
