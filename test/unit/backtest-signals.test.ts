import { describe, expect, it } from 'vitest';
import {
  breakoutSignals,
  builtInSignals,
  reversionSignals,
  trendCrossoverSignals,
} from '../../lib/backtest/signals';
import { bollingerZScoreSeries, emaSeries } from '../../lib/indicators';
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

describe('breakoutSignals', () => {
  it('goes LONG on the first close above the 20 closes before it and SHORT on the first below them', () => {
    const closes = [
      ...Array.from({ length: 25 }, (_, i) => 100 + (i % 2)), // a range of 100/101
      102, // bar 25: above every earlier close: LONG
      103, // bar 26: a new high again, but the run has already entered
      101,
      ...Array.from({ length: 22 }, () => 101),
      99.5, // bar 50: below the 20 closes before it: SHORT
    ];
    const signals = breakoutSignals(fromCloses(closes));
    expect(signals.flatMap((s, i) => (s === 0 ? [] : [[i, s]]))).toEqual([
      [25, 1],
      [50, -1],
    ]);
  });

  it('gives no signal before there are 20 earlier closes, and decides each bar from earlier bars only', () => {
    const candles = syntheticCandles(seededRng(12), { bars: 400, driftPerBar: 0.0008, closeNoise: 0.02 });
    const full = breakoutSignals(candles);
    expect(full.slice(0, 20)).toEqual(Array(20).fill(0));
    expect(full.filter((s) => s === 1).length).toBeGreaterThan(3);
    expect(full.filter((s) => s === -1).length).toBeGreaterThan(0);
    for (const end of [25, 120, 399])
      expect(breakoutSignals(candles.slice(0, end + 1))).toEqual(full.slice(0, end + 1));
  });
});

describe('reversionSignals', () => {
  it('fades a close that pushes the 20-bar z-score above +2 (SHORT) or below −2 (LONG)', () => {
    const flat = Array.from({ length: 30 }, (_, i) => 100 + (i % 2 === 0 ? 0.5 : -0.5));
    const closes = [...flat, 103, 103.2, ...flat, 96.5];
    const z = bollingerZScoreSeries(closes, 20);
    const signals = reversionSignals(fromCloses(closes));
    expect(z[30]).toBeGreaterThan(2);
    expect(z[29]).toBeLessThanOrEqual(2);
    expect(signals[30]).toBe(-1);
    // Still above +2 on the next bar: no new signal until it crosses again.
    expect(z[31]).toBeGreaterThan(2);
    expect(signals[31]).toBe(0);
    const last = closes.length - 1;
    expect(z[last]).toBeLessThan(-2);
    expect(signals[last]).toBe(1);
    expect(signals.filter((s) => s !== 0)).toHaveLength(2);
  });

  it('computes z from the 20 closes ending at the bar, σ over the same closes', () => {
    const closes = Array.from({ length: 40 }, (_, i) => 100 + Math.sin(i) * 3);
    const z = bollingerZScoreSeries(closes, 20);
    const window = closes.slice(20, 40);
    const mean = window.reduce((s, c) => s + c, 0) / 20;
    const sd = Math.sqrt(window.reduce((s, c) => s + (c - mean) ** 2, 0) / 20);
    expect(z[39]).toBeCloseTo(((closes[39] ?? 0) - mean) / sd, 10);
    expect(z[18]).toBeUndefined();
    expect(bollingerZScoreSeries(Array(25).fill(5), 20)[24]).toBeUndefined();
  });

  it('decides each bar from that bar and earlier ones only', () => {
    const candles = syntheticCandles(seededRng(13), { bars: 400, closeNoise: 0.02, trending: true });
    const full = reversionSignals(candles);
    expect(full.filter((s) => s !== 0).length).toBeGreaterThan(5);
    for (const end of [30, 200, 399])
      expect(reversionSignals(candles.slice(0, end + 1))).toEqual(full.slice(0, end + 1));
  });
});

describe('builtInSignals', () => {
  it('answers each kind with its rule', () => {
    const candles = syntheticCandles(seededRng(14), { bars: 300, driftPerBar: 0.0005, closeNoise: 0.02 });
    expect(builtInSignals('ema-cross', candles)).toEqual(trendCrossoverSignals(candles));
    expect(builtInSignals('breakout', candles)).toEqual(breakoutSignals(candles));
    expect(builtInSignals('reversion', candles)).toEqual(reversionSignals(candles));
  });
});
