import type { RegimeName, Rng, StrategyId } from '../types';

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
  /** Epoch milliseconds of the last update. */
  lastUpdate: number;
}

/** The value and evidence a learner shows for one candidate (the response's `candidates`). */
export interface ArmValue {
  value: number;
  count: number;
}

export type CellsByStrategy = Partial<Record<StrategyId, CellStats>>;

export interface ChooseInput {
  regime: RegimeName;
  /** Non-empty, in profile order. */
  candidates: readonly StrategyId[];
  /** The (symbol, regime) cells that exist; a missing strategy has never been rewarded. */
  cells: CellsByStrategy;
  /** The same regime's cells pooled across all symbols, when the store keeps them. */
  pooled?: CellsByStrategy;
  rng: Rng;
}

export interface Choice {
  strategy: StrategyId;
  /** True when the choice was not the learner's current best (an exploration draw). */
  explored: boolean;
  /** Exact probability with which `strategy` was chosen, ties split. */
  propensity: number;
  /** Probability of every candidate under this policy; sums to 1. */
  probabilities: Partial<Record<StrategyId, number>>;
  values: Partial<Record<StrategyId, ArmValue>>;
  /** A short, stable description of the policy and its parameters, recorded on the decision. */
  policy: string;
  /** Why this strategy, in one sentence with the numbers that decided (learners that explain themselves). */
  reason?: string;
  /** Per candidate, the evidence the learner weighed (learners that explain themselves). */
  evidence?: Partial<Record<StrategyId, CandidateEvidence>>;
}

/** What a learner knew of one candidate when it chose. */
export interface CandidateEvidence {
  /** Mean R of the evidence weighed: the symbol's own rewards, shrunk toward the other symbols'. */
  meanR: number;
  /** Trades the evidence counts as: own rewards plus the weight given to the other symbols'. */
  trades: number;
  /** Rewards in the symbol's own cell. */
  ownTrades: number;
  /** Rewards of the other symbols in the pooled cell (of which at most the pool prior counts). */
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
