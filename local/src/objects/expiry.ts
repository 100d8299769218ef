/**
 * Deletes objects whose `ttl_ms` ran out. The schedule lives in the store
 * (`delete_after_time_ms`), so a restart simply sweeps again on start.
 */
import type { Logger } from '../context.js';
import type { StorageObjects } from './objects.js';

/** Longest single wait: setTimeout's limit, and a bound on clock drift. */
const MAX_WAIT_MS = 60 * 60 * 1000;

/**
 * A one-timer sweeper: wakes at the next expiry, sweeps, re-arms.
 *
 * @example
 * const expiry = new ObjectExpiry(objects, log, () => Date.now()); await expiry.start(); expiry.poke(at);
 */
export class ObjectExpiry {
  private timer: NodeJS.Timeout | undefined;
  private wakeAt: number | undefined;
  private stopped = false;
  private sweeping: Promise<void> = Promise.resolve();

  constructor(
    private readonly objects: StorageObjects,
    private readonly log: Logger,
    private readonly now: () => number,
  ) {}

  async start(): Promise<void> {
    this.stopped = false;
    await this.sweep();
  }

  /** An object now expires at `atMs`: wake up then if that is sooner. */
  poke(atMs: number): void {
    if (this.stopped) return;
    if (this.wakeAt === undefined || atMs < this.wakeAt) this.arm(atMs);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.sweeping;
  }

  private sweep(): Promise<void> {
    this.sweeping = this.sweeping.then(async () => {
      if (this.stopped) return;
      try {
        const next = await this.objects.sweepExpired();
        if (next !== undefined) this.arm(next);
      } catch (error) {
        this.log.error('object expiry sweep failed', { error: String(error) });
        this.arm(this.now() + 60_000);
      }
    });
    return this.sweeping;
  }

  private arm(atMs: number): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.wakeAt = atMs;
    const wait = Math.min(MAX_WAIT_MS, Math.max(0, atMs - this.now()));
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.wakeAt = undefined;
      void this.sweep();
    }, wait);
    this.timer.unref();
  }
}
