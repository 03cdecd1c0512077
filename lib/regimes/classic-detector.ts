import { type IndicatorSeries, latestIndicators, snapshotAt } from '../indicators';
import type { Liquidity } from '../types';
import type { RegimeFeatures, RegimeInput, RegimeResult } from './regime-detector';
import { regimeFeatures } from './regime-features';
import type { SeriesRegimeDetector } from './series-regime-detector';

/** The original system's absolute thresholds. */
export interface ClassicRegimeThresholds {
  /** ADX at or above which a directional market is a trend. */
  trendAdx: number;
  /** |trend strength| at or above which a market is directional. */
  trendStrength: number;
  /** ATR as a fraction of price at or above which a range is RANGE_HIGH_VOL. */
  highVolAtrPct: number;
  /** ATR as a fraction of price at or above which the market is HIGH_VOLATILITY. */
  extremeVolAtrPct: number;
  /** 24h volume in USD below which volume counts against liquidity. */
  illiquidVolume24hUsd: number;
  /** Order-book depth in USD below which depth counts against liquidity. */
  illiquidDepthUsd: number;
  /** Spread in basis points above which the spread counts against liquidity. */
  illiquidSpreadBps: number;
  /**
   * Fewer candles than this give UNKNOWN. 50 is the least that gives SMA(50), which trend
   * strength needs, and leaves ADX(14), whose first value comes at bar 28, over 20 bars of
   * smoothing.
   */
  minCandles: number;
}

export const DEFAULT_CLASSIC_THRESHOLDS: Readonly<ClassicRegimeThresholds> = Object.freeze({
  trendAdx: 25,
  trendStrength: 0.3,
  highVolAtrPct: 0.04,
  extremeVolAtrPct: 0.06,
  illiquidVolume24hUsd: 2_000_000,
  illiquidDepthUsd: 50_000,
  illiquidSpreadBps: 10,
  minCandles: 50,
});

const ILLIQUID_CONFIDENCE = 0.95;
const HIGH_VOLATILITY_CONFIDENCE = 0.9;
const UNKNOWN_CONFIDENCE = 0.5;

/**
 * The original's rules, checked in order: ILLIQUID, HIGH_VOLATILITY, TREND_UP/TREND_DOWN,
 * RANGE_HIGH_VOL/RANGE_LOW_VOL, otherwise UNKNOWN. A history shorter than `minCandles` is
 * UNKNOWN whatever else holds.
 */
export function classifyClassic(
  features: RegimeFeatures,
  candleCount: number,
  liquidity: Liquidity | undefined,
  thresholds: Readonly<ClassicRegimeThresholds> = DEFAULT_CLASSIC_THRESHOLDS,
): RegimeResult {
  const result = (name: RegimeResult['name'], confidence: number): RegimeResult => ({
    name,
    confidence,
    features,
  });
  if (candleCount < thresholds.minCandles) {
    return result('UNKNOWN', UNKNOWN_CONFIDENCE);
  }
  if (isIlliquid(liquidity, thresholds)) {
    return result('ILLIQUID', ILLIQUID_CONFIDENCE);
  }
  if (features.atrPct >= thresholds.extremeVolAtrPct) {
    return result('HIGH_VOLATILITY', HIGH_VOLATILITY_CONFIDENCE);
  }
  const { adx, trendStrength } = features;
  if (adx === null || trendStrength === null) {
    return result('UNKNOWN', UNKNOWN_CONFIDENCE);
  }
  const strength = Math.abs(trendStrength);
  if (adx >= thresholds.trendAdx && strength >= thresholds.trendStrength && trendStrength !== 0) {
    const confidence = Math.min(0.95, 0.6 + (adx / 100) * 0.2 + strength * 0.15);
    return result(trendStrength > 0 ? 'TREND_UP' : 'TREND_DOWN', confidence);
  }
  if (adx < thresholds.trendAdx && strength < thresholds.trendStrength) {
    const confidence = Math.min(0.9, 0.65 + (1 - strength) * 0.25);
    return result(
      features.atrPct >= thresholds.highVolAtrPct ? 'RANGE_HIGH_VOL' : 'RANGE_LOW_VOL',
      confidence,
    );
  }
  return result('UNKNOWN', UNKNOWN_CONFIDENCE);
}

/**
 * ILLIQUID needs two failing conditions among the fields that are present: a missing field is
 * unknown, never failing (the original read missing fields as 0 and called every plain request
 * illiquid).
 */
function isIlliquid(
  liquidity: Liquidity | undefined,
  thresholds: Readonly<ClassicRegimeThresholds>,
): boolean {
  if (liquidity === undefined) {
    return false;
  }
  const { volume24hUsd, depthUsd, spreadBps } = liquidity;
  const failing = [
    isKnown(volume24hUsd) && volume24hUsd < thresholds.illiquidVolume24hUsd,
    isKnown(depthUsd) && depthUsd < thresholds.illiquidDepthUsd,
    isKnown(spreadBps) && spreadBps > thresholds.illiquidSpreadBps,
  ].filter(Boolean).length;
  return failing >= 2;
}

function isKnown(value: number | undefined): value is number {
  return value !== undefined && Number.isFinite(value);
}

/**
 * The original system's regime rules over candles, with absolute thresholds (defaults:
 * {@link DEFAULT_CLASSIC_THRESHOLDS}; pass only the ones to change). `detect` computes the last
 * bar's indicators; `detectAt` reads them from a series computed once for a whole history.
 * Never throws on a short or empty history: that is UNKNOWN with an `atr` still usable for sizing.
 */
export function createClassicDetector(
  thresholds: Partial<ClassicRegimeThresholds> = {},
): SeriesRegimeDetector {
  const settings: Readonly<ClassicRegimeThresholds> = Object.freeze({
    ...DEFAULT_CLASSIC_THRESHOLDS,
    ...definedOnly(thresholds),
  });
  return {
    name: 'classic',
    detect({ candles, liquidity }: RegimeInput): RegimeResult {
      const snapshot = latestIndicators(candles);
      return classifyClassic(regimeFeatures(snapshot), snapshot?.candleCount ?? 0, liquidity, settings);
    },
    detectAt(series: IndicatorSeries, index: number, liquidity?: Liquidity): RegimeResult {
      return classifyClassic(regimeFeatures(snapshotAt(series, index)), index + 1, liquidity, settings);
    },
  };
}

/** So that `{ trendAdx: undefined }` (an unset config value) keeps the default. */
function definedOnly(thresholds: Partial<ClassicRegimeThresholds>): Partial<ClassicRegimeThresholds> {
  return Object.fromEntries(Object.entries(thresholds).filter(([, value]) => value !== undefined));
}
