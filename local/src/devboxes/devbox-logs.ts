/**
 * The devbox log (`GET /v1/devboxes/{id}/logs`): setup, entrypoint and exec
 * events. Kept in memory, bounded per devbox: it is a diagnostic aid, and
 * writing it to the store would put a disk sync on every exec's hot path.
 */
import type { DevboxLogEntry } from 'runloop-rx/views';

/**
 * Entries kept per devbox; older ones are dropped first.
 *
 * @example
 * new DevboxLogs(Date.now, MAX_LOG_ENTRIES);
 */
export const MAX_LOG_ENTRIES = 2000;

/**
 * Devboxes whose logs are kept; the oldest devbox's log is forgotten first.
 *
 * @example
 * new DevboxLogs(Date.now, MAX_LOG_ENTRIES, MAX_LOGGED_DEVBOXES);
 */
export const MAX_LOGGED_DEVBOXES = 1000;

/**
 * Filters of a log query.
 *
 * @example
 * logs.list('dbx_1', { execution_id: 'exe_1' });
 */
export interface LogFilter {
  readonly execution_id?: string;
  readonly shell_name?: string;
}

/**
 * Bounded, per-devbox log entries.
 *
 * @example
 * const logs = new DevboxLogs(() => Date.now());
 * logs.add('dbx_1', { level: 'info', source: 'exec', cmd: 'ls', cmd_id: 'exe_1' });
 * logs.list('dbx_1', { execution_id: 'exe_1' });
 */
export class DevboxLogs {
  readonly #entries = new Map<string, DevboxLogEntry[]>();

  constructor(
    private readonly now: () => number,
    private readonly max = MAX_LOG_ENTRIES,
    private readonly maxDevboxes = MAX_LOGGED_DEVBOXES,
  ) {}

  /** Appends an entry stamped with the current time. */
  add(devboxId: string, entry: Omit<DevboxLogEntry, 'timestamp_ms'>): void {
    let list = this.#entries.get(devboxId);
    if (list === undefined) {
      list = [];
      this.#entries.set(devboxId, list);
      // Maps iterate in insertion order: the first key is the oldest devbox.
      if (this.#entries.size > this.maxDevboxes) this.#entries.delete(this.#entries.keys().next().value!);
    }
    list.push({ ...entry, timestamp_ms: this.now() });
    if (list.length > this.max) list.splice(0, list.length - this.max);
  }

  /** Entries of a devbox, oldest first, optionally for one execution or shell. */
  list(devboxId: string, filter: LogFilter = {}): DevboxLogEntry[] {
    return (this.#entries.get(devboxId) ?? []).filter(
      (e) =>
        (filter.execution_id === undefined || e.cmd_id === filter.execution_id) &&
        (filter.shell_name === undefined || e.shell_name === filter.shell_name),
    );
  }

  /** Forgets a devbox's entries. */
  drop(devboxId: string): void {
    this.#entries.delete(devboxId);
  }
}
