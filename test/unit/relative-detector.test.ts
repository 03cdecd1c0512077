import { describe, expect, it } from 'vitest';
import { computeIndicatorSeries } from '../../lib/indicators';
import { seededRng } from '../../lib/random';
import { createClassicDetector } from '../../lib/regimes/classic-detector';
import {
  createRelativeDetector,
  DEFAULT_RELATIVE_THRESHOLDS,
  percentileRank,
  recentAtrPct,
} from '../../lib/regimes/relative-detector';
import type { Candle } from '../../lib/types';
import { syntheticCandles } from '../helpers/synthetic-candles';
import { loadTtrcCandles } from '../helpers/ttrc-fixture';

const detector = createRelativeDetector();
const ttrc = loadTtrcCandles();

function scaled(candles: readonly Candle[], factor: number): Candle[] {
  return candles.map((candle) => ({
    ...candle,
    o: candle.o * factor,
    h: candle.h * factor,
    l: candle.l * factor,
    c: candle.c * factor,
  }));
}

describe('relative regimes', () => {
  it.each([1000, 0.37, 1 / 3])(
    'gives the same regime at every bar of the bundled series with every price multiplied by %d',
    (factor) => {
      const original = computeIndicatorSeries(ttrc);
      const copy = computeIndicatorSeries(scaled(ttrc, factor));
      const differences = ttrc.flatMap((_, index) => {
        const a = detector.detectAt(original, index).name;
        const b = detector.detectAt(copy, index).name;
        return a === b ? [] : [{ index, a, b }];
      });
      expect(differences).toEqual([]);
    },
  );

  it('gives the same regime on a scaled copy of the candles a bot sends (detect)', () => {
    const copy = scaled(ttrc, 7.3);
    for (let end = 60; end < ttrc.length; end += 41) {
      const window = (candles: readonly Candle[]) => candles.slice(Math.max(0, end - 499), end + 1);
      expect(detector.detect({ candles: window(copy) }).name).toBe(
        detector.detect({ candles: window(ttrc) }).name,
      );
    }
  });

  it('classifies the candles a bot sends as a precomputed series does at the same bar', () => {
    const series = computeIndicatorSeries(ttrc);
    for (let end = 0; end < ttrc.length; end += 53) {
      const fromSeries = detector.detectAt(series, end);
      // A window of at least the lookback plus ATR's warm-up sees the same ATR% ranks.
      const fromCandles = detector.detect({ candles: ttrc.slice(0, end + 1) });
      expect(fromCandles.name).toBe(fromSeries.name);
      expect(fromCandles.features.atrPctPercentile).toBe(fromSeries.features.atrPctPercentile);
    }
  });

  it('sees trends on an instrument whose bars move 0.1%, where the absolute rules see none', () => {
    const quietTrend = syntheticCandles(seededRng(4), {
      bars: 300,
      startPrice: 1.1,
      driftPerBar: 0.0006,
      closeNoise: 0.0008,
      wickSize: 0.0005,
    });
    const falling = quietTrend.map((candle) => ({
      ...candle,
      o: 1 / candle.o,
      h: 1 / candle.l,
      l: 1 / candle.h,
      c: 1 / candle.c,
    }));
    const share = (candles: readonly Candle[], name: string, rules = detector) => {
      const series = computeIndicatorSeries(candles);
      let count = 0;
      for (let index = 100; index < candles.length; index++) {
        if (rules.detectAt(series, index).name === name) count++;
      }
      return count / (candles.length - 100);
    };
    expect(share(quietTrend, 'TREND_UP', createClassicDetector())).toBe(0);
    expect(share(quietTrend, 'TREND_UP')).toBeGreaterThan(0.8);
    expect(share(falling, 'TREND_DOWN')).toBeGreaterThan(0.8);
  });

  it('calls a market HIGH_VOLATILITY when its ATR% is among the widest of its own lookback', () => {
    const calm = syntheticCandles(seededRng(5), { bars: 200, closeNoise: 0.004, wickSize: 0.003 });
    const last = calm.at(-1) as Candle;
    const burst = Array.from({ length: 6 }, (_, k) => ({
      t: last.t + (k + 1) * 86_400_000,
      o: last.c,
      h: last.c * 1.06,
      l: last.c * 0.94,
      c: last.c,
      v: 1,
    }));
    const result = detector.detect({ candles: [...calm, ...burst] });
    expect(result.features.atrPctPercentile).toBe(1);
    expect(result.name).toBe('HIGH_VOLATILITY');
    // The same absolute ATR% is ordinary for an instrument that always moves that much.
    const wild = syntheticCandles(seededRng(5), { bars: 206, closeNoise: 0.004, wickSize: 0.06 });
    expect(detector.detect({ candles: wild }).name).not.toBe('HIGH_VOLATILITY');
  });

  it('splits ranges by the ATR% rank', () => {
    const range = syntheticCandles(seededRng(6), { bars: 200, closeNoise: 0.004, wickSize: 0.004 });
    const result = detector.detect({ candles: range });
    expect(result.name).toMatch(/^RANGE_/);
    const rank = result.features.atrPctPercentile ?? Number.NaN;
    expect(result.name).toBe(
      rank >= DEFAULT_RELATIVE_THRESHOLDS.highVolPercentile ? 'RANGE_HIGH_VOL' : 'RANGE_LOW_VOL',
    );
  });

  it('is UNKNOWN below 50 candles but still sizes a plan', () => {
    const result = detector.detect({ candles: ttrc.slice(0, 49) });
    expect(result.name).toBe('UNKNOWN');
    expect(result.features.atr).toBeGreaterThan(0);
  });

  it('calls ILLIQUID on two failing liquidity signs, never on missing fields', () => {
    const candles = ttrc.slice(0, 300);
    expect(detector.detect({ candles, liquidity: { spreadBps: 25, depthUsd: 10_000 } }).name).toBe(
      'ILLIQUID',
    );
    expect(detector.detect({ candles, liquidity: {} }).name).not.toBe('ILLIQUID');
    expect(detector.detect({ candles, liquidity: { spreadBps: 25 } }).name).not.toBe('ILLIQUID');
  });
});

describe('volatility rank', () => {
  it('ranks the calmest value 0, the wildest 1, and a lone value 0.5', () => {
    expect(percentileRank([3, 1, 2], 1)).toBe(0);
    expect(percentileRank([3, 1, 2], 3)).toBe(1);
    expect(percentileRank([3, 1, 2], 2)).toBe(0.5);
    expect(percentileRank([7], 7)).toBe(0.5);
  });

  it('reads the ATR% of the indicator module over the last bars', () => {
    const series = computeIndicatorSeries(ttrc.slice(0, 400));
    const expected = series.atr14
      .slice(-100)
      .map((atr, k) => (atr ?? Number.NaN) / (ttrc[300 + k]?.c ?? Number.NaN));
    const actual = recentAtrPct(ttrc.slice(0, 400), 100);
    expect(actual).toHaveLength(100);
    actual.forEach((value, k) => {
      expect(value).toBeCloseTo(expected[k] ?? Number.NaN, 14);
    });
  });
});
