import type { CellStats } from './learner';

/**
 * A learner cell holds sums, never a running average, so that every reward is an `ADD` that
 * commutes with every other: rewards may commit in any order, concurrently, and the cell ends the
 * same. R is kept on a fixed decimal grid (micro-R) and summed as integers, so that DynamoDB's
 * decimal arithmetic, the backtest's in-memory fold and a re-count from the decisions all give
 * exactly the same totals.
 */

/** R is credited in steps of 1e-6 R: finer digits are noise, and integers sum exactly. */
export const MICRO_PER_R = 1_000_000;

/** `realizedR` on the micro-R grid, as an integer; −0 becomes 0 (DynamoDB stores no negative zero). */
export function toMicroR(realizedR: number): number {
  const micro = Math.round(realizedR * MICRO_PER_R);
  // Beyond 2^53 micro-R (about 9e9 R) an integer is no longer exact; NaN and ±Infinity never are.
  if (!Number.isSafeInteger(micro)) {
    throw new RangeError(`realizedR must be a finite number of at most ±9e9 R (got ${realizedR})`);
  }
  return micro === 0 ? 0 : micro;
}

/** `realizedR` rounded to the grid the cells keep (1e-6 R). */
export function quantizeR(realizedR: number): number {
  return toMicroR(realizedR) / MICRO_PER_R;
}

/**
 * What one reward adds to one arm of a cell. Every field is an integer, so adding increments is
 * exact and commutative, in memory and in DynamoDB alike.
 */
export interface ArmIncrement {
  /** Rewards (real and counterfactual). */
  n: number;
  /** Rewards of trades that used this arm (the rest, n − real, were simulated from another trade's path). */
  real: number;
  /** Σ R, in micro-R. */
  sumMicro: number;
  /** Σ R², in micro-R² (1e-6 R²), each square rounded to that grid. */
  sumSqMicro: number;
  wins: number;
  losses: number;
  /** Real rewards of trades whose decision was an exploration draw. */
  explorations: number;
  /** Trades whose path priced both this arm and the reference arm. */
  pairN: number;
  /** Σ (R − reference R), in micro-R. */
  pairSumMicro: number;
  /** Σ (R − reference R)², in micro-R². */
  pairSqMicro: number;
}

/** The names of an increment's fields, in a fixed order (the store's attribute suffixes). */
export const INCREMENT_FIELDS = [
  'n',
  'real',
  'sumMicro',
  'sumSqMicro',
  'wins',
  'losses',
  'explorations',
  'pairN',
  'pairSumMicro',
  'pairSqMicro',
] as const satisfies readonly (keyof ArmIncrement)[];

/**
 * The increment of one reward of `realizedR` (on the grid), real or counterfactual; with
 * `pairDiffR`, the arm's R minus the reference arm's on the same path, it also adds the pair.
 */
export function armIncrement(
  realizedR: number,
  counterfactual: boolean,
  explored: boolean,
  pairDiffR?: number,
): ArmIncrement {
  const micro = toMicroR(realizedR);
  const diff = pairDiffR === undefined ? 0 : toMicroR(pairDiffR);
  return {
    n: 1,
    real: counterfactual ? 0 : 1,
    sumMicro: micro,
    sumSqMicro: Math.round((micro * micro) / MICRO_PER_R),
    wins: micro > 0 ? 1 : 0,
    losses: micro < 0 ? 1 : 0,
    explorations: explored && !counterfactual ? 1 : 0,
    pairN: pairDiffR === undefined ? 0 : 1,
    pairSumMicro: diff,
    pairSqMicro: Math.round((diff * diff) / MICRO_PER_R),
  };
}

/** The stats of a cell whose arm holds `totals`; the derived fields (`sum`, `mean`, `sd`) are computed here once. */
export function cellStatsOf(
  totals: ArmIncrement,
  extra: { ema?: number; lastUpdate?: number } = {},
): CellStats {
  const { n } = totals;
  const sum = totals.sumMicro / MICRO_PER_R;
  const mean = n > 0 ? sum / n : 0;
  const variance = n > 1 ? Math.max(0, (totals.sumSqMicro / MICRO_PER_R - n * mean * mean) / (n - 1)) : 0;
  return {
    count: n,
    realCount: totals.real,
    counterfactualCount: n - totals.real,
    sumMicro: totals.sumMicro,
    sumSqMicro: totals.sumSqMicro,
    sum,
    mean,
    sdR: Math.sqrt(variance),
    wins: totals.wins,
    losses: totals.losses,
    explorations: totals.explorations,
    pairN: totals.pairN,
    pairSumMicro: totals.pairSumMicro,
    pairSqMicro: totals.pairSqMicro,
    ema: extra.ema ?? 0,
    lastUpdate: extra.lastUpdate ?? 0,
  };
}

/** The integer totals of a cell (zero when it has never been rewarded). */
export function totalsOf(cell: CellStats | undefined): ArmIncrement {
  return {
    n: cell?.count ?? 0,
    real: cell?.realCount ?? 0,
    sumMicro: cell?.sumMicro ?? 0,
    sumSqMicro: cell?.sumSqMicro ?? 0,
    wins: cell?.wins ?? 0,
    losses: cell?.losses ?? 0,
    explorations: cell?.explorations ?? 0,
    pairN: cell?.pairN ?? 0,
    pairSumMicro: cell?.pairSumMicro ?? 0,
    pairSqMicro: cell?.pairSqMicro ?? 0,
  };
}

/** `a + b`, field by field. */
export function addIncrements(a: ArmIncrement, b: ArmIncrement): ArmIncrement {
  const sum = { ...a };
  for (const field of INCREMENT_FIELDS) sum[field] = a[field] + b[field];
  return sum;
}

/**
 * Adds one increment to a cell, as the store's `ADD` does; `previous` is never modified. The EMA
 * (read only by the seed learner) is not touched here: it depends on order, see {@link foldEma}.
 * `lastUpdate` keeps the latest time seen.
 */
export function addToCell(previous: CellStats | undefined, increment: ArmIncrement, at: number): CellStats {
  return cellStatsOf(addIncrements(totalsOf(previous), increment), {
    ema: previous?.ema ?? 0,
    lastUpdate: Math.max(previous?.lastUpdate ?? 0, at),
  });
}

/**
 * The seed learner's EMA after one more reward: the first reward sets it, every later one moves
 * it by `alpha`, ema = (1 − alpha)·ema + alpha·r. Order-dependent, unlike every other statistic:
 * only the seed policy's rewards pay for ordering (a read and a conditional write).
 * @throws RangeError when alpha is outside (0, 1].
 */
export function foldEma(previous: CellStats | undefined, realizedR: number, alpha: number): number {
  if (!(alpha > 0 && alpha <= 1)) throw new RangeError(`alpha must be in (0, 1] (got ${alpha})`);
  const r = quantizeR(realizedR);
  return previous === undefined || previous.count === 0 ? r : (1 - alpha) * previous.ema + alpha * r;
}

/** The stats of a cell that has never been rewarded. */
export function emptyCellStats(): CellStats {
  return cellStatsOf(totalsOf(undefined));
}
