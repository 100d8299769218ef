/**
 * Options bags shared by SDK methods. Every bag accepts an AbortSignal.
 */
import type { PollingConfig } from '../core/polling.js';
import { RunloopConfigError } from '../core/errors.js';

/**
 * Per-call options, applied to each HTTP request the call sends.
 *
 * @example
 * devbox.getInfo({ signal: AbortSignal.timeout(5_000), requestTimeoutMs: 2_000, maxRetries: 0 });
 */
export interface CallOptions {
  /** Aborts the call; it errors with `APIUserAbortError` (and a running command is killed). */
  readonly signal?: AbortSignal;
  /**
   * Time until response headers, per request attempt (default: the SDK's
   * `timeoutMs`, 30 000). On a long-poll it counts from the end of the
   * server's longest hold (25 s), so it never cuts a healthy long-poll;
   * the deadline of a whole wait is `pollingConfig.timeoutMs`.
   */
  readonly requestTimeoutMs?: number;
  /** Overrides the SDK's maximum retries for each request. */
  readonly maxRetries?: number;
  /** Extra headers; `null` removes a default header. */
  readonly headers?: Readonly<Record<string, string | null>>;
  /** Idempotency key for a non-GET; generated once per call when absent and reused on every retry. */
  readonly idempotencyKey?: string;
}

/**
 * Options of a method that waits for a state. `pollingConfig.timeoutMs` is
 * the overall deadline of the wait (⇒ `PollingTimeoutError` carrying the
 * last state). `intervalMs`, `maxAttempts` and `initialDelayMs` apply where
 * the SDK polls (blueprints, snapshots); a long-poll wait (devboxes,
 * executions) refuses them with `RunloopConfigError` rather than ignore them.
 *
 * @example
 * runloop.devbox.create({ name: 'x' }, { pollingConfig: { timeoutMs: 120_000 } });
 */
export interface WaitOptions extends CallOptions {
  readonly pollingConfig?: Partial<PollingConfig>;
}

/**
 * The overall deadline of a long-poll wait, or the `RunloopConfigError` for
 * polling options a long-poll cannot honour (it has no interval: the server
 * answers when the state changes).
 *
 * @example
 * longPollDeadline({ pollingConfig: { timeoutMs: 5_000 } }); // { timeoutMs: 5000 }
 */
export function longPollDeadline(options: WaitOptions): { readonly timeoutMs?: number } | RunloopConfigError {
  const { timeoutMs, ...rest } = options.pollingConfig ?? {};
  const refused = Object.keys(rest).filter((key) => rest[key as keyof typeof rest] !== undefined);
  if (refused.length > 0) {
    return new RunloopConfigError(
      `This wait long-polls and cannot honour pollingConfig.${refused.join(', pollingConfig.')}; only pollingConfig.timeoutMs applies`,
    );
  }
  return timeoutMs === undefined ? {} : { timeoutMs };
}

/**
 * Default interval of fixed-interval polling (runloop-api.md §5).
 *
 * @example
 * snapshot.awaitCompleted({ pollingConfig: { intervalMs: DEFAULT_POLL_INTERVAL_MS * 5 } });
 */
export const DEFAULT_POLL_INTERVAL_MS = 1000;

/**
 * A full PollingConfig from a partial one.
 *
 * @example
 * pollingConfigOf({ timeoutMs: 10_000 }); // { intervalMs: 1000, timeoutMs: 10000 }
 */
export function pollingConfigOf(partial: Partial<PollingConfig> = {}): PollingConfig {
  return { ...partial, intervalMs: partial.intervalMs ?? DEFAULT_POLL_INTERVAL_MS };
}

/**
 * How much of a list to read. `limit` caps the TOTAL number of items
 * emitted (as in the seed SDK); `pageSize` is how many each request asks
 * for (default: `limit`, or the server's default without one). Pages are
 * fetched lazily, so `take(n)` downstream also stops paging.
 *
 * @example
 * runloop.devbox.list({ status: 'running', limit: 10, pageSize: 5 }); // at most 10 devboxes, 2 requests
 */
export interface ListOptions {
  /** The most items to emit in total. */
  readonly limit?: number;
  /** Items per request. */
  readonly pageSize?: number;
}

/**
 * A clean-up the SDK sent on its own (a kill, a shutdown, a delete) that
 * failed. Nobody is subscribed to such a request any more, so its failure
 * goes to the one channel `RunloopSDKOptions.onTeardownError` instead of
 * being dropped.
 *
 * @example
 * const failure: TeardownFailure = { action: 'shutdown', id: 'dbx_1', error: new Error('503') };
 */
export interface TeardownFailure {
  /** What the SDK tried: kill a command, shut a devbox down, delete an object. */
  readonly action: 'kill' | 'shutdown' | 'delete';
  /** The execution, devbox or object id. */
  readonly id: string;
  readonly error: unknown;
}

/**
 * Receives every {@link TeardownFailure}. It must not throw.
 *
 * @example
 * const onTeardownError: TeardownErrorHandler = (f) => log.warn(`${f.action} ${f.id} failed`, f.error);
 */
export type TeardownErrorHandler = (failure: TeardownFailure) => void;
