import type { Decision } from '../../lib/decision';
import type { StoredCell } from '../../lib/store/selector-store';
import type { RegimeName, StrategyId } from '../../lib/types';

/** One learner cell as `GET /v1/stats` shows it. */
export interface CellView {
  /** Mean R over every reward of the cell: what the default learner reads (before pooling). */
  value: number;
  mean: number;
  /** Standard deviation of one reward's R. */
  sdR: number;
  /** The seed learner's EMA of real R (what `LEARNER=seed` reads; 0 under the default learner). */
  ema: number;
  count: number;
  realCount: number;
  counterfactualCount: number;
  wins: number;
  losses: number;
  totalR: number;
  /** ISO-8601; null before the first update. */
  lastUpdate: string | null;
  /** Real rewards of this strategy whose decision was an exploration draw. */
  explorations: number;
}

export interface RegimeStatsView {
  /** Real rewards credited in this regime, all strategies. */
  rewards: number;
  /** Of those, how many came from exploration draws. */
  explorations: number;
  strategies: Partial<Record<StrategyId, CellView>>;
}

export interface SymbolStatsView {
  symbol: string;
  regimes: Partial<Record<RegimeName, RegimeStatsView>>;
}

const isoOrNull = (epochMs: number) => (epochMs > 0 ? new Date(epochMs).toISOString() : null);

/** `GET /v1/stats?symbol=`: the symbol's cells grouped by regime, then strategy. */
export function symbolStatsView(symbol: string, cells: readonly StoredCell[]): SymbolStatsView {
  const regimes: SymbolStatsView['regimes'] = {};
  for (const { ref, stats } of cells) {
    const regime = regimes[ref.regime] ?? { rewards: 0, explorations: 0, strategies: {} };
    regimes[ref.regime] = regime;
    regime.rewards += stats.realCount;
    regime.explorations += stats.explorations;
    regime.strategies[ref.strategy] = {
      value: stats.mean,
      mean: stats.mean,
      sdR: stats.sdR,
      ema: stats.ema,
      count: stats.count,
      realCount: stats.realCount,
      counterfactualCount: stats.counterfactualCount,
      wins: stats.wins,
      losses: stats.losses,
      totalR: stats.sum,
      lastUpdate: isoOrNull(stats.lastUpdate),
      explorations: stats.explorations,
    };
  }
  return { symbol, regimes };
}

/**
 * `GET /v1/decisions/{decisionId}`: the decision and its reward status (OPEN, CLOSED with R, or
 * REJECTED with the reason its reward was refused).
 */
export function decisionView(decision: Decision) {
  const { reward, createdAt, ...rest } = decision;
  return {
    ...rest,
    createdAt: new Date(createdAt).toISOString(),
    reward: reward === undefined ? null : { ...reward, appliedAt: new Date(reward.appliedAt).toISOString() },
  };
}
