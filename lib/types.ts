/**
 * The domain's vocabulary: sides, regimes, strategy ids, candles. Every other module imports
 * these names from here so that the contract's spelling lives in one place.
 */

export const SIDES = ['LONG', 'SHORT'] as const;
export type Side = (typeof SIDES)[number];

export const REGIMES = [
  'TREND_UP',
  'TREND_DOWN',
  'RANGE_LOW_VOL',
  'RANGE_HIGH_VOL',
  'HIGH_VOLATILITY',
  'ILLIQUID',
  'UNKNOWN',
] as const;
export type RegimeName = (typeof REGIMES)[number];

/** Strategy ids in profile order (the order ties and listings use). */
export const STRATEGY_IDS = [
  'defensive',
  'moderate',
  'moderate_aggressive',
  'balanced_aggressive',
  'ultra_aggressive',
  'scalp',
  'trend_rider',
] as const;
export type StrategyId = (typeof STRATEGY_IDS)[number];

/** One OHLCV bar, oldest first in every array. `t` is epoch milliseconds; `v` is optional. */
export interface Candle {
  t: number;
  o: number;
  h: number;
  l: number;
  c: number;
  v?: number;
}

/** Optional order-book and volume context sent by the bot. Missing fields mean "unknown", never zero. */
export interface Liquidity {
  spreadBps?: number;
  depthUsd?: number;
  volume24hUsd?: number;
}

/** A source of uniform numbers in [0, 1). Injected so that every choice is reproducible. */
export type Rng = () => number;

/** A source of the current time in epoch milliseconds. Injected so that tests are deterministic. */
export type Clock = () => number;
