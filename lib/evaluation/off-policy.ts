import type { Rng } from '../types';
import type { LoggedDecision } from './logged-decision';
import type { TargetPolicy } from './target-policy';

/**
 * Off-policy evaluation: what a target policy would have earned per trade on decisions logged by
 * another, from the propensities the decisions recorded. Each decision i is reweighted by
 * w_i = π(a_i | x_i) / p_i, the target's probability of the logged strategy over the logging one's.
 * IPS averages w_i·r_i (unbiased when every strategy the target can choose had p > 0); the
 * self-normalised estimate divides by Σ w_i instead of n (slightly biased, far less variance).
 */

/** An estimate with its confidence interval, in R per trade. */
export interface IntervalEstimate {
  value: number;
  low: number;
  high: number;
}

export interface OffPolicyEstimate {
  policy: string;
  /** Decisions evaluated. */
  decisions: number;
  /** Decisions whose logged strategy the target policy could have chosen (w > 0). */
  matched: number;
  /** (Σw)² / Σw²: how many decisions the estimate is really worth. */
  effectiveSampleSize: number;
  ips: IntervalEstimate;
  /** `undefined` when no decision matched (Σw = 0). */
  snips: IntervalEstimate | undefined;
}

export interface EstimateOptions {
  /** Two-sided confidence level of the intervals, in (0, 1). Default 0.95. */
  confidence?: number;
  /**
   * Resamples for percentile bootstrap intervals (with `rng`); 0 (default) uses the normal
   * approximation (the delta method for the self-normalised estimate).
   */
  bootstrap?: number;
  rng?: Rng;
}

/**
 * Estimates the value of `target` on `decisions` with IPS and self-normalised IPS, each with a
 * confidence interval.
 * @throws RangeError when there is no decision, the confidence is outside (0, 1), or bootstrap
 *   resamples are asked for without an rng.
 */
export function estimatePolicyValue(
  decisions: readonly LoggedDecision[],
  target: TargetPolicy,
  options: EstimateOptions = {},
): OffPolicyEstimate {
  const confidence = options.confidence ?? 0.95;
  const bootstrap = options.bootstrap ?? 0;
  if (decisions.length === 0) throw new RangeError('no logged decision to evaluate');
  if (!(confidence > 0 && confidence < 1))
    throw new RangeError(`confidence must be in (0, 1) (got ${confidence})`);
  if (!(Number.isInteger(bootstrap) && bootstrap >= 0))
    throw new RangeError(`bootstrap must be a non-negative integer (got ${bootstrap})`);
  if (bootstrap > 0 && options.rng === undefined) throw new RangeError('bootstrap resamples need an rng');

  const weights = decisions.map(
    (decision) => target.probability(decision, decision.strategy) / decision.propensity,
  );
  const rewards = decisions.map((decision) => decision.realizedR);
  const n = decisions.length;
  const sumW = sum(weights);
  const sumW2 = sum(weights.map((w) => w * w));
  const ipsValue = ipsOf(weights, rewards, allIndices(n));
  const snipsValue = snipsOf(weights, rewards, allIndices(n));
  const z = normalQuantile(0.5 + confidence / 2);

  let ips: IntervalEstimate;
  let snips: IntervalEstimate | undefined;
  if (bootstrap > 0 && options.rng !== undefined) {
    const rng = options.rng;
    const ipsSamples: number[] = [];
    const snipsSamples: number[] = [];
    for (let b = 0; b < bootstrap; b++) {
      const sample = Array.from({ length: n }, () => Math.min(n - 1, Math.floor(rng() * n)));
      ipsSamples.push(ipsOf(weights, rewards, sample));
      const s = snipsOf(weights, rewards, sample);
      if (s !== undefined) snipsSamples.push(s);
    }
    ips = { value: ipsValue, ...percentileInterval(ipsSamples, confidence) };
    snips =
      snipsValue === undefined || snipsSamples.length === 0
        ? undefined
        : { value: snipsValue, ...percentileInterval(snipsSamples, confidence) };
  } else {
    const terms = weights.map((w, i) => w * (rewards[i] ?? 0));
    const ipsHalf = (z * sampleSd(terms)) / Math.sqrt(n);
    ips = { value: ipsValue, low: ipsValue - ipsHalf, high: ipsValue + ipsHalf };
    if (snipsValue !== undefined) {
      // Delta method: Var ≈ Σ w_i²·(r_i − V)² / (Σ w_i)².
      const residual = sum(weights.map((w, i) => w * w * ((rewards[i] ?? 0) - snipsValue) ** 2));
      const snipsHalf = (z * Math.sqrt(residual)) / sumW;
      snips = { value: snipsValue, low: snipsValue - snipsHalf, high: snipsValue + snipsHalf };
    }
  }
  return {
    policy: target.name,
    decisions: n,
    matched: weights.filter((w) => w > 0).length,
    effectiveSampleSize: sumW2 > 0 ? (sumW * sumW) / sumW2 : 0,
    ips,
    snips,
  };
}

function ipsOf(weights: readonly number[], rewards: readonly number[], sample: readonly number[]): number {
  let total = 0;
  for (const i of sample) total += (weights[i] ?? 0) * (rewards[i] ?? 0);
  return total / sample.length;
}

function snipsOf(
  weights: readonly number[],
  rewards: readonly number[],
  sample: readonly number[],
): number | undefined {
  let weighted = 0;
  let totalWeight = 0;
  for (const i of sample) {
    weighted += (weights[i] ?? 0) * (rewards[i] ?? 0);
    totalWeight += weights[i] ?? 0;
  }
  return totalWeight > 0 ? weighted / totalWeight : undefined;
}

function allIndices(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

function sum(values: readonly number[]): number {
  let total = 0;
  for (const value of values) total += value;
  return total;
}

function sampleSd(values: readonly number[]): number {
  if (values.length < 2) return 0;
  const mean = sum(values) / values.length;
  return Math.sqrt(sum(values.map((value) => (value - mean) ** 2)) / (values.length - 1));
}

/** The central `confidence` interval of bootstrap samples (nearest-rank percentiles). */
function percentileInterval(samples: readonly number[], confidence: number): { low: number; high: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) =>
    sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? 0;
  const tail = (1 - confidence) / 2;
  return { low: at(tail), high: at(1 - tail) };
}

/**
 * The standard normal quantile (Acklam's rational approximation, relative error below 1.2e-9),
 * e.g. 1.959964 for 0.975.
 * @throws RangeError outside (0, 1).
 */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`p must be in (0, 1) (got ${p})`);
  const a = [
    -39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716,
    2.506628277459239,
  ];
  const b = [
    -54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572,
  ];
  const c = [
    -0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968,
    2.938163982698783,
  ];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const [a0, a1, a2, a3, a4, a5] = a as [number, number, number, number, number, number];
  const [b0, b1, b2, b3, b4] = b as [number, number, number, number, number];
  const [c0, c1, c2, c3, c4, c5] = c as [number, number, number, number, number, number];
  const [d0, d1, d2, d3] = d as [number, number, number, number];
  const low = 0.02425;
  if (p < low) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (
      (((((c0 * q + c1) * q + c2) * q + c3) * q + c4) * q + c5) /
      ((((d0 * q + d1) * q + d2) * q + d3) * q + 1)
    );
  }
  if (p > 1 - low) return -normalQuantile(1 - p);
  const q = p - 0.5;
  const r = q * q;
  return (
    ((((((a0 * r + a1) * r + a2) * r + a3) * r + a4) * r + a5) * q) /
    (((((b0 * r + b1) * r + b2) * r + b3) * r + b4) * r + 1)
  );
}
