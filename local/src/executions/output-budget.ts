/**
 * How much command output the server keeps for one devbox. Output lives in
 * the data dir, outside the devbox's disk image, so without a bound a devbox
 * could fill the host's disk through `yes` alone. Every devbox may store, over
 * all its commands, as many bytes as its disk holds; past that, output is
 * read (the command never blocks) and dropped, and the execution's stderr
 * says so once.
 */
import { Transform } from 'node:stream';

/**
 * Per-devbox byte budgets for stored output.
 *
 * @example
 * const budget = new OutputBudget();
 * child.stdout.pipe(budget.meter('dbx_1', 4 << 30, () => notice())).pipe(log);
 */
export class OutputBudget {
  readonly #used = new Map<string, number>();

  /** Bytes stored so far for `key`. */
  used(key: string): number {
    return this.#used.get(key) ?? 0;
  }

  /**
   * A pass-through that lets bytes through while `key` has budget left
   * (`cap` bytes in all), then drops the rest; `onExhausted` runs once, the
   * first time this stream has to drop bytes.
   *
   * @example
   * const metered = budget.meter(devboxId, diskBytes, () => stderrLog.append(NOTICE));
   */
  meter(key: string, cap: number, onExhausted: () => void): Transform {
    let told = false;
    return new Transform({
      transform: (chunk: Buffer, _encoding, callback) => {
        const used = this.used(key);
        const room = Math.max(0, cap - used);
        const kept = chunk.length <= room ? chunk : chunk.subarray(0, room);
        this.#used.set(key, used + kept.length);
        if (kept.length < chunk.length && !told) {
          told = true;
          onExhausted();
        }
        callback(null, kept.length > 0 ? kept : undefined);
      },
    });
  }

  /** Forgets `key` (its devbox is gone for good). */
  forget(key: string): void {
    this.#used.delete(key);
  }
}

/**
 * The line appended to an execution's stderr when its devbox's output budget ran out.
 *
 * @example
 * outputLimitNotice(4 << 30); // '\n[runloop-local: this devbox stored 4294967296 bytes of command output, …]\n'
 */
export function outputLimitNotice(cap: number): string {
  return `\n[runloop-local: this devbox stored ${cap} bytes of command output, its disk size; further output is discarded]\n`;
}
