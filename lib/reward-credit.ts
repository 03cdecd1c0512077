import { buildExitPlan, type ExitPlan, realizedRFromExit } from './exit-plan';
import { type ArmIncrement, armIncrement, quantizeR } from './learners/cell-stats';
import {
  type Implausibility,
  type PlausibilitySettings,
  planPricesArePositive,
  rewardImplausibility,
} from './plausibility';
import { getProfile } from './profiles';
import { type Bar, simulateTrade } from './simulator';
import { type Side, STRATEGY_IDS, type StrategyId } from './types';

/**
 * The credit core: what one closed trade teaches, computed purely from the decision and the
 * event. The reward use case writes it to DynamoDB; the backtest adds it to its in-memory cells.
 * Both call these functions, so the policy measured is the policy that runs.
 */

/** One strategy's reward from one closed trade. */
export interface ArmCredit {
  strategy: StrategyId;
  /** On the cells' grid (1e-6 R). */
  realizedR: number;
  /** True when simulated on the trade's path rather than traded. */
  counterfactual: boolean;
}

/** What of a decision the credit reads. */
export interface CreditedTrade {
  side: Side;
  plan: ExitPlan;
  strategy: StrategyId;
  explored: boolean;
}

/** The plan `strategy` gets at this entry and ATR, or undefined when a price would not be positive. */
export function plausiblePlan(
  side: Side,
  entry: number,
  atr: number,
  strategy: StrategyId,
): ExitPlan | undefined {
  const plan = buildExitPlan({ side, entry, atr, profile: getProfile(strategy) });
  return planPricesArePositive(plan) ? plan : undefined;
}

/**
 * What one closed trade teaches: the traded strategy its real R (always first), and, when a
 * non-empty `path` is given, every other profile whose plan is tradeable at the trade's entry and
 * ATR the R it would have made on that path (planned with `buildExitPlan`, replayed with the one
 * simulator, exiting at the horizon or at the path's last close). An empty path replays nothing.
 * Every R is put on the cells' grid.
 */
export function armCredits(
  trade: Pick<CreditedTrade, 'side' | 'plan' | 'strategy'>,
  realizedR: number,
  path: readonly Bar[] | undefined,
  horizonBars: number,
): ArmCredit[] {
  return counterfactualPlans(trade, path, horizonBars).reduce<ArmCredit[]>(
    (credits, other) => {
      credits.push({ strategy: other.strategy, realizedR: quantizeR(other.realizedR), counterfactual: true });
      return credits;
    },
    [{ strategy: trade.strategy, realizedR: quantizeR(realizedR), counterfactual: false }],
  );
}

/** Every other tradeable profile's plan and its outcome on `path` (none without a path). */
function counterfactualPlans(
  trade: Pick<CreditedTrade, 'side' | 'plan' | 'strategy'>,
  path: readonly Bar[] | undefined,
  horizonBars: number,
): { strategy: StrategyId; plan: ExitPlan; realizedR: number }[] {
  if (path === undefined || path.length === 0) return [];
  const { side, plan } = trade;
  return STRATEGY_IDS.flatMap((strategy) => {
    if (strategy === trade.strategy) return [];
    const other = plausiblePlan(side, plan.entry, plan.atr, strategy);
    if (other === undefined) return [];
    const outcome = simulateTrade({ side, plan: other, bars: path, horizonBars });
    return [{ strategy, plan: other, realizedR: outcome.realizedR }];
  });
}

/** What each arm of a cell gets from `credits`: the traded arm counts an exploration draw. */
export function cellIncrements(
  credits: readonly ArmCredit[],
  explored: boolean,
): Partial<Record<StrategyId, ArmIncrement>> {
  const increments: Partial<Record<StrategyId, ArmIncrement>> = {};
  for (const credit of credits) {
    increments[credit.strategy] = armIncrement(credit.realizedR, credit.counterfactual, explored);
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
  return { plausible: true, realizedR, credits: armCredits(decision, realizedR, path, options.horizonBars) };
}
