/**
 * A blueprint's build log: `{level, message, timestamp_ms}` entries appended
 * to a JSON-lines file as they happen, so `GET /v1/blueprints/:id/logs`
 * shows progress while the build runs and the log survives a restart.
 */
import { appendFileSync, readFileSync } from 'node:fs';

/**
 * One log line, as the API returns it.
 *
 * @example
 * const entry: BuildLogEntry = { level: 'error', message: 'Step 3/5: RUN make: exit code 2', timestamp_ms: Date.now() };
 */
export interface BuildLogEntry {
  readonly level: 'info' | 'warn' | 'error';
  readonly message: string;
  readonly timestamp_ms: number;
}

/**
 * An append-only build log in `file`.
 *
 * @example
 * const log = new BuildLog('/data/blueprints/bpt_1/build.log');
 * log.append('info', 'Step 1/3: FROM ubuntu');
 * log.read(); // [{ level: 'info', message: 'Step 1/3: FROM ubuntu', timestamp_ms: … }]
 */
export class BuildLog {
  constructor(
    readonly file: string,
    private readonly now: () => number = Date.now,
    private readonly masked: readonly string[] = [],
  ) {}

  /**
   * The same log, with each of `values` (a build's secret values) written as
   * `***`. Values under 4 characters are left alone: masking them would
   * garble every line and hide little.
   *
   * @example
   * const log = new BuildLog(file).masking(['hunter2']); log.append('info', 'pw=hunter2'); // pw=***
   */
  masking(values: readonly string[]): BuildLog {
    const masked = [...this.masked, ...values.filter((v) => v.length >= 4)].sort((a, b) => b.length - a.length);
    return new BuildLog(this.file, this.now, masked);
  }

  /** Appends one entry per line of `message` (empty lines dropped). */
  append(level: BuildLogEntry['level'], message: string): void {
    const timestamp_ms = this.now();
    let text = message;
    for (const value of this.masked) text = text.split(value).join('***');
    const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
    if (lines.length === 0) return;
    appendFileSync(this.file, lines.map((m) => `${JSON.stringify({ level, message: m, timestamp_ms })}\n`).join(''));
  }

  /** Every entry so far, oldest first; a missing file reads as empty. */
  read(): BuildLogEntry[] {
    let text: string;
    try {
      text = readFileSync(this.file, 'utf8');
    } catch {
      return [];
    }
    const entries: BuildLogEntry[] = [];
    for (const line of text.split('\n')) {
      if (line === '') continue;
      try {
        entries.push(JSON.parse(line) as BuildLogEntry);
      } catch {
        // A line torn by a crash mid-write is dropped, not fatal.
      }
    }
    return entries;
  }
}
