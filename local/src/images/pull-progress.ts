/**
 * Progress of one layer download as build log lines: a line when it starts,
 * at most one per interval while bytes arrive (bytes so far / total), and
 * one when it is done. Throttled by the clock of the chunks themselves, so
 * no timer outlives a pull.
 */

/**
 * Throttled progress lines for one layer.
 *
 * @example
 * const progress = new LayerProgress('sha256:ab…', 31_000_000, (line) => log('info', line));
 * progress.received(chunk.length); … progress.done();
 */
export class LayerProgress {
  #bytes = 0;
  #lastLine: number;
  readonly #started: number;

  constructor(
    private readonly digest: string,
    private readonly total: number,
    private readonly emit: (line: string) => void,
    private readonly intervalMs = 1_000,
    private readonly now: () => number = Date.now,
  ) {
    this.#started = now();
    this.#lastLine = this.#started;
    emit(`Pulling layer ${shortDigest(digest)} (${formatBytes(total)})`);
  }

  /** Counts `n` more bytes; emits a line when the interval has passed since the last one. */
  received(n: number): void {
    this.#bytes += n;
    const now = this.now();
    if (now - this.#lastLine >= this.intervalMs && this.#bytes < this.total) {
      this.#lastLine = now;
      this.emit(`Pulling layer ${shortDigest(this.digest)}: ${formatBytes(this.#bytes)} / ${formatBytes(this.total)}`);
    }
  }

  /** The final line: size and time taken (download and unpack together). */
  done(): void {
    const seconds = (this.now() - this.#started) / 1000;
    this.emit(`Pulled layer ${shortDigest(this.digest)}: ${formatBytes(this.#bytes)} in ${seconds.toFixed(1)} s`);
  }
}

/**
 * `sha256:0123456789abcdef…` → `sha256:0123456789ab` (Docker's short form).
 *
 * @example
 * shortDigest('sha256:' + 'ab'.repeat(32)); // 'sha256:abababababab'
 */
export function shortDigest(digest: string): string {
  return digest.slice(0, 'sha256:'.length + 12);
}

/**
 * Bytes for people: `812 B`, `4.1 kB`, `31.0 MB`, `1.20 GB` (decimal, as registries show).
 *
 * @example
 * formatBytes(31_000_000); // '31.0 MB'
 */
export function formatBytes(n: number): string {
  if (n < 1_000) return `${n} B`;
  if (n < 1_000_000) return `${(n / 1_000).toFixed(1)} kB`;
  if (n < 1_000_000_000) return `${(n / 1_000_000).toFixed(1)} MB`;
  return `${(n / 1_000_000_000).toFixed(2)} GB`;
}
