import type { ArmId, ArmSpec } from './arms';
import type { ExitPlan } from './exit-plan';
import type { ArmValue, CandidateEvidence } from './learners/learner';
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
  /** The learner's arm. */
  arm: ArmId;
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
   * Learner cells (arm × owner) this reward added to: 1 for the traded arm's cell, one per arm
   * the path determined, tripled when the policy pools (the pooled shard and the symbol's total).
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
  /** The profile answered to the bot: the contract's `strategy`, the base of `arm`. */
  strategy: StrategyId;
  /** The arm answered (credited with the trade's reward): `strategy` with its distances scaled. */
  arm: ArmSpec;
  plan: ExitPlan;
  /** The regime's candidates after the liquidity filter, in profile order. */
  candidates: ArmId[];
  /** What the learner knew of each candidate when it chose. */
  values: Partial<Record<ArmId, ArmValue>>;
  /** What the learner weighed, per candidate (learners that weigh evidence). */
  evidence?: Partial<Record<ArmId, CandidateEvidence>>;
  /** One sentence: why this arm. */
  reason: string;
  explored: boolean;
  /** Probability with which `strategy` was answered (1 when the learner is disabled). */
  propensity: number;
  probabilities: Partial<Record<ArmId, number>>;
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

/** The arm a decision traded (decisions recorded before arms existed traded their profile). */
export function decisionArm(decision: Pick<Decision, 'strategy'> & { arm?: ArmSpec }): ArmId {
  return decision.arm?.id ?? decision.strategy;
}
