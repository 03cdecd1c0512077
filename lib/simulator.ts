import type { ExitPlan, PlannedTakeProfit } from './exit-plan';
import type { Candle, Side } from './types';

/**
 * The one trade simulator: replays an exit plan over the candles after entry. Backtests use it
 * for the traded profile, counterfactual learning for every profile on the same path, so its
 * tie-breaks decide what the learner believes. They are listed on `simulateTrade`.
 */

export const DEFAULT_HORIZON_BARS = 48;

/** The prices the simulator reads; a full `Candle` (or an event's `path` item) fits. */
export type Bar = Pick<Candle, 'o' | 'h' | 'l' | 'c'>;

export type StopKind = 'stop_loss' | 'break_even' | 'trailing_stop';
export type ExitReason = StopKind | 'take_profit' | 'horizon' | 'end_of_data';
export type FillReason =
  | StopKind
  | 'take_profit_1'
  | 'take_profit_2'
  | 'take_profit_3'
  | 'horizon'
  | 'end_of_data';

export interface Fill {
  /** Bars after entry, from 0 (the first bar after entry). */
  readonly barIndex: number;
  readonly price: number;
  /** Fraction of the original position closed by this fill. */
  readonly fraction: number;
  readonly reason: FillReason;
}

export interface TradeOutcome {
  /** Σ fraction × (exit − entry) / (entry − initial stop): the standard R multiple. */
  readonly realizedR: number;
  readonly exitReason: ExitReason;
  /** Bar (counted from 0 after entry) on which the last part of the position closed. */
  readonly exitBarIndex: number;
  /** In the order they happened. */
  readonly fills: Fill[];
}

export interface SimulateTradeInput {
  side: Side;
  plan: ExitPlan;
  /** Candles after entry, oldest first. */
  bars: readonly Bar[];
  /** Bars after which the rest of the position exits at the close. Default 48. */
  horizonBars?: number;
  /**
   * Index in `bars` of the first bar after entry, so that a backtest can pass its whole series
   * without slicing it per trade. Default 0. Fill bar indices are counted from here.
   */
  startIndex?: number;
}

export type SimulationInputField = 'bars' | 'horizonBars' | 'startIndex' | 'plan';

/** The simulator was called with inputs it cannot replay; `field` names the offending input. */
export class InvalidSimulationInputError extends Error {
  override readonly name = 'InvalidSimulationInputError';

  constructor(
    readonly field: SimulationInputField,
    message: string,
  ) {
    super(message);
  }
}

const TARGET_REASONS = ['take_profit_1', 'take_profit_2', 'take_profit_3'] as const;

/**
 * Replays `plan` over `bars` and returns the realized R, why and when the position ended, and
 * every fill. Follows the design's exit-plan semantics; for LONG (SHORT mirrors every comparison,
 * with the bar's low as its favourable extreme):
 *
 * - Initial stop `plan.stopLoss`; targets fill in order, each closing its `closeFraction` of the
 *   original position. The position is the sum of the three close fractions (1 for every profile).
 * - Touching is inclusive: a high equal to a target fills it, a low equal to the stop stops out.
 * - Each bar is read open first. An open at or beyond the stop closes the whole remainder at the
 *   open; otherwise every unfilled target the open is at or beyond fills at the open.
 * - Then the rest of the bar: if its low reaches the stop, the whole remainder exits at the stop
 *   price, and no target is credited in that bar even if its high also reached one (we cannot
 *   know the order inside a bar, so we assume the worse). Otherwise every target the high reaches
 *   fills at its own price.
 * - Break-even and trailing never act within the bar that triggers them. After a bar whose high
 *   reaches `breakEven.triggerPrice` the stop rises to the entry; after a bar whose high reaches
 *   `trailing.activationPrice` the stop trails at (highest high since entry − distance), recomputed
 *   after every later bar. The stop only ever rises; a lower candidate is ignored.
 * - A stop fill names the mechanism that set the stop: `stop_loss` (initial), `break_even`, or
 *   `trailing_stop`. When the trailing level equals the stop the break-even set, it is trailing.
 * - The horizon bar (index `horizonBars − 1`) is played like any other; whatever is still open
 *   after it exits at its close (`horizon`). If the bars end first, the rest exits at the last
 *   close (`end_of_data`).
 * - `exitReason` is `take_profit` only when all three targets filled; otherwise it is the reason
 *   of the fill that closed the remainder.
 *
 * Allocation is one result object and its fills (at most four), so running every profile for
 * every trade of a long backtest stays cheap.
 *
 * @throws InvalidSimulationInputError when there is no bar after `startIndex`, `horizonBars` is
 *   not a positive integer, `startIndex` is not a non-negative integer, or the plan's stop is on
 *   the wrong side of its entry for `side`.
 */
export function simulateTrade(input: SimulateTradeInput): TradeOutcome {
  const { side, plan, bars } = input;
  const horizonBars = input.horizonBars ?? DEFAULT_HORIZON_BARS;
  const startIndex = input.startIndex ?? 0;
  if (!Number.isInteger(horizonBars) || horizonBars < 1) {
    throw new InvalidSimulationInputError(
      'horizonBars',
      `horizonBars must be a positive integer, got ${horizonBars}`,
    );
  }
  if (!Number.isInteger(startIndex) || startIndex < 0) {
    throw new InvalidSimulationInputError(
      'startIndex',
      `startIndex must be a non-negative integer, got ${startIndex}`,
    );
  }
  if (bars.length <= startIndex) {
    throw new InvalidSimulationInputError('bars', 'no bar after entry to simulate');
  }
  const isLong = side === 'LONG';
  const entry = plan.entry;
  if (isLong ? !(plan.stopLoss < entry) : !(plan.stopLoss > entry)) {
    throw new InvalidSimulationInputError('plan', `the plan's stop is not on the ${side} side of its entry`);
  }

  // Signed: positive for LONG, negative for SHORT, so (price − entry) / risk is R for both sides.
  const risk = entry - plan.stopLoss;
  const beTrigger = plan.breakEven.triggerPrice;
  const trailActivation = plan.trailing.activationPrice;
  const trailOffset = isLong ? -plan.trailing.distance : plan.trailing.distance;

  const fills: Fill[] = [];
  let pnl = 0; // Σ fraction × (price − entry)
  let nextTarget = 0;
  let stop = plan.stopLoss;
  let stopKind: StopKind = 'stop_loss';
  let breakEvenArmed = false;
  let trailingArmed = false;
  let best = entry; // highest high (LONG) or lowest low (SHORT) since entry

  const lastBar = Math.min(bars.length - startIndex, horizonBars) - 1;
  for (let i = 0; i <= lastBar; i++) {
    const bar = bars[startIndex + i] as Bar;
    const open = bar.o;
    const favourable = isLong ? bar.h : bar.l;
    const adverse = isLong ? bar.l : bar.h;

    // The open comes first in time: a gap through the stop or through targets fills there.
    if (isLong ? open <= stop : open >= stop) {
      return closeRemainder(fills, pnl, nextTarget, plan, i, open, stopKind, risk);
    }
    while (nextTarget < 3) {
      const target = plan.takeProfits[nextTarget] as PlannedTakeProfit;
      if (isLong ? open < target.price : open > target.price) break;
      fills.push({
        barIndex: i,
        price: open,
        fraction: target.closeFraction,
        reason: TARGET_REASONS[nextTarget] as FillReason,
      });
      pnl += target.closeFraction * (open - entry);
      nextTarget++;
    }
    if (nextTarget === 3) return finish(fills, pnl, risk, 'take_profit', i);

    // Inside the bar the order of high and low is unknown: a touched stop wins.
    if (isLong ? adverse <= stop : adverse >= stop) {
      return closeRemainder(fills, pnl, nextTarget, plan, i, stop, stopKind, risk);
    }
    while (nextTarget < 3) {
      const target = plan.takeProfits[nextTarget] as PlannedTakeProfit;
      if (isLong ? favourable < target.price : favourable > target.price) break;
      fills.push({
        barIndex: i,
        price: target.price,
        fraction: target.closeFraction,
        reason: TARGET_REASONS[nextTarget] as FillReason,
      });
      pnl += target.closeFraction * (target.price - entry);
      nextTarget++;
    }
    if (nextTarget === 3) return finish(fills, pnl, risk, 'take_profit', i);

    if (i === horizonBars - 1) {
      return closeRemainder(fills, pnl, nextTarget, plan, i, bar.c, 'horizon', risk);
    }

    // Stop adjustments earned in this bar apply from the next one.
    if (isLong ? favourable > best : favourable < best) best = favourable;
    if (!breakEvenArmed && (isLong ? favourable >= beTrigger : favourable <= beTrigger))
      breakEvenArmed = true;
    if (!trailingArmed && (isLong ? favourable >= trailActivation : favourable <= trailActivation)) {
      trailingArmed = true;
    }
    if (breakEvenArmed && (isLong ? entry > stop : entry < stop)) {
      stop = entry;
      stopKind = 'break_even';
    }
    if (trailingArmed) {
      const trail = best + trailOffset;
      if (isLong ? trail > stop : trail < stop) {
        stop = trail;
        stopKind = 'trailing_stop';
      } else if (trail === stop && stopKind === 'break_even') {
        stopKind = 'trailing_stop';
      }
    }
  }

  const last = bars[startIndex + lastBar] as Bar;
  return closeRemainder(fills, pnl, nextTarget, plan, lastBar, last.c, 'end_of_data', risk);
}

/** Fraction of the original position still open when targets before `nextTarget` have filled. */
function remainingFraction(plan: ExitPlan, nextTarget: number): number {
  const [tp1, tp2, tp3] = plan.takeProfits;
  if (nextTarget === 0) return tp1.closeFraction + tp2.closeFraction + tp3.closeFraction;
  if (nextTarget === 1) return tp2.closeFraction + tp3.closeFraction;
  return tp3.closeFraction;
}

function closeRemainder(
  fills: Fill[],
  pnl: number,
  nextTarget: number,
  plan: ExitPlan,
  barIndex: number,
  price: number,
  reason: StopKind | 'horizon' | 'end_of_data',
  risk: number,
): TradeOutcome {
  const fraction = remainingFraction(plan, nextTarget);
  fills.push({ barIndex, price, fraction, reason });
  return finish(fills, pnl + fraction * (price - plan.entry), risk, reason, barIndex);
}

function finish(
  fills: Fill[],
  pnl: number,
  risk: number,
  exitReason: ExitReason,
  exitBarIndex: number,
): TradeOutcome {
  return { realizedR: pnl / risk, exitReason, exitBarIndex, fills };
}
