/**
 * Small statistics and table helpers for the bench report.
 */

/**
 * The q-quantile (0..1) of `values` by nearest rank; NaN when empty.
 *
 * @example
 * quantile([3, 1, 2], 0.5); // 2
 */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank] as number;
}

/**
 * Milliseconds since `start` (from `performance.now()`).
 *
 * @example
 * const t = performance.now(); work(); elapsedMs(t);
 */
export function elapsedMs(start: number): number {
  return performance.now() - start;
}

/** One row of the final table. */
export interface ResultRow {
  readonly benchmark: string;
  readonly sdk: string;
  readonly raw: string;
  readonly ratio: string;
  readonly target: string;
  readonly verdict: string;
}

/**
 * Formats a number with `digits` decimals.
 *
 * @example
 * fmt(1.234, 1); // '1.2'
 */
export function fmt(value: number, digits = 1): string {
  return Number.isFinite(value) ? value.toFixed(digits) : '-';
}

/**
 * Client memory in MB (resident set size).
 *
 * @example
 * console.log(rssMb());
 */
export function rssMb(): number {
  return process.memoryUsage().rss / 1024 / 1024;
}

/**
 * Prints rows as an aligned text table.
 *
 * @example
 * printTable([{ benchmark: 'exec', sdk: '1', raw: '1', ratio: '1.0', target: '', verdict: 'ok' }]);
 */
export function printTable(rows: readonly ResultRow[]): void {
  const headers: (keyof ResultRow)[] = ['benchmark', 'sdk', 'raw', 'ratio', 'target', 'verdict'];
  const widths = headers.map((h) => Math.max(h.length, ...rows.map((r) => r[h].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ');
  console.log(line(headers));
  console.log(widths.map((w) => '-'.repeat(w)).join('-|-'));
  for (const row of rows) console.log(line(headers.map((h) => row[h])));
}

/**
 * Runs `sdk` and `raw` `rounds` times each, alternating which goes first, so
 * drift in the machine's load hits both sides alike.
 *
 * @example
 * const { sdk, raw } = await sideBySide(3, () => sdkRound(file), () => rawRound(file));
 */
export async function sideBySide<T>(rounds: number, sdk: () => Promise<T>, raw: () => Promise<T>): Promise<{ readonly sdk: T[]; readonly raw: T[] }> {
  const result = { sdk: [] as T[], raw: [] as T[] };
  for (let i = 0; i < rounds; i++) {
    const order = i % 2 === 0 ? (['sdk', 'raw'] as const) : (['raw', 'sdk'] as const);
    for (const side of order) result[side].push(await (side === 'sdk' ? sdk() : raw()));
  }
  return result;
}
