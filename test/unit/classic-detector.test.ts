import { describe, expect, it } from 'vitest';
import { computeIndicatorSeries, meanTrueRange } from '../../lib/indicators';
import { seededRng } from '../../lib/random';
import {
  classifyClassic,
  createClassicDetector,
  DEFAULT_CLASSIC_THRESHOLDS,
} from '../../lib/regimes/classic-detector';
import type { RegimeFeatures, RegimeResult } from '../../lib/regimes/regime-detector';
import { type SyntheticMarket, syntheticCandles } from '../helpers/synthetic-candles';
import { loadTtrcCandles } from '../helpers/ttrc-fixture';

const detector = createClassicDetector();

const markets = {
  uptrend: { bars: 250, driftPerBar: 0.004, closeNoise: 0.006, wickSize: 0.004 },
  downtrend: { bars: 250, driftPerBar: -0.004, closeNoise: 0.006, wickSize: 0.004 },
  quietRange: { bars: 250, closeNoise: 0.006, wickSize: 0.004 },
  wideRange: { bars: 250, closeNoise: 0.01, wickSize: 0.042 },
  violent: { bars: 250, closeNoise: 0.02, wickSize: 0.06 },
} satisfies Record<string, SyntheticMarket>;

const candlesOf = (market: SyntheticMarket, seed = 1) => syntheticCandles(seededRng(seed), market);

const trendConfidence = ({ adx, trendStrength }: RegimeFeatures) =>
  Math.min(0.95, 0.6 + ((adx ?? Number.NaN) / 100) * 0.2 + Math.abs(trendStrength ?? Number.NaN) * 0.15);
const rangeConfidence = ({ trendStrength }: RegimeFeatures) =>
  Math.min(0.9, 0.65 + (1 - Math.abs(trendStrength ?? Number.NaN)) * 0.25);

function detectIn(market: SyntheticMarket, liquidity?: Parameters<typeof detector.detect>[0]['liquidity']) {
  return detector.detect({ candles: candlesOf(market), liquidity });
}

describe('classic regime rules on synthetic markets', () => {
  it('calls a steady uptrend TREND_UP with the trend confidence formula', () => {
    const result = detectIn(markets.uptrend);
    expect(result.name).toBe('TREND_UP');
    expect(result.features.adx).toBeGreaterThanOrEqual(25);
    expect(result.features.trendStrength).toBeGreaterThanOrEqual(0.3);
    expect(result.confidence).toBeCloseTo(trendConfidence(result.features), 12);
  });

  it('calls a steady downtrend TREND_DOWN with the trend confidence formula', () => {
    const result = detectIn(markets.downtrend);
    expect(result.name).toBe('TREND_DOWN');
    expect(result.features.trendStrength).toBeLessThanOrEqual(-0.3);
    expect(result.confidence).toBeCloseTo(trendConfidence(result.features), 12);
  });

  it('calls a flat noisy range with small bars RANGE_LOW_VOL with the range confidence formula', () => {
    const result = detectIn(markets.quietRange);
    expect(result.name).toBe('RANGE_LOW_VOL');
    expect(result.features.adx).toBeLessThan(25);
    expect(result.features.atrPct).toBeLessThan(0.04);
    expect(result.confidence).toBeCloseTo(rangeConfidence(result.features), 12);
  });

  it('calls a range with large bars (ATR between 4% and 6% of price) RANGE_HIGH_VOL', () => {
    const result = detectIn(markets.wideRange);
    expect(result.features.atrPct).toBeGreaterThanOrEqual(0.04);
    expect(result.features.atrPct).toBeLessThan(0.06);
    expect(result.name).toBe('RANGE_HIGH_VOL');
    expect(result.confidence).toBeCloseTo(rangeConfidence(result.features), 12);
  });

  it('calls violent bars (ATR at least 6% of price) HIGH_VOLATILITY with confidence 0.90', () => {
    const result = detectIn(markets.violent);
    expect(result.features.atrPct).toBeGreaterThanOrEqual(0.06);
    expect(result).toMatchObject({ name: 'HIGH_VOLATILITY', confidence: 0.9 });
  });

  it('puts volatility before trend: a violent uptrend is HIGH_VOLATILITY', () => {
    const result = detectIn({ ...markets.uptrend, wickSize: 0.08 });
    expect(result.features.trendStrength).toBeGreaterThanOrEqual(0.3);
    expect(result.name).toBe('HIGH_VOLATILITY');
  });

  it('keeps trend confidence at most 0.95 and range confidence at most 0.90', () => {
    const strong = classifyClassic(features({ adx: 100, trendStrength: 1 }), 250, undefined);
    expect(strong).toMatchObject({ name: 'TREND_UP', confidence: 0.95 });
    const flat = classifyClassic(features({ adx: 10, trendStrength: 0 }), 250, undefined);
    expect(flat).toMatchObject({ name: 'RANGE_LOW_VOL', confidence: 0.9 });
  });

  it('is UNKNOWN (0.5) when ADX and trend strength disagree', () => {
    const strongAdxNoDirection = classifyClassic(features({ adx: 40, trendStrength: 0.1 }), 250, undefined);
    const directionNoAdx = classifyClassic(features({ adx: 15, trendStrength: -0.5 }), 250, undefined);
    expect(strongAdxNoDirection).toMatchObject({ name: 'UNKNOWN', confidence: 0.5 });
    expect(directionNoAdx).toMatchObject({ name: 'UNKNOWN', confidence: 0.5 });
  });
});

describe('liquidity', () => {
  it('calls a market ILLIQUID with confidence 0.95 when 2 of 3 conditions fail, even in a trend', () => {
    const thinVolumeAndBook = detectIn(markets.uptrend, { volume24hUsd: 1_000_000, depthUsd: 10_000 });
    const thinVolumeWideSpread = detectIn(markets.uptrend, {
      volume24hUsd: 500_000,
      depthUsd: 1_000_000,
      spreadBps: 25,
    });
    expect(thinVolumeAndBook).toMatchObject({ name: 'ILLIQUID', confidence: 0.95 });
    expect(thinVolumeWideSpread).toMatchObject({ name: 'ILLIQUID', confidence: 0.95 });
  });

  it('puts ILLIQUID before HIGH_VOLATILITY', () => {
    const result = detectIn(markets.violent, { depthUsd: 1_000, spreadBps: 50 });
    expect(result.name).toBe('ILLIQUID');
  });

  it('does not call a market ILLIQUID when only one present liquidity field is bad', () => {
    expect(detectIn(markets.uptrend, { spreadBps: 25 }).name).toBe('TREND_UP');
    expect(detectIn(markets.uptrend, { volume24hUsd: 100_000, depthUsd: 1_000_000, spreadBps: 2 }).name).toBe(
      'TREND_UP',
    );
  });

  it('never calls a market ILLIQUID for missing liquidity fields', () => {
    expect(detectIn(markets.quietRange).name).toBe('RANGE_LOW_VOL');
    expect(detectIn(markets.quietRange, {}).name).toBe('RANGE_LOW_VOL');
  });

  it('uses the thresholds at their edges: volume and depth strictly below, spread strictly above', () => {
    const atEdges = { volume24hUsd: 2_000_000, depthUsd: 50_000, spreadBps: 10 };
    expect(detectIn(markets.uptrend, atEdges).name).toBe('TREND_UP');
  });
});

describe('short histories', () => {
  it('is UNKNOWN with an atr from the mean true range when there are fewer than 15 candles', () => {
    const candles = candlesOf(markets.uptrend).slice(0, 10);
    const result = detector.detect({ candles });
    expect(result.name).toBe('UNKNOWN');
    expect(result.confidence).toBeLessThanOrEqual(0.5);
    expect(result.features.atr).toBeGreaterThan(0);
    expect(result.features.atr).toBeCloseTo(meanTrueRange(candles), 12);
    expect(result.features.atrPct).toBeCloseTo(result.features.atr / (candles.at(-1)?.c ?? Number.NaN), 12);
    expect(result.features.adx).toBeNull();
  });

  it('is UNKNOWN below minCandles even with ATR(14) available', () => {
    const candles = candlesOf(markets.uptrend).slice(0, DEFAULT_CLASSIC_THRESHOLDS.minCandles - 1);
    const result = detector.detect({ candles });
    expect(result.name).toBe('UNKNOWN');
    expect(result.features.atr).toBeGreaterThan(0);
  });

  it('classifies from exactly minCandles candles on', () => {
    const candles = candlesOf(markets.uptrend).slice(0, DEFAULT_CLASSIC_THRESHOLDS.minCandles);
    expect(detector.detect({ candles }).name).toBe('TREND_UP');
  });

  it('is UNKNOWN with atr 0 for no candles at all', () => {
    const result = detector.detect({ candles: [] });
    expect(result).toMatchObject({ name: 'UNKNOWN', confidence: 0.5 });
    expect(result.features).toMatchObject({ atr: 0, atrPct: 0, adx: null, trendStrength: null });
  });

  it('reports every feature, null where it cannot be computed yet', () => {
    const { features } = detector.detect({ candles: candlesOf(markets.uptrend).slice(0, 30) });
    expect(Object.keys(features).sort()).toEqual(
      [
        'adx',
        'atr',
        'atrPct',
        'bbWidth',
        'ema12',
        'ema26',
        'minusDi',
        'plusDi',
        'sma20',
        'sma50',
        'trendStrength',
        'volumeRatio',
      ].sort(),
    );
    expect(features.sma50).toBeNull();
    expect(features.trendStrength).toBeNull();
    expect(features.sma20).not.toBeNull();
    expect(features.ema26).not.toBeNull();
    expect(features.adx).not.toBeNull();
    expect(features.volumeRatio).toBeCloseTo(1, 12);
  });
});

describe('custom thresholds', () => {
  it('turns a quiet range into RANGE_HIGH_VOL when the high-volatility line is lowered', () => {
    const candles = candlesOf(markets.quietRange);
    const lowered = createClassicDetector({ highVolAtrPct: 0.005 }).detect({ candles });
    expect(lowered.name).toBe('RANGE_HIGH_VOL');
  });

  it('stops calling the uptrend a trend when the ADX bar is above its ADX', () => {
    const candles = candlesOf(markets.uptrend);
    const adx = detector.detect({ candles }).features.adx ?? Number.NaN;
    expect(createClassicDetector({ trendAdx: adx + 1 }).detect({ candles }).name).toBe('UNKNOWN');
  });

  it('calls the wide range HIGH_VOLATILITY when the extreme line is lowered below its ATR%', () => {
    const candles = candlesOf(markets.wideRange);
    expect(createClassicDetector({ extremeVolAtrPct: 0.04 }).detect({ candles }).name).toBe(
      'HIGH_VOLATILITY',
    );
  });

  it('calls a market ILLIQUID under stricter liquidity lines', () => {
    const candles = candlesOf(markets.uptrend);
    const liquidity = { volume24hUsd: 5_000_000, depthUsd: 80_000, spreadBps: 5 };
    expect(detector.detect({ candles, liquidity }).name).toBe('TREND_UP');
    const strict = createClassicDetector({ illiquidVolume24hUsd: 10_000_000, illiquidDepthUsd: 100_000 });
    expect(strict.detect({ candles, liquidity }).name).toBe('ILLIQUID');
  });

  it('asks for more history when minCandles is raised', () => {
    const candles = candlesOf(markets.uptrend).slice(0, 100);
    expect(detector.detect({ candles }).name).toBe('TREND_UP');
    expect(createClassicDetector({ minCandles: 101 }).detect({ candles }).name).toBe('UNKNOWN');
  });

  it('keeps the default for a threshold passed as undefined', () => {
    const candles = candlesOf(markets.uptrend);
    expect(createClassicDetector({ trendAdx: undefined }).detect({ candles }).name).toBe('TREND_UP');
  });
});

describe('detectAt over a precomputed series', () => {
  it('gives the same regimes as detect on the history up to each bar of the ttrc bars', () => {
    const candles = loadTtrcCandles().slice(0, 1_500);
    const series = computeIndicatorSeries(candles);
    const seen = new Set<string>();
    for (let bar = 0; bar < candles.length; bar += 7) {
      const direct: RegimeResult = detector.detect({ candles: candles.slice(0, bar + 1) });
      const fromSeries = detector.detectAt(series, bar);
      expect(fromSeries.name, `bar ${bar}`).toBe(direct.name);
      expect(fromSeries.confidence, `bar ${bar}`).toBeCloseTo(direct.confidence, 9);
      seen.add(direct.name);
    }
    expect(seen.size).toBeGreaterThanOrEqual(3);
  });
});

function features(overrides: Partial<RegimeFeatures>): RegimeFeatures {
  return {
    atr: 1,
    atrPct: 0.01,
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
    ...overrides,
  };
}
