/**
 * Rows that compare runloop-rx with the official client (and the machine's
 * floor) from samples of one interleaved run: medians, the "ahead by" ratio
 * the right way round for the unit, and targets stated as ratios.
 */
import { fmt, median, type ResultRow } from './stats.js';

/** Lower is better for times and request counts, higher for rates. */
export type Unit = 'ms' | 's' | 'MB/s' | 'requests';

/** A target as a ratio: `check` gets the medians and says whether it is met. */
export interface RatioTarget {
  readonly label: string;
  readonly check: (m: { readonly rx: number; readonly official: number; readonly floor: number }) => boolean;
}

const LOWER_IS_BETTER: Record<Unit, boolean> = { ms: true, s: true, 'MB/s': false, requests: true };

/**
 * How far `rx` is ahead of `other`: ×1.25 means 25 % better, whatever the unit.
 *
 * @example
 * aheadBy('ms', 20, 25); // 1.25
 */
export function aheadBy(unit: Unit, rx: number, other: number): number {
  return LOWER_IS_BETTER[unit] ? other / rx : rx / other;
}

/**
 * A comparison row from samples (medians taken here); `floor` may be absent.
 *
 * @example
 * compareRow({ benchmark: 'exec true p50', unit: 'ms', rx, official, floor, targets: [AT_LEAST_OFFICIAL] });
 */
export function compareRow(options: {
  readonly benchmark: string;
  readonly unit: Unit;
  readonly rx: readonly number[];
  readonly official?: readonly number[];
  readonly floor?: readonly number[];
  readonly digits?: number;
  readonly targets?: readonly RatioTarget[];
}): ResultRow {
  const digits = options.digits ?? (options.unit === 'requests' ? 0 : 1);
  const m = { rx: median(options.rx), official: median(options.official ?? []), floor: median(options.floor ?? []) };
  const targets = options.targets ?? [];
  const missed = targets.filter((t) => !t.check(m)).map((t) => t.label);
  const ahead = aheadBy(options.unit, m.rx, m.official);
  return {
    benchmark: `${options.benchmark}, ${options.unit}`,
    rx: fmt(m.rx, digits),
    official: fmt(m.official, digits),
    floor: fmt(m.floor, digits),
    ahead: Number.isFinite(ahead) ? `×${ahead.toFixed(2)}` : '-',
    target: targets.length === 0 ? '-' : targets.map((t) => t.label).join('; '),
    verdict: targets.length === 0 ? '-' : missed.length === 0 ? 'met' : `MISSED: ${missed.join('; ')}`,
  };
}

/**
 * Target: at least `times` the official client (×1.0 = even; no band for noise: medians of interleaved rounds decide).
 *
 * @example
 * compareRow({ ..., targets: [atLeastOfficial('ms')] });
 */
export function atLeastOfficial(unit: Unit, times = 1): RatioTarget {
  return { label: `≥ ×${times.toFixed(1)} official`, check: (m) => aheadBy(unit, m.rx, m.official) >= times };
}

/**
 * Target: within `factor` of the floor (for times: rx ≤ factor × floor; for rates: rx ≥ factor × floor).
 *
 * @example
 * withinFloor('ms', 1.5, 'spawn floor'); // rx p50 ≤ 1.5 × spawn
 */
export function withinFloor(unit: Unit, factor: number, floorName: string): RatioTarget {
  return LOWER_IS_BETTER[unit]
    ? { label: `≤ ${factor}× ${floorName}`, check: (m) => m.rx <= factor * m.floor }
    : { label: `≥ ${factor}× ${floorName}`, check: (m) => m.rx >= factor * m.floor };
}
