/**
 * Order statistics for the benchmarks. Percentiles are nearest-rank: always a value that was
 * actually observed, so a p99 over 10,000 samples is the 9,900th smallest, never an interpolation.
 */

export interface Summary {
  count: number;
  min: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}

/**
 * The nearest-rank `p`-th percentile (0 < p ≤ 100) of `sorted`, which must be in ascending order.
 * @throws RangeError on an empty sample or a percentile outside (0, 100].
 */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) throw new RangeError('percentile of an empty sample');
  if (!(p > 0 && p <= 100)) throw new RangeError(`percentile must be in (0, 100], got ${p}`);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, rank) - 1] ?? Number.NaN;
}

/** Count, extremes, mean and the percentiles the report uses, of samples in any order. */
export function summarize(samples: readonly number[]): Summary {
  const sorted = [...samples].sort((a, b) => a - b);
  const total = sorted.reduce((sum, value) => sum + value, 0);
  return {
    count: sorted.length,
    min: sorted[0] ?? Number.NaN,
    p50: percentile(sorted, 50),
    p90: percentile(sorted, 90),
    p99: percentile(sorted, 99),
    max: sorted.at(-1) ?? Number.NaN,
    mean: total / sorted.length,
  };
}

/** The median of samples in any order (nearest rank, so the lower middle of an even count). */
export function median(samples: readonly number[]): number {
  return percentile(
    [...samples].sort((a, b) => a - b),
    50,
  );
}

/** `value / baseline`, or NaN when the baseline is not a positive number. */
export function ratio(value: number, baseline: number): number {
  return baseline > 0 && Number.isFinite(baseline) ? value / baseline : Number.NaN;
}

/**
 * The median of the ratios of paired samples, `values[i] / baselines[i]`: each value set against
 * the baseline measured next to it, so that a slow spell of the machine that hits both cancels.
 * @throws RangeError when the two samples differ in length or are empty.
 */
export function pairedMedianRatio(values: readonly number[], baselines: readonly number[]): number {
  if (values.length !== baselines.length || values.length === 0) {
    throw new RangeError(
      `paired samples must have one equal, non-zero length (${values.length}, ${baselines.length})`,
    );
  }
  return median(values.map((value, index) => ratio(value, baselines[index] ?? Number.NaN)));
}

/** `value` rounded to `digits` decimals (for the report; the measurements keep full precision). */
export function round(value: number, digits = 2): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

/**
 * The order in which round `round` runs `count` alternatives: rotated by one each round, so
 * that none always runs first (warmest caches, quietest machine) or last.
 */
export function rotation(count: number, round: number): number[] {
  return Array.from({ length: count }, (_, index) => (index + round) % count);
}
