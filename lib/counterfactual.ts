import { buildExitPlan } from './exit-plan';
import { getProfile } from './profiles';
import { type Bar, DEFAULT_HORIZON_BARS, simulateTrade, type TradeOutcome } from './simulator';
import { type Side, STRATEGY_IDS, type StrategyId } from './types';

/** What a closed trade tells about every profile: its entry, the ATR its plan was sized on, and the bars after entry. */
export interface CounterfactualInput {
  side: Side;
  entry: number;
  /** The ATR at entry that the decision's plan was built from. */
  atr: number;
  /** Candles after entry, oldest first, up to the trade's close (a TradeClosed event's `path`). Non-empty. */
  path: readonly Bar[];
  /** Bars after which a simulated position exits at the close. Default 48. */
  horizonBars?: number;
}

/**
 * The outcome each of the seven profiles would have had on one trade's price path: all profiles
 * share the entry and the ATR, so one path prices every arm. Every profile is planned with
 * `buildExitPlan` and replayed with the one simulator; a profile still open when the path ends
 * exits at its last close (`end_of_data`), since that is all the path tells. The backtest and
 * the reward function both call this, so that a counterfactual update means the same thing in
 * both.
 *
 * @throws InvalidPlanInputError when `entry` or `atr` cannot size a plan.
 * @throws InvalidSimulationInputError when `path` is empty or `horizonBars` is not a positive integer.
 */
export function counterfactualOutcomes(input: CounterfactualInput): Record<StrategyId, TradeOutcome> {
  const { side, entry, atr, path } = input;
  const horizonBars = input.horizonBars ?? DEFAULT_HORIZON_BARS;
  const outcomes = {} as Record<StrategyId, TradeOutcome>;
  for (const strategy of STRATEGY_IDS) {
    const plan = buildExitPlan({ side, entry, atr, profile: getProfile(strategy) });
    outcomes[strategy] = simulateTrade({ side, plan, bars: path, horizonBars });
  }
  return outcomes;
}
