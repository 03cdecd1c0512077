import { type ArmId, REFERENCE_ARM } from '../../lib/arms';
import type { Decision } from '../../lib/decision';
import { MICRO_PER_R } from '../../lib/learners/cell-stats';
import { DEFAULT_PAIRED_OPTIONS, pairedLead } from '../../lib/learners/paired-learner';
import type { StoredCell } from '../../lib/store/selector-store';
import type { RegimeName } from '../../lib/types';

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
  /** Real rewards of this arm whose decision was an exploration draw. */
  explorations: number;
  /**
   * The arm's lead over the reference arm (trend_rider), paired on the trades whose path priced
   * both, in this cell alone (select's evidence adds the pooled and the symbol's other regimes):
   * what the default learner ranks arms by. Absent for the reference and for arms without pairs.
   */
  lead?: LeadView;
}

export interface LeadView {
  /** Mean of (this arm's R − the reference's R). */
  meanR: number;
  /** Standard deviation of one trade's lead. */
  sdR: number;
  trades: number;
  /** meanR − t·sd/√trades, t = the learner's default confidence (1.5). */
  lowerR: number;
  /**
   * Paired trades this cell would still need, at the current lead and spread, for its lower bound
   * to clear 0; null when the lead is not positive.
   */
  tradesToClear: number | null;
}

export interface RegimeStatsView {
  /** Real rewards credited in this regime, all strategies. */
  rewards: number;
  /** Of those, how many came from exploration draws. */
  explorations: number;
  /** Keyed by arm: the seven profiles and, with ARM_SET=family, their scaled variants. */
  strategies: Partial<Record<ArmId, CellView>>;
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
    regime.strategies[ref.arm] = {
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
      ...(ref.arm === REFERENCE_ARM || stats.pairN === 0
        ? {}
        : { lead: leadView(stats.pairN, stats.pairSumMicro, stats.pairSqMicro) }),
    };
  }
  return { symbol, regimes };
}

/**
 * The paired lead of one arm's cell, as the stats endpoint shows it: the paired learner's own
 * estimate (`pairedLead`, default settings) on this cell's pairs alone, without the priors select
 * adds from the pooled cells and the symbol's other regimes.
 */
export function leadView(trades: number, sumMicro: number, sqMicro: number): LeadView {
  const sum = sumMicro / MICRO_PER_R;
  const sq = sqMicro / MICRO_PER_R;
  const evidence = pairedLead({ n: trades, sum, sq }, [], DEFAULT_PAIRED_OPTIONS);
  const variance = Math.max(DEFAULT_PAIRED_OPTIONS.minLeadVariance, sq / trades - evidence.meanR ** 2);
  return {
    meanR: evidence.meanR,
    sdR: Math.sqrt(variance),
    trades,
    lowerR: evidence.lowerR,
    tradesToClear: evidence.moreTradesToClear ?? null,
  };
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
