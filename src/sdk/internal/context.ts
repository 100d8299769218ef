import type { Observable, SchedulerLike } from 'rxjs';
import type { DevboxView } from '../../api/views/devbox.js';
import type { RunloopApi } from '../../api/index.js';
import type { TransferHandler } from '../../core/transfer.js';
import type { RequestOptions } from '../../core/request.js';
import type { OwnedDevbox } from '../owned-devbox.js';
import type { CallOptions } from '../options.js';
import { sendTeardown, warnOnTeardownError } from './teardown.js';
import type { TeardownErrorHandler, TeardownFailure } from '../options.js';

/**
 * What every SDK object holds: the raw API, the base URL (for tunnel URLs)
 * and the transfer pipeline for presigned object URLs.
 *
 * @example
 * const ctx: SdkContext = { api: new RunloopApi(caller), baseURL: 'http://127.0.0.1:4000', transfer: core.transfer, ownedDevbox: (id, view, s) => new OwnedDevbox(ctx, id, view, s) };
 */
export interface SdkContext {
  readonly api: RunloopApi;
  readonly baseURL: string;
  /** Sends presigned transfers: the SDK's transport, retry and interceptors, without auth. */
  readonly transfer: TransferHandler;
  /** Where background clean-up failures go; default {@link warnOnTeardownError}. */
  readonly onTeardownError?: TeardownErrorHandler;
  /**
   * Makes the handle of a devbox the SDK created. Injected (by `RunloopSDK`)
   * rather than imported so that modules which create devboxes for a
   * snapshot or a blueprint need no value import of `devbox.ts`, which
   * itself imports `snapshot.ts`.
   */
  readonly ownedDevbox: (id: string, view: DevboxView | undefined, scheduler: SchedulerLike) => OwnedDevbox;
}

/**
 * Sends a clean-up request in the background, reporting a failure to the
 * context's teardown channel.
 *
 * @example
 * teardown(ctx, 'kill', 'exe_1', api.executions.kill('dbx_1', 'exe_1'));
 */
export function teardown(
  ctx: SdkContext,
  action: TeardownFailure['action'],
  id: string,
  request$: Observable<unknown>,
): void {
  sendTeardown(request$, action, id, ctx.onTeardownError ?? warnOnTeardownError);
}

/**
 * The raw request options of an SDK options bag: drops the SDK-only keys
 * and renames `requestTimeoutMs` to the core's `timeoutMs`.
 *
 * @example
 * requestOptions({ signal, requestTimeoutMs: 2_000, pollingConfig: { timeoutMs: 5 } }); // { signal, timeoutMs: 2000 }
 */
export function requestOptions(options: CallOptions = {}): RequestOptions | undefined {
  const { signal, requestTimeoutMs: timeoutMs, maxRetries, headers, idempotencyKey } = options;
  const picked: { -readonly [K in keyof RequestOptions]: RequestOptions[K] } = {};
  if (signal !== undefined) picked.signal = signal;
  if (timeoutMs !== undefined) picked.timeoutMs = timeoutMs;
  if (maxRetries !== undefined) picked.maxRetries = maxRetries;
  if (headers !== undefined) picked.headers = headers;
  if (idempotencyKey !== undefined) picked.idempotencyKey = idempotencyKey;
  return Object.keys(picked).length === 0 ? undefined : picked;
}

/**
 * {@link requestOptions} without the caller's signal, for a start whose
 * answer names what to clean up: the caller's abort must not cut it.
 *
 * @example
 * api.devboxes.createAndAwaitRunning(body, unabortableRequestOptions(options));
 */
export function unabortableRequestOptions(options: CallOptions = {}): RequestOptions | undefined {
  const { signal, ...rest } = options;
  return requestOptions(rest);
}
