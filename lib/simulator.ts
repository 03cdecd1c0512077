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
 * The bar-by-bar rules are `ManagedPosition`'s, which a live bot runs one bar at a time; this
 * plays them over the whole path at once. Allocation is the position, one result object and its
 * fills (at most four), so running every profile for every trade of a long backtest stays cheap.
 *
 * @throws InvalidSimulationInputError when there is no bar after `startIndex`, `horizonBars` is
 *   not a positive integer, `startIndex` is not a non-negative integer, or the plan's stop is on
 *   the wrong side of its entry for `side`.
 */
export function simulateTrade(input: SimulateTradeInput): TradeOutcome {
  const { side, plan, bars } = input;
  const horizonBars = input.horizonBars ?? DEFAULT_HORIZON_BARS;
  const startIndex = input.startIndex ?? 0;
  requireHorizon(horizonBars);
  if (!Number.isInteger(startIndex) || startIndex < 0) {
    throw new InvalidSimulationInputError(
      'startIndex',
      `startIndex must be a non-negative integer, got ${startIndex}`,
    );
  }
  if (bars.length <= startIndex) {
    throw new InvalidSimulationInputError('bars', 'no bar after entry to simulate');
  }
  const position = new ManagedPosition(side, plan, horizonBars);
  const lastBar = Math.min(bars.length - startIndex, horizonBars) - 1;
  for (let i = 0; i <= lastBar; i++) {
    const outcome = position.onBar(bars[startIndex + i] as Bar);
    if (outcome !== undefined) return outcome;
  }
  return position.closeAt((bars[startIndex + lastBar] as Bar).c, 'end_of_data');
}

function requireHorizon(horizonBars: number): void {
  if (!Number.isInteger(horizonBars) || horizonBars < 1) {
    throw new InvalidSimulationInputError(
      'horizonBars',
      `horizonBars must be a positive integer, got ${horizonBars}`,
    );
  }
}

/**
 * One position managed with its exit plan, one bar at a time, by the rules listed on
 * `simulateTrade` (which runs this over a whole path): what a bot does as each bar closes, with
 * fills, stop moves and the horizon exactly as the backtest and the counterfactual updates see
 * them.
 */
export class ManagedPosition {
  /** Every fill so far, in the order they happened. */
  readonly fills: Fill[] = [];
  private readonly isLong: boolean;
  private readonly entry: number;
  // Signed: positive for LONG, negative for SHORT, so (price − entry) / risk is R for both sides.
  private readonly risk: number;
  private readonly trailOffset: number;
  private pnl = 0; // Σ fraction × (price − entry)
  private nextTarget = 0;
  private currentStop: number;
  private currentStopKind: StopKind = 'stop_loss';
  private breakEvenArmed = false;
  private trailingArmed = false;
  private best: number; // highest high (LONG) or lowest low (SHORT) since entry
  private barsPlayed = 0;
  private result: TradeOutcome | undefined;

  /**
   * @throws InvalidSimulationInputError when `horizonBars` is not a positive integer or the plan's
   *   stop is on the wrong side of its entry for `side`.
   */
  constructor(
    side: Side,
    private readonly plan: ExitPlan,
    private readonly horizonBars: number = DEFAULT_HORIZON_BARS,
  ) {
    requireHorizon(horizonBars);
    this.isLong = side === 'LONG';
    this.entry = plan.entry;
    if (this.isLong ? !(plan.stopLoss < this.entry) : !(plan.stopLoss > this.entry)) {
      throw new InvalidSimulationInputError(
        'plan',
        `the plan's stop is not on the ${side} side of its entry`,
      );
    }
    this.risk = this.entry - plan.stopLoss;
    this.trailOffset = this.isLong ? -plan.trailing.distance : plan.trailing.distance;
    this.currentStop = plan.stopLoss;
    this.best = this.entry;
  }

  /** The stop in force for the next bar, and what set it. */
  get stop(): { price: number; kind: StopKind } {
    return { price: this.currentStop, kind: this.currentStopKind };
  }

  /** The outcome once the position is flat; undefined while it is open. */
  get outcome(): TradeOutcome | undefined {
    return this.result;
  }

  /**
   * Plays the next bar after entry (the first call is the bar after the entry bar). Returns the
   * outcome when this bar made the position flat (a stop, the last target, or the horizon),
   * undefined while it stays open.
   * @throws RangeError when the position is already flat.
   */
  onBar(bar: Bar): TradeOutcome | undefined {
    if (this.result !== undefined) throw new RangeError('the position is already closed');
    const { isLong, plan, entry } = this;
    const i = this.barsPlayed++;
    const open = bar.o;
    const favourable = isLong ? bar.h : bar.l;
    const adverse = isLong ? bar.l : bar.h;

    // The open comes first in time: a gap through the stop or through targets fills there.
    if (isLong ? open <= this.currentStop : open >= this.currentStop) {
      return this.closeRemainder(i, open, this.currentStopKind);
    }
    while (this.nextTarget < 3) {
      const target = plan.takeProfits[this.nextTarget] as PlannedTakeProfit;
      if (isLong ? open < target.price : open > target.price) break;
      this.fill(i, open, target.closeFraction);
    }
    if (this.nextTarget === 3) return this.finish('take_profit', i);

    // Inside the bar the order of high and low is unknown: a touched stop wins.
    if (isLong ? adverse <= this.currentStop : adverse >= this.currentStop) {
      return this.closeRemainder(i, this.currentStop, this.currentStopKind);
    }
    while (this.nextTarget < 3) {
      const target = plan.takeProfits[this.nextTarget] as PlannedTakeProfit;
      if (isLong ? favourable < target.price : favourable > target.price) break;
      this.fill(i, target.price, target.closeFraction);
    }
    if (this.nextTarget === 3) return this.finish('take_profit', i);

    if (i === this.horizonBars - 1) return this.closeRemainder(i, bar.c, 'horizon');

    // Stop adjustments earned in this bar apply from the next one.
    if (isLong ? favourable > this.best : favourable < this.best) this.best = favourable;
    const beTrigger = plan.breakEven.triggerPrice;
    const trailActivation = plan.trailing.activationPrice;
    if (!this.breakEvenArmed && (isLong ? favourable >= beTrigger : favourable <= beTrigger))
      this.breakEvenArmed = true;
    if (!this.trailingArmed && (isLong ? favourable >= trailActivation : favourable <= trailActivation)) {
      this.trailingArmed = true;
    }
    if (this.breakEvenArmed && (isLong ? entry > this.currentStop : entry < this.currentStop)) {
      this.currentStop = entry;
      this.currentStopKind = 'break_even';
    }
    if (this.trailingArmed) {
      const trail = this.best + this.trailOffset;
      if (isLong ? trail > this.currentStop : trail < this.currentStop) {
        this.currentStop = trail;
        this.currentStopKind = 'trailing_stop';
      } else if (trail === this.currentStop && this.currentStopKind === 'break_even') {
        this.currentStopKind = 'trailing_stop';
      }
    }
    return undefined;
  }

  /**
   * Closes whatever is still open at `price` on the last bar played (`end_of_data`: the bars
   * ran out before the horizon).
   * @throws RangeError when the position is already flat or no bar was played.
   */
  closeAt(price: number, reason: 'end_of_data' = 'end_of_data'): TradeOutcome {
    if (this.result !== undefined) throw new RangeError('the position is already closed');
    if (this.barsPlayed === 0) throw new RangeError('no bar after entry was played');
    return this.closeRemainder(this.barsPlayed - 1, price, reason);
  }

  private fill(barIndex: number, price: number, fraction: number): void {
    this.fills.push({
      barIndex,
      price,
      fraction,
      reason: TARGET_REASONS[this.nextTarget] as FillReason,
    });
    this.pnl += fraction * (price - this.entry);
    this.nextTarget++;
  }

  private closeRemainder(
    barIndex: number,
    price: number,
    reason: StopKind | 'horizon' | 'end_of_data',
  ): TradeOutcome {
    const fraction = remainingFraction(this.plan, this.nextTarget);
    this.fills.push({ barIndex, price, fraction, reason });
    this.pnl += fraction * (price - this.entry);
    return this.finish(reason, barIndex);
  }

  private finish(exitReason: ExitReason, exitBarIndex: number): TradeOutcome {
    this.result = { realizedR: this.pnl / this.risk, exitReason, exitBarIndex, fills: this.fills };
    return this.result;
  }
}

/** Fraction of the original position still open when targets before `nextTarget` have filled. */
function remainingFraction(plan: ExitPlan, nextTarget: number): number {
  const [tp1, tp2, tp3] = plan.takeProfits;
  if (nextTarget === 0) return tp1.closeFraction + tp2.closeFraction + tp3.closeFraction;
  if (nextTarget === 1) return tp2.closeFraction + tp3.closeFraction;
  return tp3.closeFraction;
}
