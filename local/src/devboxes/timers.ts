/**
 * Devbox deadlines: keep-alive (shutdown unless `keep_alive` moves it) and
 * `after_idle` (shutdown or suspend after a quiet period). One timer per
 * devbox, armed at the earliest deadline; when it fires the service asks
 * {@link DevboxTimers.due} and re-arms if activity moved the idle deadline,
 * so recording activity is just a timestamp (no timer churn per exec).
 */
import { asyncScheduler, type SchedulerLike, type Subscription } from 'rxjs';
import type { AfterIdle } from 'runloop-rx/views';
import type { DevboxRecord } from './record.js';

/**
 * How long a deadline blocked by a shutdown guard waits before it is looked at again.
 *
 * @example
 * timers.retry(id, DEADLINE_RETRY_MS);
 */
export const DEADLINE_RETRY_MS = 500;

/**
 * Which deadline has passed.
 *
 * @example
 * if (timers.due(record) === 'idle_suspend') await service.suspend(record.id);
 */
export type DueAction = 'keep_alive' | 'idle_shutdown' | 'idle_suspend';

/**
 * Per-devbox timers driven by a scheduler (virtual time in tests).
 *
 * @example
 * const timers = new DevboxTimers(Date.now, (id) => service.onDeadline(id));
 * timers.arm(record); timers.touch(record.id);
 */
export class DevboxTimers {
  readonly #activity = new Map<string, number>();
  readonly #armed = new Map<string, Subscription>();

  constructor(
    private readonly now: () => number,
    private readonly onDeadline: (id: string) => void,
    private readonly scheduler: SchedulerLike = asyncScheduler,
  ) {}

  /**
   * The idle policy of a devbox, from `after_idle` or `lifecycle.after_idle`.
   *
   * @example
   * DevboxTimers.afterIdleOf(record); // { idle_time_seconds: 60, on_idle: 'suspend' } or null
   */
  static afterIdleOf(record: DevboxRecord): AfterIdle | null {
    return record.launch_parameters.after_idle ?? record.launch_parameters.lifecycle?.after_idle ?? null;
  }

  /** Records activity now. */
  touch(id: string): void {
    this.#activity.set(id, this.now());
  }

  /** When the devbox counts as idle, or null without an idle policy. */
  idleDeadline(record: DevboxRecord): number | null {
    const policy = DevboxTimers.afterIdleOf(record);
    if (policy === null) return null;
    return (this.#activity.get(record.id) ?? this.now()) + policy.idle_time_seconds * 1000;
  }

  /** The deadline that has passed, if any (keep-alive first). */
  due(record: DevboxRecord): DueAction | undefined {
    const now = this.now();
    const keepAlive = record.deadlines.keep_alive_ms;
    if (keepAlive !== null && keepAlive <= now) return 'keep_alive';
    const idle = this.idleDeadline(record);
    if (idle !== null && idle <= now)
      return DevboxTimers.afterIdleOf(record)?.on_idle === 'suspend' ? 'idle_suspend' : 'idle_shutdown';
    return undefined;
  }

  /** (Re)arms the single timer of a devbox at its earliest deadline. */
  arm(record: DevboxRecord): void {
    this.disarm(record.id);
    const deadlines = [record.deadlines.keep_alive_ms, this.idleDeadline(record)].filter(
      (d): d is number => d !== null,
    );
    if (deadlines.length === 0) return;
    this.#schedule(record.id, Math.max(0, Math.min(...deadlines) - this.now()));
  }

  /**
   * Fires `onDeadline(id)` again after `delayMs`: a deadline that passed
   * while a guard objected is looked at again until the guard lets go.
   */
  retry(id: string, delayMs = DEADLINE_RETRY_MS): void {
    this.disarm(id);
    this.#schedule(id, delayMs);
  }

  #schedule(id: string, delayMs: number): void {
    this.#armed.set(
      id,
      this.scheduler.schedule(() => {
        this.#armed.delete(id);
        this.onDeadline(id);
      }, delayMs),
    );
  }

  disarm(id: string): void {
    this.#armed.get(id)?.unsubscribe();
    this.#armed.delete(id);
  }

  /** Cancels every timer. */
  close(): void {
    for (const sub of this.#armed.values()) sub.unsubscribe();
    this.#armed.clear();
  }
}
