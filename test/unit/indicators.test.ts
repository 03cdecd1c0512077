import { describe, expect, it } from 'vitest';
import {
  bollingerWidthSeries,
  computeIndicatorSeries,
  type IndicatorLine,
  type IndicatorSeries,
  latestIndicators,
  meanTrueRange,
  snapshotAt,
  volumeRatioSeries,
} from '../../lib/indicators';
import { seededRng } from '../../lib/random';
import type { Candle } from '../../lib/types';
import { loadTtrcCandles, loadTtrReference, type TtrReferenceRow } from '../helpers/ttrc-fixture';

const candles = loadTtrcCandles();
const reference = loadTtrReference();
const series = computeIndicatorSeries(candles);

function relativeError(actual: number, expected: number): number {
  return expected === 0 ? Math.abs(actual) : Math.abs(actual - expected) / Math.abs(expected);
}

/** Largest relative error over bars from `fromBar` on where the reference has a value. */
function worstError(line: IndicatorLine, column: keyof Omit<TtrReferenceRow, 'date'>, fromBar = 0): number {
  let worst = 0;
  let compared = 0;
  reference.forEach((row, bar) => {
    const expected = row[column];
    if (bar < fromBar || expected === undefined) {
      return;
    }
    const actual = line[bar];
    worst = Math.max(
      worst,
      actual === undefined ? Number.POSITIVE_INFINITY : relativeError(actual, expected),
    );
    compared++;
  });
  expect(compared).toBeGreaterThan(5_000);
  return worst;
}

function candle(t: number, h: number, l: number, c: number, v?: number): Candle {
  return v === undefined ? { t, o: c, h, l, c } : { t, o: c, h, l, c, v };
}

describe('indicator lines on the ttrc daily bars, against TTR 0.24.3', () => {
  it('loads all 5,550 bars and reference rows', () => {
    expect(candles).toHaveLength(5_550);
    expect(reference).toHaveLength(5_550);
  });

  it('matches ATR(14) within 1e-9 relative on every bar TTR has a value for', () => {
    expect(worstError(series.atr14, 'atr14')).toBeLessThan(1e-9);
  });

  it('matches SMA(20), SMA(50) and SMA(200) within 1e-9 relative', () => {
    expect(worstError(series.sma20, 'sma20')).toBeLessThan(1e-9);
    expect(worstError(series.sma50, 'sma50')).toBeLessThan(1e-9);
    expect(worstError(series.sma200, 'sma200')).toBeLessThan(1e-9);
  });

  it('matches EMA(12) and EMA(26) within 1e-9 relative', () => {
    expect(worstError(series.ema12, 'ema12')).toBeLessThan(1e-9);
    expect(worstError(series.ema26, 'ema26')).toBeLessThan(1e-9);
  });

  it('matches ADX(14), +DI(14) and -DI(14) within 1e-4 relative from bar 150 on', () => {
    expect(worstError(series.adx14, 'adx14', 150)).toBeLessThan(1e-4);
    expect(worstError(series.plusDi14, 'pdi14', 150)).toBeLessThan(1e-4);
    expect(worstError(series.minusDi14, 'mdi14', 150)).toBeLessThan(1e-4);
  });

  it('aligns every line to the input index with undefined exactly during warm-up', () => {
    const firstValue = (line: IndicatorLine) => line.findIndex((value) => value !== undefined);
    const lines: [keyof Omit<IndicatorSeries, 'candles'>, number][] = [
      ['atr14', 14],
      ['adx14', 27],
      ['plusDi14', 27],
      ['minusDi14', 27],
      ['sma20', 19],
      ['sma50', 49],
      ['sma200', 199],
      ['ema12', 11],
      ['ema26', 25],
      ['bbWidth20', 19],
      ['volumeRatio20', 20],
    ];
    for (const [name, warmUpBars] of lines) {
      const line = series[name];
      expect(line, name).toHaveLength(candles.length);
      expect(firstValue(line), name).toBe(warmUpBars);
      expect(
        line.slice(warmUpBars).every((value) => value !== undefined && Number.isFinite(value)),
        name,
      ).toBe(true);
    }
  });
});

describe('snapshots', () => {
  it('gives from latestIndicators the numbers of the library lines at every bar', () => {
    // ATR, ADX/DI and EMA follow the library step for step, so they agree exactly; the windowed
    // means differ from the library's running sums only in rounding.
    const exact = new Set([
      'candleCount',
      'close',
      'atr',
      'atr14',
      'adx14',
      'plusDi14',
      'minusDi14',
      'ema12',
      'ema26',
    ]);
    for (let bar = 0; bar < candles.length; bar++) {
      const fromSeries = snapshotAt(series, bar);
      const latest = latestIndicators(candles.slice(0, bar + 1));
      for (const [name, value] of Object.entries(fromSeries)) {
        const other = latest?.[name as keyof typeof fromSeries];
        if (value === null || other === null || other === undefined || exact.has(name)) {
          if (other !== value) {
            expect(other, `${name} at bar ${bar}`).toBe(value);
          }
        } else if (relativeError(other, value) >= 1e-12) {
          expect(relativeError(other, value), `${name} at bar ${bar}`).toBeLessThan(1e-12);
        }
      }
    }
  });

  it('agrees with the library lines on synthetic markets, including a flat opening', () => {
    const rng = seededRng(7);
    const flat = Array.from({ length: 30 }, (_, t) => candle(t, 10, 10, 10, 0));
    let close = 10;
    const moving = Array.from({ length: 300 }, (_, k) => {
      close *= 1 + 0.03 * (rng() - 0.48);
      return candle(30 + k, close * (1 + 0.01 * rng()), close * (1 - 0.01 * rng()), close, 1_000 * rng());
    });
    const bars = [...flat, ...moving];
    const synthetic = computeIndicatorSeries(bars);
    for (let bar = 0; bar < bars.length; bar++) {
      const fromSeries = snapshotAt(synthetic, bar);
      const latest = latestIndicators(bars.slice(0, bar + 1));
      expect(latest?.atr, `atr at bar ${bar}`).toBe(fromSeries.atr);
      expect(latest?.adx14, `adx at bar ${bar}`).toBe(fromSeries.adx14);
      expect(latest?.plusDi14, `+DI at bar ${bar}`).toBe(fromSeries.plusDi14);
      expect(latest?.ema26, `ema26 at bar ${bar}`).toBe(fromSeries.ema26);
      expect(latest?.volumeRatio20 ?? null, `volume ratio at bar ${bar}`).toBe(fromSeries.volumeRatio20);
    }
    expect(synthetic.adx14.at(-1)).toBeDefined();
  });

  it('reports the snapshot bar, its close and ATR(14) once there are 15 candles', () => {
    const snapshot = snapshotAt(series, 4_000);
    expect(snapshot.candleCount).toBe(4_001);
    expect(snapshot.close).toBe(candles[4_000]?.c);
    expect(snapshot.atr).toBe(series.atr14[4_000]);
    expect(snapshot.atr14).toBe(series.atr14[4_000]);
  });

  it('sizes a short history with the mean true range of the candles given', () => {
    const short = [candle(0, 11, 9, 10), candle(1, 13, 10, 12), candle(2, 12.5, 11.5, 12)];
    // true ranges: 11 - 9 = 2; max(3, |13 - 10|, |10 - 10|) = 3; max(1, |12.5 - 12|, |11.5 - 12|) = 1
    const snapshot = latestIndicators(short);
    expect(snapshot?.atr).toBeCloseTo(2, 12);
    expect(snapshot?.atr14).toBeNull();
    expect(snapshot?.adx14).toBeNull();
    expect(snapshot?.sma20).toBeNull();
    expect(snapshot?.ema12).toBeNull();
    expect(snapshot?.volumeRatio20).toBeNull();
    expect(snapshotAt(computeIndicatorSeries(short), 2).atr).toBeCloseTo(2, 12);
  });

  it('counts gaps between closes in the mean true range of bars without a range', () => {
    const gapping = [candle(0, 10, 10, 10), candle(1, 11, 11, 11), candle(2, 11, 11, 11)];
    expect(meanTrueRange(gapping)).toBeCloseTo(1 / 3, 12);
    const still = [candle(0, 10, 10, 10), candle(1, 10, 10, 10)];
    expect(meanTrueRange(still)).toBe(0);
  });

  it('has no snapshot for an empty history', () => {
    expect(latestIndicators([])).toBeNull();
  });

  it('rejects a bar outside the series', () => {
    expect(() => snapshotAt(series, candles.length)).toThrow(RangeError);
  });
});

describe('Bollinger band width', () => {
  it('is four population standard deviations over the 20-bar mean', () => {
    const closes = candles.slice(0, 300).map((bar) => bar.c);
    const widths = bollingerWidthSeries(closes);
    for (const bar of [19, 20, 150, 299]) {
      const window = closes.slice(bar - 19, bar + 1);
      const mean = window.reduce((sum, close) => sum + close, 0) / 20;
      const sigma = Math.sqrt(window.reduce((sum, close) => sum + (close - mean) ** 2, 0) / 20);
      expect(relativeError(widths[bar] ?? Number.NaN, (4 * sigma) / mean)).toBeLessThan(1e-12);
    }
  });

  it('is zero for a market that does not move', () => {
    expect(bollingerWidthSeries(Array.from({ length: 25 }, () => 7)).at(-1)).toBe(0);
  });
});

describe('volume ratio', () => {
  it('divides the bar volume by the mean volume of the 20 bars before it', () => {
    const bars = Array.from({ length: 22 }, (_, t) => candle(t, 11, 9, 10, t < 20 ? 100 + t : 300));
    const ratios = volumeRatioSeries(bars);
    const meanOfFirst20 = (100 + 119) / 2;
    expect(ratios[19]).toBeUndefined();
    expect(ratios[20]).toBeCloseTo(300 / meanOfFirst20, 12);
    expect(ratios[21]).toBeCloseTo(300 / ((meanOfFirst20 * 20 - 100 + 300) / 20), 12);
  });

  it('is missing when the bar or any bar of its lookback has no volume', () => {
    const bars = Array.from({ length: 23 }, (_, t) =>
      candle(t, 11, 9, 10, t === 5 || t === 22 ? undefined : 50),
    );
    const ratios = volumeRatioSeries(bars);
    expect(ratios[20]).toBeUndefined();
    expect(ratios[21]).toBeUndefined();
    expect(ratios[22]).toBeUndefined();
    expect(latestIndicators(bars)?.volumeRatio20).toBeNull();
  });

  it('is missing rather than infinite after 20 bars without volume', () => {
    const bars = Array.from({ length: 21 }, (_, t) => candle(t, 11, 9, 10, t < 20 ? 0 : 10));
    expect(volumeRatioSeries(bars)[20]).toBeUndefined();
  });
});

describe('ADX on degenerate openings', () => {
  it('recovers after a flat opening stretch instead of staying undefined', () => {
    const flat = Array.from({ length: 40 }, (_, t) => candle(t, 10, 10, 10));
    const rising = Array.from({ length: 40 }, (_, k) => candle(40 + k, 11 + k, 9 + k, 10.5 + k));
    const bars = [...flat, ...rising];
    const adx = computeIndicatorSeries(bars).adx14;
    expect(adx.slice(0, 40).every((value) => value === undefined)).toBe(true);
    expect(adx.at(-1)).toBeCloseTo(100, 9);
    expect(latestIndicators(bars)?.plusDi14).toBeGreaterThan(0);
    expect(latestIndicators(bars)?.minusDi14).toBe(0);
  });

  it('has no ADX for a market that never moves', () => {
    const flat = Array.from({ length: 60 }, (_, t) => candle(t, 10, 10, 10));
    const snapshot = latestIndicators(flat);
    expect(snapshot?.adx14).toBeNull();
    expect(snapshot?.atr).toBe(0);
    expect(snapshot?.sma50).toBe(10);
  });
});
