import { type ArmId, type ArmSpec, armProfile, REFERENCE_ARM } from './arms';
import { buildExitPlan, type ExitPlan, realizedRFromExit } from './exit-plan';
import { type ArmIncrement, armIncrement, quantizeR } from './learners/cell-stats';
import {
  type Implausibility,
  type PlausibilitySettings,
  planPricesArePositive,
  rewardImplausibility,
} from './plausibility';
import { type Bar, simulateTrade } from './simulator';
import type { Side } from './types';

/**
 * The credit core: what one closed trade teaches, computed purely from the decision and the
 * event. The reward use case writes it to DynamoDB; the backtest adds it to its in-memory cells.
 * Both call these functions, so the policy measured is the policy that runs.
 */

/** One arm's reward from one closed trade. */
export interface ArmCredit {
  arm: ArmId;
  /** On the cells' grid (1e-6 R). */
  realizedR: number;
  /** True when simulated on the trade's path rather than traded. */
  counterfactual: boolean;
  /**
   * The arm's R minus the reference arm's, both simulated on the same path, when the path
   * determined both outcomes (on the grid): the paired evidence of the arm's lead.
   */
  pairDiffR?: number;
}

/** What of a decision the credit reads. */
export interface CreditedTrade {
  side: Side;
  plan: ExitPlan;
  /** The traded arm. */
  arm: ArmId;
  explored: boolean;
}

/** The plan `arm` gets at this entry and ATR, or undefined when a price would not be positive. */
export function plausiblePlan(side: Side, entry: number, atr: number, arm: ArmSpec): ExitPlan | undefined {
  const plan = buildExitPlan({ side, entry, atr, profile: armProfile(arm) });
  return planPricesArePositive(plan) ? plan : undefined;
}

/** An arm's outcome on a path, and whether the path determined it. */
interface PathOutcome {
  arm: ArmId;
  plan: ExitPlan;
  realizedR: number;
  /**
   * False when the arm was still open where the path ends before the horizon: its R is not
   * known yet, so it is not credited (the backtest and the service alike).
   */
  determined: boolean;
}

/**
 * What one closed trade teaches: the traded arm its real R (always first), and, when a non-empty
 * `path` is given, every other arm of `arms` whose plan is tradeable at the trade's entry and ATR
 * the R it would have made on that path (planned with `buildExitPlan`, replayed with the one
 * simulator to the horizon) — but only an arm whose outcome the path determines: one that closed
 * within it, or any arm when the path reaches the horizon. An arm still open where a short path
 * ends is left out rather than guessed. When the path also determines the reference arm
 * (`REFERENCE_ARM`), every determined arm's credit carries its paired difference to it.
 * An empty path replays nothing. Every R is put on the cells' grid.
 */
export function armCredits(
  trade: Pick<CreditedTrade, 'side' | 'plan' | 'arm'>,
  realizedR: number,
  path: readonly Bar[] | undefined,
  horizonBars: number,
  arms: readonly ArmSpec[],
): ArmCredit[] {
  const outcomes = pathOutcomes(trade, path, horizonBars, arms).filter((outcome) => outcome.determined);
  const reference = outcomes.find((outcome) => outcome.arm === REFERENCE_ARM);
  const pairOf = (outcome: PathOutcome | undefined) =>
    reference === undefined || outcome === undefined || outcome.arm === REFERENCE_ARM
      ? {}
      : { pairDiffR: quantizeR(outcome.realizedR - reference.realizedR) };
  const traded: ArmCredit = {
    arm: trade.arm,
    realizedR: quantizeR(realizedR),
    counterfactual: false,
    ...pairOf(outcomes.find((outcome) => outcome.arm === trade.arm)),
  };
  const others = outcomes
    .filter((outcome) => outcome.arm !== trade.arm)
    .map((outcome) => ({
      arm: outcome.arm,
      realizedR: quantizeR(outcome.realizedR),
      counterfactual: true,
      ...pairOf(outcome),
    }));
  return [traded, ...others];
}

/** Every tradeable arm's plan and its outcome on `path`, the traded one included (none without a path). */
function pathOutcomes(
  trade: Pick<CreditedTrade, 'side' | 'plan' | 'arm'>,
  path: readonly Bar[] | undefined,
  horizonBars: number,
  arms: readonly ArmSpec[],
): PathOutcome[] {
  if (path === undefined || path.length === 0) return [];
  const { side, plan } = trade;
  return arms.flatMap((arm) => {
    const armPlan = plausiblePlan(side, plan.entry, plan.atr, arm);
    if (armPlan === undefined) return [];
    const outcome = simulateTrade({ side, plan: armPlan, bars: path, horizonBars });
    return [
      {
        arm: arm.id,
        plan: armPlan,
        realizedR: outcome.realizedR,
        determined: outcome.exitReason !== 'end_of_data',
      },
    ];
  });
}

/** What each arm of a cell gets from `credits`: the traded arm counts an exploration draw. */
export function cellIncrements(
  credits: readonly ArmCredit[],
  explored: boolean,
): Partial<Record<ArmId, ArmIncrement>> {
  const increments: Partial<Record<ArmId, ArmIncrement>> = {};
  for (const credit of credits) {
    increments[credit.arm] = armIncrement(
      credit.realizedR,
      credit.counterfactual,
      explored,
      credit.pairDiffR,
    );
  }
  return increments;
}

/**
 * No reward beyond this is ever credited, override or not: the cells keep Σ R² in integer micro-R²,
 * which stays exact (below 2^53) for thousands of rewards of this size.
 */
export const MAX_CREDITABLE_ABS_R = 1000;

/** A closed trade as the reward use case and the backtest both judge it. */
export interface ClosedTrade {
  realizedR?: number;
  exitPrice?: number;
  /** Epoch ms. */
  closedAt: number;
  path?: readonly (Bar & { t?: number })[];
}

/** The credits of a closed trade, or why it is refused. */
export type TradeCredit =
  | { plausible: true; realizedR: number; credits: ArmCredit[] }
  | { plausible: false; implausibility: Implausibility };

/**
 * Judges a closed trade against its decision and computes its credits. R is `realizedR` when
 * given (authoritative: it includes partial closes an exit price cannot show), otherwise the
 * whole position at `exitPrice`. With `override`, the plausibility checks are skipped (an
 * operator re-publishing a reward known to be real), never the grid.
 * @throws TypeError when neither `realizedR` nor `exitPrice` is given (the contract forbids it).
 */
export function creditClosedTrade(
  decision: CreditedTrade & { createdAt: number; lastCandleAt?: number },
  trade: ClosedTrade,
  options: {
    horizonBars: number;
    /** The arms a path credits (the policy's). */
    arms: readonly ArmSpec[];
    fullInformation: boolean;
    plausibility: PlausibilitySettings;
    now: number;
    override?: boolean;
  },
): TradeCredit {
  const exitPriceR =
    trade.exitPrice === undefined
      ? undefined
      : realizedRFromExit(decision.plan, decision.side, trade.exitPrice);
  const reported = trade.realizedR ?? exitPriceR;
  if (reported === undefined) throw new TypeError('a reward needs realizedR or exitPrice');
  // Only an R a cell could hold is put on its grid; any other is refused below as it was reported.
  const realizedR = Math.abs(reported) <= MAX_CREDITABLE_ABS_R ? quantizeR(reported) : reported;
  const path = options.fullInformation ? trade.path : undefined;
  if (!(Math.abs(realizedR) <= MAX_CREDITABLE_ABS_R)) {
    return {
      plausible: false,
      implausibility: {
        reason: 'r-beyond-bound',
        message: `realizedR ${reported} exceeds ±${MAX_CREDITABLE_ABS_R} R, the most a cell can hold exactly, even with override`,
      },
    };
  }
  if (options.override !== true) {
    const first = trade.path?.[0];
    const implausibility = rewardImplausibility(
      {
        side: decision.side,
        plan: decision.plan,
        createdAt: decision.createdAt,
        ...(decision.lastCandleAt === undefined ? {} : { lastCandleAt: decision.lastCandleAt }),
        realizedR,
        ...(exitPriceR === undefined ? {} : { exitPriceR }),
        ...(trade.path === undefined ? {} : { pathOpens: trade.path }),
        ...(first?.t === undefined ? {} : { pathStartsAt: first.t }),
        closedAt: trade.closedAt,
        now: options.now,
      },
      options.plausibility,
    );
    if (implausibility !== undefined) return { plausible: false, implausibility };
  }
  return {
    plausible: true,
    realizedR,
    credits: armCredits(decision, realizedR, path, options.horizonBars, options.arms),
  };
}
