import type { Candle, Liquidity, RegimeName } from '../types';

export interface RegimeInput {
  /** Oldest first. */
  candles: readonly Candle[];
  liquidity?: Liquidity | undefined;
}

/**
 * Numbers the detector based its decision on. `atr` is ATR(14) when there are enough candles,
 * otherwise the mean true range of the candles given, so that a plan can still be sized.
 */
export interface RegimeFeatures {
  atr: number;
  atrPct: number;
  adx: number | null;
  trendStrength: number | null;
  [feature: string]: number | null;
}

export interface RegimeResult {
  name: RegimeName;
  confidence: number;
  features: RegimeFeatures;
}

/** Anything that turns candles (and optional liquidity) into a regime. */
export interface RegimeDetector {
  readonly name: string;
  detect(input: RegimeInput): RegimeResult;
}
