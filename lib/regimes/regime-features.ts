import type { IndicatorSnapshot } from '../indicators';
import type { RegimeFeatures } from './regime-detector';

/** The moving averages trend strength is built from, at one bar. */
export interface TrendInputs {
  price: number;
  sma20: number;
  sma50: number;
  ema12: number;
  ema26: number;
}

/**
 * The original's trend strength in [−1, 1]: five times the mean of the price's distance from
 * SMA(20) and SMA(50) and ten times the EMA(12)−EMA(26) gap, each relative; positive is up.
 */
export function trendStrength({ price, sma20, sma50, ema12, ema26 }: TrendInputs): number {
  const mean = ((price - sma20) / sma20 + (price - sma50) / sma50 + (10 * (ema12 - ema26)) / price) / 3;
  return Math.min(1, Math.max(-1, 5 * mean));
}

/** Features of an empty history. */
const EMPTY_FEATURES: Readonly<RegimeFeatures> = {
  atr: 0,
  atrPct: 0,
  adx: null,
  plusDi: null,
  minusDi: null,
  trendStrength: null,
  sma20: null,
  sma50: null,
  ema12: null,
  ema26: null,
  bbWidth: null,
  volumeRatio: null,
};

/**
 * The features every detector reports, from an indicator snapshot: `null` where an indicator
 * has no value yet. `atrPct` is 0 when the price is not positive, since no fraction of it means
 * anything then. An empty history (`null`) has nothing to size on: atr 0, everything else null.
 */
export function regimeFeatures(snapshot: IndicatorSnapshot | null): RegimeFeatures {
  if (snapshot === null) {
    return { ...EMPTY_FEATURES };
  }
  const price = snapshot.close;
  const { sma20, sma50, ema12, ema26 } = snapshot;
  const strength =
    sma20 !== null && sma50 !== null && ema12 !== null && ema26 !== null && price > 0
      ? trendStrength({ price, sma20, sma50, ema12, ema26 })
      : null;
  return {
    atr: snapshot.atr,
    atrPct: price > 0 ? snapshot.atr / price : 0,
    adx: snapshot.adx14,
    plusDi: snapshot.plusDi14,
    minusDi: snapshot.minusDi14,
    trendStrength: strength !== null && Number.isFinite(strength) ? strength : null,
    sma20,
    sma50,
    ema12,
    ema26,
    bbWidth: snapshot.bbWidth20,
    volumeRatio: snapshot.volumeRatio20,
  };
}
