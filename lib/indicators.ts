import { ADX } from 'technicalindicators/lib/directionalmovement/ADX';
import { ATR } from 'technicalindicators/lib/directionalmovement/ATR';
import { EMA } from 'technicalindicators/lib/moving_averages/EMA';
import { SMA } from 'technicalindicators/lib/moving_averages/SMA';
import { BollingerBands } from 'technicalindicators/lib/volatility/BollingerBands';
import {
  lastBarAdx,
  lastBarAtr,
  lastBarEma,
  lastWindowBollingerWidth,
  lastWindowMean,
} from './indicators-last-bar';
import type { Candle } from './types';

/*
 * Two ways to the same numbers. The `…Series` functions and computeIndicatorSeries run the
 * `technicalindicators` implementations (checked against TTR in the tests) over a whole history,
 * for backtests and for detectors that need an indicator's past. latestIndicators, on the select
 * path, computes only the last bar with allocation-free loops that follow the library step for
 * step, and is held to the library's lines at every bar by the tests. Per-indicator imports keep
 * the library's share of a bundle small (its main entry pulls in every indicator).
 */

/**
 * One value per input candle, oldest first, aligned to the input index. `undefined` marks a bar
 * where the indicator has no value: warm-up, or inputs that make it undefined (missing volume,
 * a zero denominator). A line never holds NaN or ±Infinity.
 */
export type IndicatorLine = readonly (number | undefined)[];

export const ATR_PERIOD = 14;
export const ADX_PERIOD = 14;
export const BOLLINGER_PERIOD = 20;
export const BOLLINGER_STD_DEVS = 2;
export const VOLUME_RATIO_LOOKBACK = 20;

/**
 * Passed to every indicator so that a global `setConfig('precision', …)` elsewhere in the process
 * can never round our numbers.
 */
const exact = (value: number): number => value;

/** Every indicator the regime detectors use, computed once over a whole candle array. */
export interface IndicatorSeries {
  readonly candles: readonly Candle[];
  /** Wilder's ATR(14); first value at index 14. */
  readonly atr14: IndicatorLine;
  /** Wilder's ADX(14); first value at index 27. */
  readonly adx14: IndicatorLine;
  /** +DI(14), reported from the bar ADX(14) starts on. */
  readonly plusDi14: IndicatorLine;
  /** −DI(14), reported from the bar ADX(14) starts on. */
  readonly minusDi14: IndicatorLine;
  readonly sma20: IndicatorLine;
  readonly sma50: IndicatorLine;
  readonly sma200: IndicatorLine;
  readonly ema12: IndicatorLine;
  readonly ema26: IndicatorLine;
  /** Bollinger band width (upper − lower) / middle, 20 bars, 2σ (population σ). */
  readonly bbWidth20: IndicatorLine;
  /** Volume of the bar / mean volume of the 20 bars before it. */
  readonly volumeRatio20: IndicatorLine;
}

/** The indicators at one bar. `null` where the line has no value at that bar. */
export interface IndicatorSnapshot {
  /** Number of candles up to and including this bar. */
  candleCount: number;
  close: number;
  /**
   * ATR(14) when there are at least 15 candles, otherwise the mean true range of the candles
   * so far, so that a plan can still be sized on a short history. 0 only when nothing moved.
   */
  atr: number;
  atr14: number | null;
  adx14: number | null;
  plusDi14: number | null;
  minusDi14: number | null;
  sma20: number | null;
  sma50: number | null;
  sma200: number | null;
  ema12: number | null;
  ema26: number | null;
  bbWidth20: number | null;
  volumeRatio20: number | null;
}

/** Wilder's average true range. */
export function atrSeries(candles: readonly Candle[], period = ATR_PERIOD): IndicatorLine {
  const values = ATR.calculate({ ...highLowClose(candles), period, format: exact });
  return alignRight(candles.length, values);
}

/**
 * Wilder's ADX with the +DI/−DI it is built from; the DI lines start on ADX's first bar.
 *
 * When the first Wilder window holds no directional movement at all (a flat or inside-bar
 * opening stretch), the library's DI would be 0/0 and its smoothed DX would stay NaN for the
 * rest of the series; the computation then starts at the bar before the first movement instead.
 */
export function adxSeries(
  candles: readonly Candle[],
  period = ADX_PERIOD,
): { adx: IndicatorLine; plusDi: IndicatorLine; minusDi: IndicatorLine } {
  const start = adxStart(candles, period);
  const rows = ADX.calculate({ ...highLowClose(candles.slice(start)), period, format: exact });
  return {
    adx: alignRight(
      candles.length,
      rows.map((row) => row.adx),
    ),
    plusDi: alignRight(
      candles.length,
      rows.map((row) => row.pdi),
    ),
    minusDi: alignRight(
      candles.length,
      rows.map((row) => row.mdi),
    ),
  };
}

/** Simple moving average of `values`. */
export function smaSeries(values: readonly number[], period: number): IndicatorLine {
  return alignRight(values.length, SMA.calculate({ period, values: [...values], format: exact }));
}

/** Exponential moving average of `values`, seeded with the SMA of the first `period` values. */
export function emaSeries(values: readonly number[], period: number): IndicatorLine {
  return alignRight(values.length, EMA.calculate({ period, values: [...values], format: exact }));
}

/** Bollinger band width, (upper − lower) / middle. */
export function bollingerWidthSeries(
  closes: readonly number[],
  period = BOLLINGER_PERIOD,
  stdDevs = BOLLINGER_STD_DEVS,
): IndicatorLine {
  const bands = BollingerBands.calculate({ period, stdDev: stdDevs, values: [...closes], format: exact });
  return alignRight(
    closes.length,
    bands.map((band) => (band.upper - band.lower) / band.middle),
  );
}

/**
 * How many standard deviations each close sits from its Bollinger middle band: (close − SMA) / σ
 * over the `period` closes ending at that bar (population σ, as the bands use). `undefined` in the
 * warm-up and where the closes did not move (σ = 0).
 */
export function bollingerZScoreSeries(closes: readonly number[], period = BOLLINGER_PERIOD): IndicatorLine {
  // With a 1σ band, upper − middle is σ itself.
  const bands = BollingerBands.calculate({ period, stdDev: 1, values: [...closes], format: exact });
  const offset = closes.length - bands.length;
  return closes.map((close, index) => {
    const band = bands[index - offset];
    if (band === undefined) return undefined;
    const sigma = band.upper - band.middle;
    return sigma > 0 ? finiteOrUndefined((close - band.middle) / sigma) : undefined;
  });
}

/** Volume of each bar over the mean volume of the `lookback` bars before it. */
export function volumeRatioSeries(
  candles: readonly Candle[],
  lookback = VOLUME_RATIO_LOOKBACK,
): IndicatorLine {
  return candles.map((_, index) => volumeRatioAt(candles, index, lookback));
}

/**
 * Computes every indicator line once, for callers that look at many bars of the same history
 * (backtests): pair with {@link snapshotAt} instead of calling {@link latestIndicators} per bar.
 */
export function computeIndicatorSeries(candles: readonly Candle[]): IndicatorSeries {
  const closes = candles.map((candle) => candle.c);
  const adx = adxSeries(candles);
  return {
    candles,
    atr14: atrSeries(candles),
    adx14: adx.adx,
    plusDi14: adx.plusDi,
    minusDi14: adx.minusDi,
    sma20: smaSeries(closes, 20),
    sma50: smaSeries(closes, 50),
    sma200: smaSeries(closes, 200),
    ema12: emaSeries(closes, 12),
    ema26: emaSeries(closes, 26),
    bbWidth20: bollingerWidthSeries(closes),
    volumeRatio20: volumeRatioSeries(candles),
  };
}

/**
 * The indicators as they stood at bar `index` of a precomputed series: the same numbers
 * {@link latestIndicators} gives for `candles.slice(0, index + 1)`, up to rounding.
 */
export function snapshotAt(series: IndicatorSeries, index: number): IndicatorSnapshot {
  const { candles } = series;
  const candle = candles[index];
  if (candle === undefined) {
    throw new RangeError(`bar ${index} is outside a series of ${candles.length} candles`);
  }
  const atr14 = series.atr14[index] ?? null;
  return {
    candleCount: index + 1,
    close: candle.c,
    atr: atr14 ?? meanTrueRange(candles, index + 1),
    atr14,
    adx14: series.adx14[index] ?? null,
    plusDi14: series.plusDi14[index] ?? null,
    minusDi14: series.minusDi14[index] ?? null,
    sma20: series.sma20[index] ?? null,
    sma50: series.sma50[index] ?? null,
    sma200: series.sma200[index] ?? null,
    ema12: series.ema12[index] ?? null,
    ema26: series.ema26[index] ?? null,
    bbWidth20: series.bbWidth20[index] ?? null,
    volumeRatio20: series.volumeRatio20[index] ?? null,
  };
}

/**
 * The indicators at the last candle, for the select path: allocation-free loops that give the
 * library's numbers (see indicators-last-bar.ts) — the same as {@link snapshotAt} on
 * {@link computeIndicatorSeries} at the last bar, up to the rounding of the library's running
 * sums in SMA. Returns `null` for an empty input.
 */
export function latestIndicators(candles: readonly Candle[]): IndicatorSnapshot | null {
  const last = candles.at(-1);
  if (last === undefined) {
    return null;
  }
  const count = candles.length;
  const atr14 = lastBarAtr(candles, ATR_PERIOD);
  const adx = lastBarAdx(candles, ADX_PERIOD, adxStart(candles, ADX_PERIOD));
  return {
    candleCount: count,
    close: last.c,
    atr: atr14 ?? meanTrueRange(candles, count),
    atr14,
    adx14: adx?.adx ?? null,
    plusDi14: adx?.plusDi ?? null,
    minusDi14: adx?.minusDi ?? null,
    sma20: lastWindowMean(candles, 20),
    sma50: lastWindowMean(candles, 50),
    sma200: lastWindowMean(candles, 200),
    ema12: lastBarEma(candles, 12),
    ema26: lastBarEma(candles, 26),
    bbWidth20: lastWindowBollingerWidth(candles, BOLLINGER_PERIOD, BOLLINGER_STD_DEVS),
    volumeRatio20: volumeRatioAt(candles, count - 1, VOLUME_RATIO_LOOKBACK) ?? null,
  };
}

/**
 * Mean true range of the first `count` candles; the first bar, having no previous close,
 * contributes its high − low.
 */
export function meanTrueRange(candles: readonly Candle[], count = candles.length): number {
  let sum = 0;
  let previousClose: number | undefined;
  const end = Math.min(count, candles.length);
  for (let index = 0; index < end; index++) {
    const candle = candles[index];
    if (candle === undefined) {
      break;
    }
    const range = candle.h - candle.l;
    sum +=
      previousClose === undefined
        ? range
        : Math.max(range, Math.abs(candle.h - previousClose), Math.abs(candle.l - previousClose));
    previousClose = candle.c;
  }
  return end > 0 ? sum / end : 0;
}

function volumeRatioAt(candles: readonly Candle[], index: number, lookback: number): number | undefined {
  const volume = candles[index]?.v;
  if (index < lookback || !Number.isFinite(volume) || volume === undefined) {
    return undefined;
  }
  let sum = 0;
  for (let previous = index - lookback; previous < index; previous++) {
    const previousVolume = candles[previous]?.v;
    if (previousVolume === undefined || !Number.isFinite(previousVolume)) {
      return undefined;
    }
    sum += previousVolume;
  }
  return finiteOrUndefined(volume / (sum / lookback));
}

/** Wilder's window is bars 1..period; it must hold some directional movement (see adxSeries). */
function adxStart(candles: readonly Candle[], period: number): number {
  for (let index = 1; index < candles.length; index++) {
    const current = candles[index];
    const previous = candles[index - 1];
    if (current === undefined || previous === undefined) {
      break;
    }
    const upMove = current.h - previous.h;
    const downMove = previous.l - current.l;
    if ((upMove > downMove && upMove > 0) || (downMove > upMove && downMove > 0)) {
      return index <= period ? 0 : index - 1;
    }
  }
  return candles.length;
}

function highLowClose(candles: readonly Candle[]): { high: number[]; low: number[]; close: number[] } {
  const high = new Array<number>(candles.length);
  const low = new Array<number>(candles.length);
  const close = new Array<number>(candles.length);
  candles.forEach((candle, index) => {
    high[index] = candle.h;
    low[index] = candle.l;
    close[index] = candle.c;
  });
  return { high, low, close };
}

/** The library returns only post-warm-up values; they belong to the last bars of the input. */
function alignRight(length: number, values: readonly number[]): (number | undefined)[] {
  const line = new Array<number | undefined>(length).fill(undefined);
  const offset = length - values.length;
  values.forEach((value, index) => {
    line[offset + index] = finiteOrUndefined(value);
  });
  return line;
}

function finiteOrUndefined(value: number): number | undefined {
  return Number.isFinite(value) ? value : undefined;
}
