import { describe, expect, it } from 'vitest';
import { trendCrossoverSignals } from '../../lib/backtest/signals';
import { emaSeries } from '../../lib/indicators';
import { seededRng } from '../../lib/random';
import type { Candle } from '../../lib/types';
import { syntheticCandles } from '../helpers/synthetic-candles';

function fromCloses(closes: readonly number[]): Candle[] {
  return closes.map((c, index) => ({ t: index * 60_000, o: c, h: c + 0.5, l: c - 0.5, c }));
}

describe('trendCrossoverSignals', () => {
  it('goes LONG on the bar EMA(12) crosses above EMA(26) and SHORT on the bar it crosses below', () => {
    const closes = [
      ...Array.from({ length: 40 }, () => 100),
      ...Array.from({ length: 30 }, (_, i) => 101 + i),
      ...Array.from({ length: 40 }, (_, i) => 129 - 2 * i),
    ];
    const signals = trendCrossoverSignals(fromCloses(closes));
    const fast = emaSeries(closes, 12);
    const slow = emaSeries(closes, 26);
    const longs = signals.flatMap((s, i) => (s === 1 ? [i] : []));
    const shorts = signals.flatMap((s, i) => (s === -1 ? [i] : []));
    expect(longs).toEqual([40]);
    expect(shorts).toHaveLength(1);
    const [short = -1] = shorts;
    expect((fast[short] ?? 0) < (slow[short] ?? 0)).toBe(true);
    expect((fast[short - 1] ?? 0) >= (slow[short - 1] ?? 0)).toBe(true);
  });

  it('gives no signal before both averages have a previous bar', () => {
    const candles = syntheticCandles(seededRng(3), { bars: 60, closeNoise: 0.03 });
    expect(trendCrossoverSignals(candles).slice(0, 26)).toEqual(Array(26).fill(0));
  });

  it('decides each bar from that bar and earlier ones only', () => {
    const candles = syntheticCandles(seededRng(11), { bars: 300, driftPerBar: 0.0005, closeNoise: 0.02 });
    const full = trendCrossoverSignals(candles);
    expect(full.filter((s) => s !== 0).length).toBeGreaterThan(5);
    for (const end of [30, 77, 150, 299]) {
      expect(trendCrossoverSignals(candles.slice(0, end + 1))).toEqual(full.slice(0, end + 1));
    }
  });
});
