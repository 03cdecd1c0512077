import type { ExitPlan } from './exit-plan';
import type { Side } from './types';

/**
 * What the selector accepts as plausible, one definition each, used by select, reward and the
 * backtest alike. A bot's bug must never reach a learner cell, and a plan must never hold a price
 * no market can trade at.
 */
export interface PlausibilitySettings {
  /** `entryPrice` must lie within this many ATRs of the last candle's close. */
  entryMaxDistanceAtr: number;
  /** A reward whose |R| exceeds this is implausible, whatever the plan. */
  rewardMaxAbsR: number;
  /**
   * How far, in ATRs, a fill may lie beyond the plan's stop or farthest target (slippage, a gap
   * through a level) before the reward is implausible. In ATRs rather than R, so that a tight
   * stop (scalp's 0.8 ATR) is allowed the same gap in price as a wide one.
   */
  rewardGapAllowanceAtr: number;
  /** How far a TradeClosed's `closedAt` may lie before the decision or after now, in ms. */
  clockSkewMs: number;
}

export const DEFAULT_PLAUSIBILITY: Readonly<PlausibilitySettings> = Object.freeze({
  entryMaxDistanceAtr: 10,
  rewardMaxAbsR: 20,
  rewardGapAllowanceAtr: 3,
  clockSkewMs: 300_000,
});

/**
 * Every price of the plan is positive and finite. A profile whose stop or targets would cross zero
 * (a SHORT on a market whose ATR is a large part of its price, say) cannot be traded as planned,
 * so it is not a candidate for that request.
 */
export function planPricesArePositive(plan: ExitPlan): boolean {
  const prices = [
    plan.stopLoss,
    ...plan.takeProfits.map((target) => target.price),
    plan.breakEven.triggerPrice,
    plan.trailing.activationPrice,
  ];
  return prices.every((price) => Number.isFinite(price) && price > 0);
}

/** The R a plan can realize: −1 at its stop, Σ closeFraction·r when every target fills. */
export interface PlanReach {
  minR: number;
  maxR: number;
  /** The R of the farthest target: no single exit fill lies beyond it. */
  farthestTargetR: number;
}

/** How far `plan` can reach in R, before any allowance. */
export function planReach(plan: ExitPlan): PlanReach {
  const maxR = plan.takeProfits.reduce((sum, target) => sum + target.closeFraction * target.r, 0);
  return { minR: -1, maxR, farthestTargetR: Math.max(...plan.takeProfits.map((target) => target.r)) };
}

/** `allowanceAtr` ATRs of price, in the plan's R (its 1 R is the distance from entry to the stop). */
export function allowanceR(plan: ExitPlan, allowanceAtr: number): number {
  return (allowanceAtr * plan.atr) / Math.abs(plan.entry - plan.stopLoss);
}

export const IMPLAUSIBLE_REASONS = [
  'r-beyond-bound',
  'r-beyond-plan-reach',
  'exit-price-beyond-plan-reach',
  'path-off-market',
  'closed-before-decision',
  'closed-in-future',
  'path-before-decision',
] as const;
export type ImplausibleReason = (typeof IMPLAUSIBLE_REASONS)[number];

/** Why a reward was refused, in words an operator reads. */
export interface Implausibility {
  reason: ImplausibleReason;
  message: string;
}

/** What a reward check reads of the decision and of the event. */
export interface RewardFacts {
  side: Side;
  plan: ExitPlan;
  /** Epoch ms the decision was recorded at. */
  createdAt: number;
  /** `t` of the last candle the decision saw; absent on decisions recorded before it was kept. */
  lastCandleAt?: number;
  /** The R to credit to the traded plan (given, or computed from the exit price). */
  realizedR: number;
  /** The R of the whole position closed at the reported exit price, when one was reported. */
  exitPriceR?: number;
  /** `t` of the path's first candle, when a non-empty path was sent. */
  pathStartsAt?: number;
  /** The path's opens, oldest first: each must lie near the close before it (the entry, for the first). */
  pathOpens?: readonly { o: number; c: number }[];
  /** Epoch ms of the close. */
  closedAt: number;
  /** Epoch ms now. */
  now: number;
}

/**
 * The first reason a reward is implausible for its decision, or undefined when it is plausible.
 * Checked in order: |R| against the absolute bound, R against the plan's reach widened by the
 * gap allowance (below −1 − allowance, above Σ fraction·r + allowance, the allowance being
 * `rewardGapAllowanceAtr` ATRs in the plan's R), the exit price's R against the stop and the
 * farthest target, the path's opens (the first within `entryMaxDistanceAtr` ATRs of the entry,
 * as an entry price must be, and every later open within as many ATRs of the close before it:
 * farther, the candles belong to another market), the close time
 * against the decision and the clock (both widened by the skew), and the path's first candle
 * against the decision's last one.
 */
export function rewardImplausibility(
  facts: RewardFacts,
  settings: PlausibilitySettings,
): Implausibility | undefined {
  const { realizedR, plan } = facts;
  const allowance = allowanceR(plan, settings.rewardGapAllowanceAtr);
  if (!(Math.abs(realizedR) <= settings.rewardMaxAbsR)) {
    return {
      reason: 'r-beyond-bound',
      message: `realizedR ${realizedR} exceeds the bound of ±${settings.rewardMaxAbsR} R`,
    };
  }
  const reach = planReach(plan);
  if (realizedR < reach.minR - allowance || realizedR > reach.maxR + allowance) {
    return {
      reason: 'r-beyond-plan-reach',
      message: `realizedR ${realizedR} is outside what the plan can reach (${fixed(reach.minR - allowance)} to ${fixed(reach.maxR + allowance)} R with the gap allowance of ${settings.rewardGapAllowanceAtr} ATR, ${fixed(allowance)} R)`,
    };
  }
  if (facts.exitPriceR !== undefined) {
    const low = reach.minR - allowance;
    const high = reach.farthestTargetR + allowance;
    if (!(facts.exitPriceR >= low && facts.exitPriceR <= high)) {
      return {
        reason: 'exit-price-beyond-plan-reach',
        message: `exitPrice lies at ${fixed(facts.exitPriceR)} R from entry, outside ${fixed(low)} to ${fixed(high)} R (stop to farthest target, with the allowance)`,
      };
    }
  }
  const gap = largestGap(plan, facts.pathOpens ?? []);
  if (gap !== undefined && !(gap.distanceAtr <= settings.entryMaxDistanceAtr)) {
    return {
      reason: 'path-off-market',
      message:
        gap.bar === 0
          ? `the path opens at ${gap.open}, ${fixed(gap.distanceAtr)} ATRs from the entry ${plan.entry} (at most ${settings.entryMaxDistanceAtr}): its candles do not belong to this trade`
          : `the path's bar ${gap.bar} opens at ${gap.open}, ${fixed(gap.distanceAtr)} ATRs from the close before it, ${gap.from} (at most ${settings.entryMaxDistanceAtr}): its candles do not belong to this trade`,
    };
  }
  if (facts.closedAt < facts.createdAt - settings.clockSkewMs) {
    return {
      reason: 'closed-before-decision',
      message: `closedAt ${new Date(facts.closedAt).toISOString()} is before the decision was made (${new Date(facts.createdAt).toISOString()})`,
    };
  }
  if (facts.closedAt > facts.now + settings.clockSkewMs) {
    return {
      reason: 'closed-in-future',
      message: `closedAt ${new Date(facts.closedAt).toISOString()} is in the future (now ${new Date(facts.now).toISOString()})`,
    };
  }
  if (
    facts.pathStartsAt !== undefined &&
    facts.lastCandleAt !== undefined &&
    !(facts.pathStartsAt > facts.lastCandleAt)
  ) {
    return {
      reason: 'path-before-decision',
      message: `the path starts at t=${facts.pathStartsAt}, not after the decision's last candle (t=${facts.lastCandleAt})`,
    };
  }
  return undefined;
}

/**
 * The path's largest gap, in ATRs: each bar's open against the close before it (the first
 * bar's against the entry). Bounding it bounds how far past a level a simulated fill can land,
 * so no arm the path prices can be credited an R far beyond its reach.
 */
function largestGap(
  plan: ExitPlan,
  bars: readonly { o: number; c: number }[],
): { bar: number; open: number; from: number; distanceAtr: number } | undefined {
  let largest: { bar: number; open: number; from: number; distanceAtr: number } | undefined;
  let from = plan.entry;
  for (const [bar, { o, c }] of bars.entries()) {
    const distanceAtr = Math.abs(o - from) / plan.atr;
    if (largest === undefined || !(distanceAtr <= largest.distanceAtr))
      largest = { bar, open: o, from, distanceAtr };
    from = c;
  }
  return largest;
}

function fixed(r: number): string {
  return Number(r.toFixed(3)).toString();
}
