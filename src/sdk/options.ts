/**
 * Options bags shared by SDK methods. Every bag accepts an AbortSignal.
 */
import type { PollingConfig } from '../core/polling.js';
import type { RequestOptions } from '../core/request.js';

/**
 * Per-call options: the core request options (`signal`, `timeoutMs`,
 * `maxRetries`, `headers`, `idempotencyKey`).
 *
 * @example
 * devbox.getInfo({ signal: AbortSignal.timeout(5_000) });
 */
export type CallOptions = RequestOptions;

/**
 * Options of a method that waits for a state. `pollingConfig.timeoutMs` is
 * the overall deadline (⇒ `PollingTimeoutError` carrying the last state);
 * `intervalMs` applies where the SDK polls (blueprints, snapshots) rather
 * than long-polls (devboxes, executions).
 *
 * @example
 * runloop.devbox.create({ name: 'x' }, { pollingConfig: { timeoutMs: 120_000 } });
 */
export interface WaitOptions extends RequestOptions {
  readonly pollingConfig?: Partial<PollingConfig>;
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
