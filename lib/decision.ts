import type { ExitPlan } from './exit-plan';
import type { ArmValue } from './learners/learner';
import type { ImplausibleReason } from './plausibility';
import type { RegimeResult } from './regimes/regime-detector';
import type { ArmCredit } from './reward-credit';
import type { Liquidity, Side, StrategyId } from './types';

/**
 * A recorded selection: what the selector saw, what it chose and with which probability, and —
 * once the trade closes — the reward it was credited with. The decision is the unit of credit
 * assignment: a reward names a decision, never "the last selection for a symbol".
 */

/**
 * OPEN until a reward closes it (CLOSED). An implausible reward marks it REJECTED, with the
 * reason, and changes no cell; a later plausible event, or the same one re-published with
 * `override`, may still close it.
 */
export const DECISION_STATUSES = ['OPEN', 'CLOSED', 'REJECTED'] as const;
export type DecisionStatus = (typeof DECISION_STATUSES)[number];

/** What the learner would have chosen while the selector answered the default (shadow mode). */
export interface ShadowChoice {
  strategy: StrategyId;
  explored: boolean;
  propensity: number;
  policy: string;
}

/** The reward that closed a decision, recorded with it in the same transaction. */
export interface DecisionReward {
  realizedR: number;
  /** ISO-8601, as the TradeClosed event reported it. */
  closedAt: string;
  tradeId?: string;
  /** When the event reported an exit price (R is then computed from the plan, or cross-checked). */
  exitPrice?: number;
  /** The EventBridge event id that applied the reward. */
  eventId: string;
  /** Epoch milliseconds at which the reward was applied. */
  appliedAt: number;
  /**
   * Learner cells (arm × owner) this reward added to: 1 for the traded strategy's cell, up to 7
   * with a path (every tradeable profile), doubled when the policy pools across symbols.
   */
  cellsUpdated: number;
  /** What the reward added, arm by arm (the audit of the cells' sums). */
  credits: ArmCredit[];
  /** The pooled shard it added to, when the policy pools. */
  pooledShard?: number;
  /**
   * The seed policy only: the traded arm's count after this reward. The seed's EMA depends on
   * the order rewards commit in; sorting closed decisions by this replays it.
   */
  emaCount?: number;
  /** Set when an operator re-published an implausible reward deliberately: their reason. */
  override?: string;
  /** True when the event's `path` priced every profile (counterfactual updates were made). */
  pathUsed: boolean;
}

/** Why the latest TradeClosed event for a decision was refused; no cell changed. */
export interface DecisionRejection {
  reason: ImplausibleReason;
  message: string;
  eventId: string;
  /** ISO-8601, as the event reported it (or its time). */
  closedAt: string;
  /** What the event reported, as text (a number the store cannot hold is kept exactly this way). */
  reported: { realizedR?: string; exitPrice?: string; pathCandles?: number };
  tradeId?: string;
  /** Epoch ms. */
  at: number;
}

export interface Decision {
  decisionId: string;
  status: DecisionStatus;
  symbol: string;
  side: Side;
  timeframe?: string;
  regime: RegimeResult;
  /** The strategy answered to the bot (and credited with the trade's reward). */
  strategy: StrategyId;
  plan: ExitPlan;
  /** The regime's candidates after the liquidity filter, in profile order. */
  candidates: StrategyId[];
  /** What the learner knew of each candidate when it chose. */
  values: Partial<Record<StrategyId, ArmValue>>;
  explored: boolean;
  /** Probability with which `strategy` was answered (1 when the learner is disabled). */
  propensity: number;
  probabilities: Partial<Record<StrategyId, number>>;
  policy: string;
  /** Present when the selector was disabled: the learner's choice, recorded but not used. */
  shadowChoice?: ShadowChoice;
  signal?: { confidence?: number; source?: string };
  liquidity?: Liquidity;
  /** Epoch milliseconds. */
  createdAt: number;
  /** Epoch seconds after which DynamoDB TTL may delete the decision. */
  expiresAt: number;
  /** `t` of the last candle the decision was made on: a TradeClosed `path` must start after it. */
  lastCandleAt?: number;
  /** The select's `idempotencyKey`, when it sent one (the decision id is derived from it). */
  idempotencyKey?: string;
  /** Hash of the select request with that key, to tell a retry from a reuse of the key. */
  requestHash?: string;
  reward?: DecisionReward;
  /** The latest refused reward, while the decision is REJECTED (kept once it is closed later). */
  rejection?: DecisionRejection;
}

const SECONDS_PER_DAY = 86_400;

/** The TTL (epoch seconds) of a decision created at `createdAtMs` and kept for `ttlDays`. */
export function decisionExpiresAt(createdAtMs: number, ttlDays: number): number {
  return Math.floor(createdAtMs / 1000) + ttlDays * SECONDS_PER_DAY;
}
