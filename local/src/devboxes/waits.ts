/**
 * Long-polls on devboxes: `wait_for_status` (hold, then 408) and the bounded
 * wait of `create_and_await_running`.
 */
import { asyncScheduler, type SchedulerLike } from 'rxjs';
import type { DevboxStatusStrict, DevboxView } from 'runloop-rx/views';
import { NotYetError, UnprocessableError } from '../errors.js';
import { firstOrAbort } from '../executions/abortable.js';
import { isFinal } from './lifecycle.js';
import type { DevboxService } from './service.js';
import { awaitStatus, DEFAULT_DEVBOX_WAIT_MS } from './status-wait.js';

const SETTLED: readonly DevboxStatusStrict[] = ['running', 'failure', 'shutdown', 'suspended'];

/**
 * Devbox long-polls over one service.
 *
 * @example
 * const waits = new DevboxWaits(service, server.stopping);
 * const view = await waits.waitFor(id, ['running'], ctx.signal);
 */
export class DevboxWaits {
  constructor(
    private readonly devboxes: DevboxService,
    private readonly stopping: AbortSignal,
    /** How long a `wait_for_status` holds before its 408; tests may shorten it. */
    private readonly holdMs = DEFAULT_DEVBOX_WAIT_MS,
    private readonly scheduler: SchedulerLike = asyncScheduler,
  ) {}

  /**
   * Resolves with the view once the devbox is in one of `statuses`; 408 with
   * `x-should-retry: true` after the hold; 422 when the devbox ended in a
   * status that was not asked for (it can never get there now).
   */
  async waitFor(id: string, statuses: readonly DevboxStatusStrict[], signal: AbortSignal): Promise<DevboxView> {
    const found = await this.#hold(id, [...statuses, 'failure', 'shutdown'], this.holdMs, signal);
    if (found !== undefined && statuses.includes(found.status)) return this.devboxes.viewOf(found);
    if (found !== undefined && isFinal(found.status)) {
      throw new UnprocessableError(
        'invalid_state',
        `devbox ${id} is ${found.status} and will never reach ${statuses.join(' or ')}`,
      );
    }
    throw new NotYetError(`devbox ${id} did not reach ${statuses.join(' or ')} in time; ask again`);
  }

  /** The view once booting is over (running, failed…), or the current view after the hold. */
  async settle(id: string, signal: AbortSignal): Promise<DevboxView> {
    await this.#hold(id, SETTLED, this.holdMs, signal);
    return this.devboxes.view(id);
  }

  async #hold(id: string, statuses: readonly string[], holdMs: number, signal: AbortSignal) {
    this.devboxes.get(id);
    const found = await firstOrAbort(
      awaitStatus(() => this.devboxes.records.get(id), this.devboxes.changes$, id, statuses, holdMs, this.scheduler),
      signal,
      this.stopping,
    );
    return found === 'timeout' ? undefined : found;
  }
}
