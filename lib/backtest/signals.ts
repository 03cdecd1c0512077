import { bollingerZScoreSeries, emaSeries } from '../indicators';
import type { Candle, Side } from '../types';

/** A bar's entry signal: 1 enter LONG at its close, −1 enter SHORT, 0 nothing. */
export type SignalValue = -1 | 0 | 1;

/** The built-in signals a backtest can trade when the data brings none. */
export const SIGNAL_KINDS = ['ema-cross', 'breakout', 'reversion'] as const;
export type SignalKind = (typeof SIGNAL_KINDS)[number];
export const DEFAULT_SIGNAL_KIND: SignalKind = 'ema-cross';

/** Where a series' signals came from: the file's `signal` column, or a built-in kind. */
export type SignalSource = 'column' | SignalKind;

export const TREND_SIGNAL_FAST_EMA = 12;
export const TREND_SIGNAL_SLOW_EMA = 26;
export const BREAKOUT_SIGNAL_BARS = 20;
export const REVERSION_SIGNAL_BARS = 20;
export const REVERSION_SIGNAL_Z = 2;

/** One line per kind, for the usage text and the reports. */
export const SIGNAL_RULES: Readonly<Record<SignalKind, string>> = Object.freeze({
  'ema-cross': `EMA(${TREND_SIGNAL_FAST_EMA})/EMA(${TREND_SIGNAL_SLOW_EMA}) crossover`,
  breakout: `${BREAKOUT_SIGNAL_BARS}-bar close breakout`,
  reversion: `${REVERSION_SIGNAL_BARS}-bar Bollinger z-score crossing ±${REVERSION_SIGNAL_Z}, faded`,
});

/** The signals of a built-in kind. Each value uses its bar's close and earlier bars only. */
export function builtInSignals(kind: SignalKind, candles: readonly Candle[]): SignalValue[] {
  switch (kind) {
    case 'ema-cross':
      return trendCrossoverSignals(candles);
    case 'breakout':
      return breakoutSignals(candles);
    case 'reversion':
      return reversionSignals(candles);
  }
}

/**
 * The built-in trend signal (`ema-cross`): an EMA(12)/EMA(26) crossover on closes. Bar i is 1
 * (LONG) when EMA(12) is above EMA(26) at bar i and was not above it at bar i − 1 (the fast
 * average crossed up), −1 (SHORT) when it is below at bar i and was not below at i − 1, and 0
 * otherwise. Both averages are seeded with the SMA of their first period, so the first possible
 * signal is on bar 26 (the 27th). Each value uses bar i's close and earlier ones only: the trade
 * enters at that same close, never with knowledge of later bars.
 */
export function trendCrossoverSignals(candles: readonly Candle[]): SignalValue[] {
  const closes = candles.map((candle) => candle.c);
  const fast = emaSeries(closes, TREND_SIGNAL_FAST_EMA);
  const slow = emaSeries(closes, TREND_SIGNAL_SLOW_EMA);
  return candles.map((_, index): SignalValue => {
    const fastNow = fast[index];
    const slowNow = slow[index];
    const fastBefore = fast[index - 1];
    const slowBefore = slow[index - 1];
    if (
      fastNow === undefined ||
      slowNow === undefined ||
      fastBefore === undefined ||
      slowBefore === undefined
    ) {
      return 0;
    }
    if (fastNow > slowNow && fastBefore <= slowBefore) return 1;
    if (fastNow < slowNow && fastBefore >= slowBefore) return -1;
    return 0;
  });
}

/**
 * The `breakout` signal: 1 (LONG) on the bar whose close is above every close of the 20 bars
 * before it, −1 (SHORT) on the bar whose close is below all of them, and only on the first bar of
 * such a run (the bar before was not itself a breakout the same way), so a trend that keeps making
 * new highs enters once. The first possible signal is on bar 20 (the 21st).
 */
export function breakoutSignals(candles: readonly Candle[], bars = BREAKOUT_SIGNAL_BARS): SignalValue[] {
  const closes = candles.map((candle) => candle.c);
  const breakout = (index: number): SignalValue => {
    if (index < bars) return 0;
    let highest = Number.NEGATIVE_INFINITY;
    let lowest = Number.POSITIVE_INFINITY;
    for (let k = index - bars; k < index; k++) {
      const close = closes[k] ?? Number.NaN;
      if (close > highest) highest = close;
      if (close < lowest) lowest = close;
    }
    const close = closes[index] ?? Number.NaN;
    return close > highest ? 1 : close < lowest ? -1 : 0;
  };
  let previous: SignalValue = 0;
  return closes.map((_, index): SignalValue => {
    const now = breakout(index);
    const signal = now !== 0 && now !== previous ? now : 0;
    previous = now;
    return signal;
  });
}

/**
 * The `reversion` signal, a faded Bollinger band: z = (close − SMA20) / σ20 over the 20 closes
 * ending at the bar. Bar i is −1 (SHORT, fading the spike) when z crosses above +2 (z > 2 at bar i,
 * z ≤ 2 at bar i − 1), 1 (LONG) when it crosses below −2, 0 otherwise. The first possible signal is
 * on bar 20 (the 21st); a bar whose 20 closes did not move has no z and no signal.
 */
export function reversionSignals(
  candles: readonly Candle[],
  bars = REVERSION_SIGNAL_BARS,
  threshold = REVERSION_SIGNAL_Z,
): SignalValue[] {
  const z = bollingerZScoreSeries(
    candles.map((candle) => candle.c),
    bars,
  );
  return candles.map((_, index): SignalValue => {
    const now = z[index];
    const before = z[index - 1];
    if (now === undefined || before === undefined) return 0;
    if (now > threshold && before <= threshold) return -1;
    if (now < -threshold && before >= -threshold) return 1;
    return 0;
  });
}

/** The side a non-zero signal enters. */
export function signalSide(signal: 1 | -1): Side {
  return signal === 1 ? 'LONG' : 'SHORT';
}
