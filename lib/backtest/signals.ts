import { emaSeries } from '../indicators';
import type { Candle, Side } from '../types';

/** A bar's entry signal: 1 enter LONG at its close, −1 enter SHORT, 0 nothing. */
export type SignalValue = -1 | 0 | 1;

/** Where a backtest's signals came from. */
export type SignalSource = 'column' | 'built-in';

export const TREND_SIGNAL_FAST_EMA = 12;
export const TREND_SIGNAL_SLOW_EMA = 26;

/**
 * The built-in trend signal, used when the data has no `signal` column: an EMA(12)/EMA(26)
 * crossover on closes. Bar i is 1 (LONG) when EMA(12) is above EMA(26) at bar i and was not
 * above it at bar i − 1 (the fast average crossed up), −1 (SHORT) when it is below at bar i and
 * was not below at i − 1, and 0 otherwise. Both averages are seeded with the SMA of their first
 * period, so the first possible signal is on bar 26 (the 27th). Each value uses bar i's close
 * and earlier ones only: the trade enters at that same close, never with knowledge of later bars.
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

/** The side a non-zero signal enters. */
export function signalSide(signal: 1 | -1): Side {
  return signal === 1 ? 'LONG' : 'SHORT';
}
