/**
 * The pipeline for requests to absolute URLs outside the API (presigned
 * object URLs): the same retry, status mapping, debug log and user
 * interceptors as API calls, but no auth, default headers or idempotency key,
 * since the URL itself carries the authorisation (runloop-api.md §12).
 */
import { asyncScheduler, type Observable, type SchedulerLike } from 'rxjs';
import { withStatusErrors } from './body.js';
import { withDebugLog } from './debug-log.js';
import { DEFAULT_TIMEOUT_MS } from './client-options.js';
import {
  chainInterceptors,
  type HttpHandler,
  type HttpInterceptor,
  type HttpRequest,
  type HttpResponse,
} from './http.js';
import { withRetry } from './retry.js';

/**
 * A request to an absolute URL; `timeoutMs` defaults to the client's.
 *
 * @example
 * const req: TransferRequest = { method: 'GET', url: presignedUrl, headers: {}, resumable: true };
 */
export type TransferRequest = Omit<HttpRequest, 'timeoutMs'> & { readonly timeoutMs?: number };

/**
 * Sends a {@link TransferRequest} through the transfer pipeline.
 *
 * @example
 * const transfer: TransferHandler = createTransferHandler({ transport, maxRetries: 5 });
 */
export type TransferHandler = (request: TransferRequest) => Observable<HttpResponse>;

/**
 * Options of {@link createTransferHandler}.
 *
 * @example
 * const options: TransferHandlerOptions = { transport, maxRetries: 5 };
 */
export interface TransferHandlerOptions {
  readonly transport: HttpHandler;
  readonly maxRetries: number;
  /** Time until response headers per attempt when a request sets none; default 30 000. */
  readonly timeoutMs?: number;
  /** Jitter source for retry backoff; default `Math.random`. */
  readonly random?: () => number;
  /** Run on every attempt, below retry and status mapping, in order. */
  readonly interceptors?: readonly HttpInterceptor[];
  /** When set, every attempt is logged here (`DEBUG=true`). */
  readonly debugLog?: (line: string) => void;
}

/**
 * Builds the transfer pipeline: retry → status errors → debug log →
 * interceptors → transport. Non-2xx answers fail with the status-mapped
 * `APIError`; `resumable` downloads resume with `Range`.
 *
 * @example
 * const transfer = createTransferHandler({ transport: createUndiciTransport({ dispatcher }), maxRetries: 5 });
 * transfer({ method: 'GET', url: presignedUrl, headers: {}, resumable: true });
 */
export function createTransferHandler(
  options: TransferHandlerOptions,
  scheduler: SchedulerLike = asyncScheduler,
): TransferHandler {
  const { debugLog } = options;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const handler: HttpHandler = chainInterceptors(options.transport, [
    withRetry({ maxRetries: options.maxRetries, ...(options.random ? { random: options.random } : {}) }, scheduler),
    withStatusErrors(),
    ...(debugLog !== undefined ? [withDebugLog(debugLog, scheduler)] : []),
    ...(options.interceptors ?? []),
  ]);
  return (request) => handler({ ...request, timeoutMs: request.timeoutMs ?? timeoutMs });
}
