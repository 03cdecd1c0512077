import type { Rng } from '../types';

/**
 * Paired statistics of two policies traded on the same signals: the mean of their per-signal
 * differences in R, with a confidence interval from a circular block bootstrap. Blocks of
 * consecutive signals (in entry order) are resampled together, because trades that overlap in
 * time, or run on symbols that move together, win and lose together; resampling single trades
 * would make the interval too narrow.
 */

export interface BootstrapSettings {
  /** Bootstrap resamples. */
  resamples: number;
  /** Confidence level of the interval, in (0, 1). */
  level: number;
  /** Consecutive differences resampled together; default ⌈n^(1/3)⌉ for n differences. */
  blockLength?: number | undefined;
}

export const DEFAULT_BOOTSTRAP: Readonly<BootstrapSettings> = Object.freeze({ resamples: 2000, level: 0.95 });

/** One policy against one baseline on the signals both traded. */
export interface PairedDifference {
  /** Signals both traded. */
  trades: number;
  /** Mean of (policy R − baseline R) per signal; 0 with no signal. */
  meanDiffR: number;
  /** The bootstrap interval of the mean difference. */
  lowerR: number;
  upperR: number;
  level: number;
  blockLength: number;
  resamples: number;
  /**
   * Trades beyond `trades` the interval would need to exclude 0, if the mean difference stayed
   * where it is and the interval narrowed as 1/√n: 0 when it already excludes 0, `null` when
   * the mean difference is 0 (no number of trades would do).
   */
  moreTradesToExcludeZero: number | null;
}

/** The block length used when none is given: ⌈n^(1/3)⌉, the usual order for a mean. */
export function defaultBlockLength(count: number): number {
  return Math.max(1, Math.ceil(Math.cbrt(count)));
}

/**
 * The percentile interval of the mean of `values` under a circular block bootstrap: each resample
 * joins blocks of `blockLength` consecutive values (wrapping around the end) starting at uniform
 * positions, cut to `values.length`. Each resample consumes ⌈n / blockLength⌉ numbers from `rng`.
 *
 * @throws RangeError on an empty sample or a setting out of range.
 */
export function blockBootstrapInterval(
  values: readonly number[],
  settings: BootstrapSettings,
  rng: Rng,
): { lower: number; upper: number; blockLength: number } {
  const n = values.length;
  if (n === 0) throw new RangeError('cannot bootstrap an empty sample');
  const { resamples, level } = settings;
  const blockLength = Math.min(n, settings.blockLength ?? defaultBlockLength(n));
  if (!(Number.isInteger(resamples) && resamples >= 1))
    throw new RangeError(`resamples must be a positive integer (got ${resamples})`);
  if (!(level > 0 && level < 1)) throw new RangeError(`level must be in (0, 1) (got ${level})`);
  if (!(Number.isInteger(blockLength) && blockLength >= 1))
    throw new RangeError(`blockLength must be a positive integer (got ${settings.blockLength})`);

  // Prefix sums over the sample twice over: any wrapped block is one subtraction.
  const prefix = new Float64Array(2 * n + 1);
  for (let index = 0; index < 2 * n; index++) {
    prefix[index + 1] = (prefix[index] ?? 0) + (values[index % n] ?? 0);
  }
  const fullBlocks = Math.floor(n / blockLength);
  const rest = n - fullBlocks * blockLength;
  const means = new Float64Array(resamples);
  for (let resample = 0; resample < resamples; resample++) {
    let sum = 0;
    for (let block = 0; block < fullBlocks; block++) {
      const start = Math.floor(rng() * n);
      sum += (prefix[start + blockLength] ?? 0) - (prefix[start] ?? 0);
    }
    if (rest > 0) {
      const start = Math.floor(rng() * n);
      sum += (prefix[start + rest] ?? 0) - (prefix[start] ?? 0);
    }
    means[resample] = sum / n;
  }
  means.sort();
  const tail = (1 - level) / 2;
  return { lower: quantile(means, tail), upper: quantile(means, 1 - tail), blockLength };
}

/** Linear interpolation between order statistics (sorted ascending). */
function quantile(sorted: Float64Array, p: number): number {
  const position = p * (sorted.length - 1);
  const below = Math.floor(position);
  const above = Math.min(sorted.length - 1, below + 1);
  const low = sorted[below] ?? 0;
  const high = sorted[above] ?? 0;
  return low + (high - low) * (position - below);
}

/**
 * How many more trades an interval [lower, upper] around `meanDiffR` over `trades` would need to
 * exclude 0 at the same mean difference, its width shrinking as 1/√n: the side facing 0 is
 * (mean − lower) for a positive mean, so n must grow to n·((mean − lower)/mean)². 0 when the
 * interval already excludes 0; `null` when the mean is 0.
 */
export function moreTradesToExcludeZero(
  trades: number,
  meanDiffR: number,
  lowerR: number,
  upperR: number,
): number | null {
  if (lowerR > 0 || upperR < 0) return 0;
  if (meanDiffR === 0 || trades === 0) return null;
  const towardZero = meanDiffR > 0 ? meanDiffR - lowerR : upperR - meanDiffR;
  const needed = trades * (towardZero / meanDiffR) ** 2;
  return Math.max(1, Math.ceil(needed - trades));
}

/** The paired comparison of per-signal differences (policy R − baseline R), in entry order. */
export function pairedDifference(
  differences: readonly number[],
  settings: BootstrapSettings,
  rng: Rng,
): PairedDifference {
  const trades = differences.length;
  if (trades === 0) {
    return {
      trades,
      meanDiffR: 0,
      lowerR: 0,
      upperR: 0,
      level: settings.level,
      blockLength: settings.blockLength ?? 1,
      resamples: settings.resamples,
      moreTradesToExcludeZero: null,
    };
  }
  const meanDiffR = differences.reduce((sum, value) => sum + value, 0) / trades;
  const { lower, upper, blockLength } = blockBootstrapInterval(differences, settings, rng);
  // A bootstrap of identical differences returns the mean with rounding noise in the last digit.
  const identical = differences.every((value) => value === differences[0]);
  const lowerR = identical ? meanDiffR : lower;
  const upperR = identical ? meanDiffR : upper;
  return {
    trades,
    meanDiffR,
    lowerR,
    upperR,
    level: settings.level,
    blockLength,
    resamples: settings.resamples,
    moreTradesToExcludeZero: moreTradesToExcludeZero(trades, meanDiffR, lowerR, upperR),
  };
}
