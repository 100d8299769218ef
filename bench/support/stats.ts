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
 * The median of `values` (nearest rank); NaN when empty.
 *
 * @example
 * median([5, 1, 3]); // 3
 */
export function median(values: readonly number[]): number {
  return quantile(values, 0.5);
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

/**
 * One row of the final table. `rx` is runloop-rx, `official` the official
 * `@runloop/api-client` doing the same work in the same run, `floor` what the
 * machine itself manages for that work (process spawn, pipe rate, raw HTTP),
 * `ahead` how far runloop-rx is ahead of the official client (×1.00 = even,
 * above 1 = faster or fewer requests).
 */
export interface ResultRow {
  readonly benchmark: string;
  readonly rx: string;
  readonly official: string;
  readonly floor: string;
  readonly ahead: string;
  readonly target: string;
  readonly verdict: string;
}

/** The table's columns, in order, with their headings. */
export const COLUMNS: ReadonlyArray<readonly [keyof ResultRow, string]> = [
  ['benchmark', 'benchmark'],
  ['rx', 'runloop-rx'],
  ['official', 'official'],
  ['floor', 'floor (this machine)'],
  ['ahead', 'rx ahead by'],
  ['target', 'target'],
  ['verdict', 'verdict'],
];

/**
 * A row that only reports (no official counterpart, no target).
 *
 * @example
 * infoRow('isolation: shutdown, ms', fmt(336, 0));
 */
export function infoRow(benchmark: string, rx: string, extra: Partial<ResultRow> = {}): ResultRow {
  return { benchmark, rx, official: '-', floor: '-', ahead: '-', target: '-', verdict: '-', ...extra };
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
 * printTable([infoRow('exec', '1.0')]);
 */
export function printTable(rows: readonly ResultRow[]): void {
  const widths = COLUMNS.map(([key, title]) => Math.max(title.length, ...rows.map((r) => r[key].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ');
  console.log(line(COLUMNS.map(([, title]) => title)));
  console.log(widths.map((w) => '-'.repeat(w)).join('-|-'));
  for (const row of rows) console.log(line(COLUMNS.map(([key]) => row[key])));
}

/**
 * Runs every side once per round, rotating which goes first, so drift in
 * the machine's load hits all sides alike; returns each side's results.
 *
 * @example
 * const { rx, official } = await interleave(3, { rx: () => rxRound(), official: () => officialRound() });
 */
export async function interleave<K extends string, T>(
  rounds: number,
  sides: Record<K, () => Promise<T>>,
): Promise<Record<K, T[]>> {
  const names = Object.keys(sides) as K[];
  const result = Object.fromEntries(names.map((name) => [name, [] as T[]])) as Record<K, T[]>;
  for (let i = 0; i < rounds; i++) {
    for (let k = 0; k < names.length; k++) {
      const name = names[(i + k) % names.length] as K;
      result[name].push(await sides[name]());
    }
  }
  return result;
}
