import type { ArmId } from '../arms';
import type { ExitReason } from '../simulator';
import type { RegimeName, Side, StrategyId } from '../types';
import type { PolicySummary } from './metrics';
import type { PairedDifference } from './paired-statistics';

/** What a backtest produces: its trades, and the figures every report is drawn from. */

/** One trade of one policy. Bar numbers index its symbol's candles. */
export interface BacktestTrade {
  symbol: string;
  /** The signal bar: entry at its close. */
  entryBar: number;
  /** The signal bar's time, epoch milliseconds. */
  entryT: number;
  side: Side;
  entry: number;
  /** The ATR the plan was sized with (the detector's `features.atr`). */
  atr: number;
  /** As this policy's own detector saw it (the cell it learned in). */
  regime: RegimeName;
  /** The profile traded (the contract's `strategy`). */
  strategy: StrategyId;
  /** The arm traded: `strategy`, or one of its scaled variants. */
  arm: ArmId;
  explored: boolean;
  propensity: number;
  realizedR: number;
  exitReason: ExitReason;
  /**
   * The bar the position finished closing on. A policy that learns only the traded arm learns at
   * this bar; a full-information one once the path reaches the horizon (`creditBar`).
   */
  closeBar: number;
  /** That bar's time, epoch milliseconds. */
  closeT: number;
}

/** Cumulative R after each trade, in close order. */
export interface EquityPoint {
  /** The trade's close time, epoch milliseconds. */
  t: number;
  cumulativeR: number;
}

/** What a policy ended up knowing of one (symbol, regime, strategy) cell. */
export interface LearnedCell {
  /** `null`: the regime's cell pooled across symbols (the oracle's hindsight figures). */
  symbol: string | null;
  regime: RegimeName;
  strategy: StrategyId;
  /** The value the learner shows for the arm (its `candidates[…].value`); the cell's mean if it shows none. */
  value: number;
  count: number;
  realCount: number;
  counterfactualCount: number;
  meanR: number;
  /** Whether the policy offers this strategy in this regime (the oracle: every strategy). */
  candidate: boolean;
}

/** How a row of the report was obtained, so that no reader takes a hindsight figure for a causal one. */
export type PolicyBasis = 'causal' | 'in-sample';

export interface PolicyResult {
  name: string;
  /** `in-sample` for the oracle, which chose its profiles knowing every outcome. */
  basis: PolicyBasis;
  summary: PolicySummary;
  /** In close order (ties: entry order, then symbol order). */
  trades: BacktestTrade[];
  equity: EquityPoint[];
  /**
   * The same figures over the trades by regime at entry, every policy by the one regime
   * definition of the run (`BacktestResult.regimesFrom`), so that rows compare like with like.
   */
  regimes: Partial<Record<RegimeName, PolicySummary>>;
  /** By symbol, in the run's symbol order. */
  symbols: Record<string, PolicySummary>;
  sides: Partial<Record<Side, PolicySummary>>;
  /** By the UTC year of each trade's close. */
  years: Record<string, PolicySummary>;
  /** Fraction of decisions that were exploration draws. */
  explorationRate: number;
  /** Signals this policy could not trade: no usable ATR, or no plan with every price positive. */
  skippedSignals: number;
  /** Trades whose reward the service would refuse as implausible: they count, but taught nothing. */
  implausibleRewards: number;
  /**
   * Final cells, symbol by symbol, regime by regime in `REGIMES` order, strategies in profile
   * order. For the oracle: each static strategy's mean R over the regime's trades in hindsight.
   */
  learned: LearnedCell[];
}

/** One symbol of the run. */
export interface SymbolRun {
  symbol: string;
  bars: number;
  /** Non-zero signals that had at least one bar after them to trade on. */
  signals: number;
  /** Times of the first and last bar, epoch milliseconds. */
  firstT: number;
  lastT: number;
}

/** A policy against one baseline on the signals both traded. */
export interface PolicyComparison extends PairedDifference {
  policy: string;
  baseline: string;
}

export interface BacktestResult {
  /** Bars over every symbol. */
  bars: number;
  /** Signals traded over every symbol. */
  signals: number;
  horizonBars: number;
  lookbackBars: number;
  seed: number;
  /** In the order given. */
  symbols: SymbolRun[];
  /**
   * The given policies in order, then (when the run had static policies) the walk-forward best
   * static and the hindsight oracle.
   */
  policies: PolicyResult[];
  /** The oracle's strategy per regime, chosen in hindsight. */
  oracleChoices: Partial<Record<RegimeName, StrategyId>>;
  /** The policy whose detected regimes define every regime row (and the oracle's groups). */
  regimesFrom: string | undefined;
  /** Every policy against every static policy and the walk-forward one, on the same signals. */
  comparisons: PolicyComparison[];
}
