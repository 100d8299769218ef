/**
 * Runs blueprint builds in the background, at most `concurrency` at a time
 * (a build is CPU- and disk-heavy on a 2-core machine), each cancellable.
 */

/** One queued or running build. */
interface Entry {
  readonly id: string;
  readonly controller: AbortController;
  readonly run: (signal: AbortSignal) => Promise<void>;
}

/**
 * A small FIFO work queue keyed by blueprint id.
 *
 * @example
 * queue.enqueue('bpt_1', (signal) => build(signal));
 * queue.cancel('bpt_1');
 */
export class BuildQueue {
  private readonly waiting: Entry[] = [];
  private readonly running = new Map<string, Entry>();
  private readonly done = new Set<Promise<void>>();

  constructor(private readonly concurrency = 2) {}

  /** Queues a build; it starts when a slot is free. */
  enqueue(id: string, run: (signal: AbortSignal) => Promise<void>): void {
    this.waiting.push({ id, controller: new AbortController(), run });
    this.pump();
  }

  /** Cancels a queued build (it never starts) or aborts a running one. */
  cancel(id: string): void {
    const index = this.waiting.findIndex((e) => e.id === id);
    if (index >= 0) this.waiting.splice(index, 1);
    this.running.get(id)?.controller.abort();
  }

  /** Aborts everything and waits for running builds to wind down. */
  async close(): Promise<void> {
    this.waiting.length = 0;
    for (const entry of this.running.values()) entry.controller.abort();
    await Promise.allSettled([...this.done]);
  }

  private pump(): void {
    while (this.running.size < this.concurrency && this.waiting.length > 0) {
      const entry = this.waiting.shift()!;
      this.running.set(entry.id, entry);
      const task = entry
        .run(entry.controller.signal)
        .catch(() => undefined)
        .finally(() => {
          this.running.delete(entry.id);
          this.done.delete(task);
          this.pump();
        });
      this.done.add(task);
    }
  }
}
