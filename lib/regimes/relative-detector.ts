import { ATR_PERIOD, type IndicatorSeries, latestIndicators, snapshotAt } from '../indicators';
import type { Candle, Liquidity } from '../types';
import { classifyClassic, DEFAULT_CLASSIC_THRESHOLDS } from './classic-detector';
import type { RegimeFeatures, RegimeInput, RegimeResult } from './regime-detector';
import { regimeFeatures } from './regime-features';
import type { SeriesRegimeDetector } from './series-regime-detector';

/**
 * Regimes measured against the instrument itself rather than against absolute numbers: a bar
 * that moves 0.2% is calm on a stock and wild on a currency pair, so volatility is the rank of
 * the current ATR% among the instrument's own recent ATR%, and trend strength is a distance in
 * ATRs. Every feature is a ratio of prices (or a rank of ratios), so multiplying every price by a
 * constant changes no regime.
 */

export interface RelativeRegimeThresholds {
  /** ATR% values (one per bar, the current one included) the volatility rank is taken over. */
  volatilityLookbackBars: number;
  /** Volatility rank (0 calmest, 1 wildest of the lookback) at or above which the market is HIGH_VOLATILITY. */
  extremeVolPercentile: number;
  /** Volatility rank at or above which a range is RANGE_HIGH_VOL rather than RANGE_LOW_VOL. */
  highVolPercentile: number;
  /** |trend strength in ATRs| at or above which a market is directional. */
  trendAtr: number;
  /** Fewer candles than this give UNKNOWN (50 gives SMA(50), which trend strength needs). */
  minCandles: number;
  /** Liquidity limits, as in the classic rules: a market's book is not relative to its price. */
  illiquidVolume24hUsd: number;
  illiquidDepthUsd: number;
  illiquidSpreadBps: number;
}

export const DEFAULT_RELATIVE_THRESHOLDS: Readonly<RelativeRegimeThresholds> = Object.freeze({
  volatilityLookbackBars: 100,
  extremeVolPercentile: 0.95,
  highVolPercentile: 0.5,
  trendAtr: 1.5,
  minCandles: 50,
  illiquidVolume24hUsd: DEFAULT_CLASSIC_THRESHOLDS.illiquidVolume24hUsd,
  illiquidDepthUsd: DEFAULT_CLASSIC_THRESHOLDS.illiquidDepthUsd,
  illiquidSpreadBps: DEFAULT_CLASSIC_THRESHOLDS.illiquidSpreadBps,
});

const ILLIQUID_CONFIDENCE = 0.95;
const HIGH_VOLATILITY_CONFIDENCE = 0.9;
const UNKNOWN_CONFIDENCE = 0.5;

/**
 * Trend strength in ATRs: the mean of the close's distance from SMA(20), from SMA(50), and the
 * EMA(12)−EMA(26) gap, each divided by the ATR. Positive is up. `null` while an input is missing.
 */
export function trendInAtr(features: RegimeFeatures, close: number): number | null {
  const { atr, sma20, sma50, ema12, ema26 } = features;
  if (sma20 == null || sma50 == null || ema12 == null || ema26 == null || !(atr > 0)) return null;
  const value = (close - sma20 + (close - sma50) + (ema12 - ema26)) / (3 * atr);
  return Number.isFinite(value) ? value : null;
}

/**
 * The rank of `current` among `window` (which includes it): the fraction of the other values
 * strictly below it, so the calmest bar of the window ranks 0 and the wildest 1. A window of one
 * value ranks 0.5 (nothing to compare with).
 */
export function percentileRank(window: readonly number[], current: number): number {
  if (window.length <= 1) return 0.5;
  let below = 0;
  for (const value of window) if (value < current) below++;
  return below / (window.length - 1);
}

/**
 * The relative rules, checked in order: too short → UNKNOWN; ILLIQUID (the classic two-of-three
 * rule); HIGH_VOLATILITY when the volatility rank reaches `extremeVolPercentile`; TREND_UP/DOWN
 * when |trend in ATRs| ≥ `trendAtr`; otherwise a range, RANGE_HIGH_VOL when the volatility rank
 * reaches `highVolPercentile`, else RANGE_LOW_VOL. UNKNOWN while the trend or the rank has no value
 * yet. `features` must carry `atrPctPercentile` and `trendAtr`.
 *
 * ADX is left out on purpose: it is scale free in exact arithmetic, but on tick-rounded prices an
 * up move and a down move are often exactly equal, and after scaling the prices one of them wins
 * by a rounding error, so ADX moves by a point and a regime would flip.
 */
export function classifyRelative(
  features: RegimeFeatures,
  candleCount: number,
  liquidity: Liquidity | undefined,
  thresholds: Readonly<RelativeRegimeThresholds> = DEFAULT_RELATIVE_THRESHOLDS,
): RegimeResult {
  const result = (name: RegimeResult['name'], confidence: number): RegimeResult => ({
    name,
    confidence,
    features,
  });
  if (candleCount < thresholds.minCandles) return result('UNKNOWN', UNKNOWN_CONFIDENCE);
  if (isIlliquid(features, liquidity, thresholds)) return result('ILLIQUID', ILLIQUID_CONFIDENCE);
  const { atrPctPercentile: volRank, trendAtr } = features;
  if (volRank == null || trendAtr == null) return result('UNKNOWN', UNKNOWN_CONFIDENCE);
  if (volRank >= thresholds.extremeVolPercentile)
    return result('HIGH_VOLATILITY', HIGH_VOLATILITY_CONFIDENCE);
  const strength = Math.abs(trendAtr) / thresholds.trendAtr;
  if (strength >= 1) {
    // 0.6 at the threshold, growing to 0.95 at three times it.
    const confidence = 0.6 + 0.35 * Math.min(1, (strength - 1) / 2);
    return result(trendAtr > 0 ? 'TREND_UP' : 'TREND_DOWN', confidence);
  }
  const confidence = 0.65 + 0.25 * (1 - strength);
  return result(volRank >= thresholds.highVolPercentile ? 'RANGE_HIGH_VOL' : 'RANGE_LOW_VOL', confidence);
}

/** The classic ILLIQUID rule, taken from the classic rules so that it is defined once. */
function isIlliquid(
  features: RegimeFeatures,
  liquidity: Liquidity | undefined,
  thresholds: Readonly<RelativeRegimeThresholds>,
): boolean {
  if (liquidity === undefined) return false;
  const classic = classifyClassic(features, Number.MAX_SAFE_INTEGER, liquidity, {
    ...DEFAULT_CLASSIC_THRESHOLDS,
    illiquidVolume24hUsd: thresholds.illiquidVolume24hUsd,
    illiquidDepthUsd: thresholds.illiquidDepthUsd,
    illiquidSpreadBps: thresholds.illiquidSpreadBps,
  });
  return classic.name === 'ILLIQUID';
}

/**
 * ATR% (Wilder ATR(14) / close) of the last `lookback` bars of `candles` that have one, oldest
 * first: the same ATR the indicator module computes, in one pass.
 */
export function recentAtrPct(candles: readonly Candle[], lookback: number): number[] {
  const values: number[] = [];
  const first = Math.max(ATR_PERIOD, candles.length - lookback);
  let seedSum = 0;
  let atr = Number.NaN;
  for (let index = 1; index < candles.length; index++) {
    const range = trueRange(candles, index);
    if (index < ATR_PERIOD) {
      seedSum += range;
      continue;
    }
    if (index === ATR_PERIOD) atr = (seedSum + range) / ATR_PERIOD;
    else atr = (range - atr) / ATR_PERIOD + atr;
    const close = candles[index]?.c ?? Number.NaN;
    if (index >= first && close > 0 && Number.isFinite(atr)) values.push(atr / close);
  }
  return values;
}

function trueRange(candles: readonly Candle[], index: number): number {
  const current = candles[index];
  const previous = candles[index - 1];
  if (current === undefined || previous === undefined) return Number.NaN;
  return Math.max(current.h - current.l, Math.abs(current.h - previous.c), Math.abs(current.l - previous.c));
}

function relativeFeatures(
  base: RegimeFeatures,
  close: number,
  atrPctWindow: readonly number[],
): RegimeFeatures {
  const current = atrPctWindow.at(-1);
  return {
    ...base,
    atrPctPercentile: current === undefined ? null : percentileRank(atrPctWindow, current),
    trendAtr: trendInAtr(base, close),
  };
}

/**
 * Regimes relative to the instrument (defaults: {@link DEFAULT_RELATIVE_THRESHOLDS}; pass only the
 * ones to change). `detect` ranks the ATR% over the candles given (at most
 * `volatilityLookbackBars` of them); `detectAt` over the same window of a precomputed series.
 * Features add `atrPctPercentile` (the volatility rank) and `trendAtr` to the classic ones.
 */
export function createRelativeDetector(
  thresholds: Partial<RelativeRegimeThresholds> = {},
): SeriesRegimeDetector {
  const settings: Readonly<RelativeRegimeThresholds> = Object.freeze({
    ...DEFAULT_RELATIVE_THRESHOLDS,
    ...Object.fromEntries(Object.entries(thresholds).filter(([, value]) => value !== undefined)),
  });
  const lookback = settings.volatilityLookbackBars;
  return {
    name: 'relative',
    detect({ candles, liquidity }: RegimeInput): RegimeResult {
      const snapshot = latestIndicators(candles);
      const close = snapshot?.close ?? Number.NaN;
      const features = relativeFeatures(regimeFeatures(snapshot), close, recentAtrPct(candles, lookback));
      return classifyRelative(features, snapshot?.candleCount ?? 0, liquidity, settings);
    },
    detectAt(series: IndicatorSeries, index: number, liquidity?: Liquidity): RegimeResult {
      const snapshot = snapshotAt(series, index);
      const window: number[] = [];
      for (let bar = Math.max(0, index - lookback + 1); bar <= index; bar++) {
        const atr = series.atr14[bar];
        const close = series.candles[bar]?.c ?? 0;
        if (atr !== undefined && close > 0) window.push(atr / close);
      }
      const features = relativeFeatures(regimeFeatures(snapshot), snapshot.close, window);
      return classifyRelative(features, index + 1, liquidity, settings);
    },
  };
}
