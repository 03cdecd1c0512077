import type { ArmId } from '../arms';
import type { RegimeName, Rng } from '../types';

/**
 * What one learner cell (symbol, regime, strategy) knows: sums that every reward adds to
 * (see `cell-stats.ts`), and what is derived from them. `count` covers every reward;
 * `realCount` the rewards of trades that used this strategy, `counterfactualCount` the outcomes
 * simulated from another trade's price path.
 */
export interface CellStats {
  count: number;
  realCount: number;
  counterfactualCount: number;
  /** Σ R in micro-R (an integer): what the store adds to. */
  sumMicro: number;
  /** Σ R² in micro-R² (an integer). */
  sumSqMicro: number;
  /** Σ R. */
  sum: number;
  /** Mean R; 0 when empty. */
  mean: number;
  /** Sample standard deviation of R; 0 with fewer than two rewards. */
  sdR: number;
  wins: number;
  losses: number;
  /** Real rewards of trades whose decision was an exploration draw. */
  explorations: number;
  /** The seed learner's EMA of R (0 for every other policy, which never reads it). */
  ema: number;
  /**
   * Trades on which this arm's and the reference arm's (`REFERENCE_ARM`) outcomes were both
   * known from the same path, and Σ of the difference (this − reference) and of its square, in
   * micro-R and micro-R²: the paired evidence of the arm's lead, with the noise both share removed.
   */
  pairN: number;
  pairSumMicro: number;
  pairSqMicro: number;
  /** Epoch milliseconds of the last update. */
  lastUpdate: number;
}

/** The value a learner shows for one candidate (the response's `candidates`). */
export interface ArmValue {
  /** What the learner ranks the arm by (see the learner: a mean R, or a lead over the reference). */
  value: number;
  /** Rewards in the (symbol, regime) cell. */
  count: number;
}

export type CellsByArm = Partial<Record<ArmId, CellStats>>;

export interface ChooseInput {
  regime: RegimeName;
  /** Non-empty arm ids, in arm order (the seven profiles first, in profile order). */
  candidates: readonly ArmId[];
  /** The (symbol, regime) cell's arms that exist; a missing arm has never been rewarded. */
  cells: CellsByArm;
  /** The same regime's arms pooled across all symbols, when the store keeps them. */
  pooled?: CellsByArm;
  /** The same symbol's arms over every regime, when the store keeps them. */
  symbolTotal?: CellsByArm;
  rng: Rng;
}

export interface Choice {
  arm: ArmId;
  /** True when the choice was not the learner's current best (an exploration draw). */
  explored: boolean;
  /** Exact probability with which `arm` was chosen, ties split. */
  propensity: number;
  /** Probability of every candidate under this policy; sums to 1. */
  probabilities: Partial<Record<ArmId, number>>;
  values: Partial<Record<ArmId, ArmValue>>;
  /** One sentence: why this arm (kept the reference, or which challenger cleared which bound, with the numbers). */
  reason: string;
  /** A short, stable description of the policy and its parameters, recorded on the decision. */
  policy: string;
  /** Per candidate, the evidence the learner weighed (learners that weigh evidence). */
  evidence?: Partial<Record<ArmId, CandidateEvidence>>;
}

/** What a learner knew of one candidate when it chose. */
export interface CandidateEvidence {
  /**
   * Mean R of the evidence weighed: the symbol's own rewards, shrunk toward the other symbols'
   * (the paired learner: the mean lead over the reference arm, trade by trade).
   */
  meanR: number;
  /** Trades the evidence counts as: own rewards plus the weight given to the other symbols'. */
  trades: number;
  /** Rewards in the symbol's own cell. */
  ownTrades: number;
  /** Of `trades`, the weight given to the other symbols (and, paired learner, the symbol's other regimes). */
  pooledTrades: number;
  /** The confidence bounds the learner compares: meanR ∓ z·sd/√trades. */
  lowerR: number;
  upperR: number;
  /**
   * For a challenger: trades of evidence more, on both it and the anchor, that its lower bound
   * would need to clear the anchor's upper bound if the means stayed where they are; 0 when it
   * already does, `null` when it does not lead the anchor (no number of trades would do).
   */
  moreTradesToClear?: number | null;
}

/**
 * A learner chooses among a regime's candidates, purely, from the cells' sums. Rewards add to
 * the sums in any order (`cell-stats.ts`); a learner that also reads an EMA (the seed's) names its
 * `emaAlpha`, and only then are its rewards folded in commit order.
 */
export interface Learner {
  readonly policy: string;
  choose(input: ChooseInput): Choice;
  /** The EMA weight, for a learner that reads the order-dependent EMA; absent otherwise. */
  readonly emaAlpha?: number;
}
