import type { StrategyProfile } from './profiles';
import type { Side } from './types';

/**
 * A profile turned into concrete prices for one trade: the `plan` object of the select response,
 * and the input of the trade simulator.
 */

export interface PlannedTakeProfit {
  readonly price: number;
  /** The target's R multiple: distance to target over distance to the initial stop. */
  readonly r: number;
  /** The profile's distance to this target, in ATR. */
  readonly atrMultiple: number;
  /** Fraction of the original position closed here. */
  readonly closeFraction: number;
}

export interface ExitPlan {
  readonly entry: number;
  readonly atr: number;
  readonly stopLoss: number;
  /** Nearest target first. */
  readonly takeProfits: readonly [PlannedTakeProfit, PlannedTakeProfit, PlannedTakeProfit];
  readonly breakEven: { readonly triggerPrice: number };
  readonly trailing: {
    readonly activationPrice: number;
    /** Price distance the trailing stop keeps from the best price since entry. */
    readonly distance: number;
  };
}

export type PlanInputField = 'entry' | 'atr' | 'exitPrice' | 'side';

/** A plan was asked for with inputs no market can produce; `field` names the offending input. */
export class InvalidPlanInputError extends Error {
  override readonly name = 'InvalidPlanInputError';

  constructor(
    readonly field: PlanInputField,
    readonly value: unknown,
    message: string,
  ) {
    super(message);
  }
}

function requirePositiveFinite(field: PlanInputField, value: number): void {
  if (!Number.isFinite(value) || value <= 0) {
    throw new InvalidPlanInputError(field, value, `${field} must be a positive finite number, got ${value}`);
  }
}

/** Ratios such as 1.2 / 0.8 carry binary noise (1.4999999999999998); twelve digits is exact enough. */
function rMultiple(tpAtr: number, slAtr: number): number {
  return Number((tpAtr / slAtr).toPrecision(12));
}

/**
 * The concrete exit plan for a trade entered at `entry` with the ATR `atr` at entry. LONG levels
 * sit at entry ± multiple·ATR (stop below, targets, break-even trigger and trailing activation
 * above); SHORT mirrors them. Prices are exact, not rounded to a tick: callers format them.
 * Levels are not clamped at zero (a far SHORT target on a very volatile market may be negative,
 * and is simply never reached).
 *
 * @throws InvalidPlanInputError when `entry` or `atr` is not a positive finite number, or when
 *   the ATR is so small next to the entry that the stop collapses onto it (`field: 'atr'`).
 */
export function buildExitPlan(input: {
  side: Side;
  entry: number;
  atr: number;
  profile: StrategyProfile;
}): ExitPlan {
  const { side, entry, atr, profile } = input;
  requirePositiveFinite('entry', entry);
  requirePositiveFinite('atr', atr);
  const dir = side === 'LONG' ? 1 : -1;
  const level = (atrMultiple: number) => entry + dir * atrMultiple * atr;

  const stopLoss = level(-profile.slAtr);
  if (stopLoss === entry) {
    throw new InvalidPlanInputError(
      'atr',
      atr,
      `atr ${atr} is too small to place a stop away from entry ${entry}`,
    );
  }
  const [tp1, tp2, tp3] = profile.takeProfits;
  const target = (tp: typeof tp1): PlannedTakeProfit => ({
    price: level(tp.atr),
    r: rMultiple(tp.atr, profile.slAtr),
    atrMultiple: tp.atr,
    closeFraction: tp.closeFraction,
  });
  return {
    entry,
    atr,
    stopLoss,
    takeProfits: [target(tp1), target(tp2), target(tp3)],
    breakEven: { triggerPrice: level(profile.breakEvenAtr) },
    trailing: {
      activationPrice: level(profile.trailing.activationAtr),
      distance: profile.trailing.distanceAtr * atr,
    },
  };
}

/** A plan as the select response spells it: the levels, each target without its ATR multiple. */
export interface PlanLevels {
  entry: number;
  atr: number;
  stopLoss: number;
  takeProfits: readonly { price: number; r: number; closeFraction: number }[];
  breakEven: { triggerPrice: number };
  trailing: { activationPrice: number; distance: number };
}

/**
 * The exit plan of a select response, as the simulator and a bot's position manager read it
 * (each target's ATR multiple is restored from its price).
 * @throws RangeError when the plan does not have three targets.
 */
export function exitPlanFromLevels(levels: PlanLevels): ExitPlan {
  const [tp1, tp2, tp3] = levels.takeProfits;
  if (tp1 === undefined || tp2 === undefined || tp3 === undefined || levels.takeProfits.length !== 3) {
    throw new RangeError(`a plan has three take-profits, this one has ${levels.takeProfits.length}`);
  }
  const target = (tp: typeof tp1): PlannedTakeProfit => ({
    price: tp.price,
    r: tp.r,
    closeFraction: tp.closeFraction,
    atrMultiple: Math.abs(tp.price - levels.entry) / levels.atr,
  });
  return {
    entry: levels.entry,
    atr: levels.atr,
    stopLoss: levels.stopLoss,
    takeProfits: [target(tp1), target(tp2), target(tp3)],
    breakEven: { triggerPrice: levels.breakEven.triggerPrice },
    trailing: { activationPrice: levels.trailing.activationPrice, distance: levels.trailing.distance },
  };
}

/** Price distance from entry to the initial stop: the "1R" of the trade. */
export function initialRiskPerUnit(plan: ExitPlan): number {
  return Math.abs(plan.entry - plan.stopLoss);
}

/**
 * The R multiple of a whole position closed at `exitPrice`: (exit − entry) / (entry − stop) for
 * LONG, (entry − exit) / (stop − entry) for SHORT. Used when a TradeClosed event reports an exit
 * price instead of a realized R.
 *
 * @throws InvalidPlanInputError when `exitPrice` is not a positive finite number, or when `side`
 *   contradicts the plan (a LONG plan has its stop below entry).
 */
export function realizedRFromExit(plan: ExitPlan, side: Side, exitPrice: number): number {
  requirePositiveFinite('exitPrice', exitPrice);
  const planSide: Side = plan.stopLoss < plan.entry ? 'LONG' : 'SHORT';
  if (planSide !== side) {
    throw new InvalidPlanInputError('side', side, `a ${planSide} plan cannot price a ${side} exit`);
  }
  return (exitPrice - plan.entry) / (plan.entry - plan.stopLoss);
}
