import type { RegimeName, Rng, StrategyId } from '../types';

/**
 * What one learner cell (symbol, regime, strategy) knows. `count` covers every update;
 * `realCount` the rewards of trades that used this strategy, `counterfactualCount` the outcomes
 * simulated from another trade's price path.
 */
export interface CellStats {
  count: number;
  realCount: number;
  counterfactualCount: number;
  sum: number;
  mean: number;
  ema: number;
  lastReward: number;
  wins: number;
  losses: number;
  totalR: number;
  /** Epoch milliseconds of the last update. */
  lastUpdate: number;
}

/** One reward for one cell. */
export interface CellReward {
  realizedR: number;
  /** Epoch milliseconds. */
  at: number;
  /** True when the outcome was simulated from another trade's path rather than traded. */
  counterfactual: boolean;
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
}

/** A learner chooses among a regime's candidates and folds rewards into a cell, purely. */
export interface Learner {
  readonly policy: string;
  choose(input: ChooseInput): Choice;
  update(previous: CellStats | undefined, reward: CellReward): CellStats;
}
