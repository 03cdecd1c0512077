import type { Candle } from './types';

/*
 * The indicators at the last bar of a history, as plain loops that allocate nothing per bar.
 * They follow the `technicalindicators` code step for step (same seeding, same order of
 * operations), so they give the library's numbers; test/unit/indicators.test.ts holds them to
 * the library's lines at every bar of the ttrc data. They exist because the select path runs on
 * every request with a p99 budget of 1 ms: the library's generator-based indicators allocate
 * enough, and keep enough of it alive across young-generation collections, that a few percent
 * of calls pay a multi-millisecond GC pause.
 */

/** Wilder's ATR at the last candle: the SMA of the first `period` true ranges, then Wilder-smoothed. */
export function lastBarAtr(candles: readonly Candle[], period: number): number | null {
  if (candles.length <= period) {
    return null;
  }
  const exponent = 1 / period;
  let seedSum = 0;
  let atr = Number.NaN;
  for (let index = 1; index < candles.length; index++) {
    const range = trueRange(candles, index);
    if (index < period) {
      seedSum += range;
    } else if (index === period) {
      seedSum += range;
      atr = seedSum / period;
    } else {
      atr = (range - atr) * exponent + atr;
    }
  }
  return finiteOrNull(atr);
}

/** Wilder's ADX with +DI/−DI at the last candle, computed from bar `start` on. */
export function lastBarAdx(
  candles: readonly Candle[],
  period: number,
  start: number,
): { adx: number; plusDi: number; minusDi: number } | null {
  if (candles.length - start < 2 * period) {
    return null;
  }
  const exponent = 1 / period;
  let smoothedRange = 0;
  let smoothedPlus = 0;
  let smoothedMinus = 0;
  let dxSum = 0;
  let adx = Number.NaN;
  let plusDi = Number.NaN;
  let minusDi = Number.NaN;
  for (let index = start + 1; index < candles.length; index++) {
    const current = candles[index];
    const previous = candles[index - 1];
    if (current === undefined || previous === undefined) {
      return null;
    }
    const range = trueRange(candles, index);
    const upMove = current.h - previous.h;
    const downMove = previous.l - current.l;
    const plusMove = upMove > downMove && upMove > 0 ? upMove : 0;
    const minusMove = downMove > upMove && downMove > 0 ? downMove : 0;
    // The library's WilderSmoothing keeps sums, not means: the DI ratios are the same.
    const step = index - start;
    if (step <= period) {
      smoothedRange += range;
      smoothedPlus += plusMove;
      smoothedMinus += minusMove;
      if (step < period) {
        continue;
      }
    } else {
      smoothedRange = smoothedRange - smoothedRange / period + range;
      smoothedPlus = smoothedPlus - smoothedPlus / period + plusMove;
      smoothedMinus = smoothedMinus - smoothedMinus / period + minusMove;
    }
    plusDi = (smoothedPlus * 100) / smoothedRange;
    minusDi = (smoothedMinus * 100) / smoothedRange;
    const dx = (Math.abs(plusDi - minusDi) / (plusDi + minusDi)) * 100;
    const dxCount = step - period + 1;
    if (dxCount < period) {
      dxSum += dx;
    } else if (dxCount === period) {
      dxSum += dx;
      adx = dxSum / period;
    } else {
      adx = (dx - adx) * exponent + adx;
    }
  }
  return Number.isFinite(adx) && Number.isFinite(plusDi) && Number.isFinite(minusDi)
    ? { adx, plusDi, minusDi }
    : null;
}

/** EMA of the closes at the last candle, seeded with the SMA of the first `period` closes. */
export function lastBarEma(candles: readonly Candle[], period: number): number | null {
  if (candles.length < period) {
    return null;
  }
  const exponent = 2 / (period + 1);
  let seedSum = 0;
  let ema = Number.NaN;
  for (let index = 0; index < candles.length; index++) {
    const close = candles[index]?.c ?? Number.NaN;
    if (index < period - 1) {
      seedSum += close;
    } else if (index === period - 1) {
      seedSum += close;
      ema = seedSum / period;
    } else {
      ema = (close - ema) * exponent + ema;
    }
  }
  return finiteOrNull(ema);
}

/** Mean close of the last `period` candles. */
export function lastWindowMean(candles: readonly Candle[], period: number): number | null {
  if (candles.length < period) {
    return null;
  }
  let sum = 0;
  for (let index = candles.length - period; index < candles.length; index++) {
    sum += candles[index]?.c ?? Number.NaN;
  }
  return finiteOrNull(sum / period);
}

/** Bollinger band width over the last `period` closes, with the population σ the library uses. */
export function lastWindowBollingerWidth(
  candles: readonly Candle[],
  period: number,
  stdDevs: number,
): number | null {
  const mean = lastWindowMean(candles, period);
  if (mean === null) {
    return null;
  }
  let squares = 0;
  for (let index = candles.length - period; index < candles.length; index++) {
    const deviation = (candles[index]?.c ?? Number.NaN) - mean;
    squares += deviation * deviation;
  }
  return finiteOrNull((2 * stdDevs * Math.sqrt(squares / period)) / mean);
}

/** True range of bar `index` (≥ 1), in the library's form. */
function trueRange(candles: readonly Candle[], index: number): number {
  const current = candles[index];
  const previousClose = candles[index - 1]?.c;
  if (current === undefined || previousClose === undefined) {
    return Number.NaN;
  }
  return Math.max(
    current.h - current.l,
    Math.abs(current.h - previousClose),
    Math.abs(current.l - previousClose),
  );
}

function finiteOrNull(value: number): number | null {
  return Number.isFinite(value) ? value : null;
}
