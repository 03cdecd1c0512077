import { describe, expect, it } from 'vitest';
import { latestIndicators } from '../../lib/indicators';
import { regimeFeatures, trendStrength } from '../../lib/regimes/regime-features';
import { loadTtrcCandles } from '../helpers/ttrc-fixture';

describe('trend strength', () => {
  it('is five times the mean of the SMA distances and ten times the EMA gap, relative', () => {
    // (102 − 100)/100 = 0.02, (102 − 101)/101 ≈ 0.0099, 10 · (101.5 − 101)/102 ≈ 0.049
    const expected = 5 * ((2 / 100 + 1 / 101 + (10 * 0.5) / 102) / 3);
    expect(trendStrength({ price: 102, sma20: 100, sma50: 101, ema12: 101.5, ema26: 101 })).toBeCloseTo(
      expected,
      12,
    );
  });

  it('is clipped to [−1, 1]', () => {
    expect(trendStrength({ price: 200, sma20: 100, sma50: 100, ema12: 150, ema26: 100 })).toBe(1);
    expect(trendStrength({ price: 50, sma20: 100, sma50: 100, ema12: 60, ema26: 100 })).toBe(-1);
  });
});

describe('regime features', () => {
  it('carries the snapshot indicators and the ATR as a fraction of the close', () => {
    const snapshot = latestIndicators(loadTtrcCandles().slice(0, 400));
    const features = regimeFeatures(snapshot);
    expect(snapshot).not.toBeNull();
    expect(features.atr).toBe(snapshot?.atr);
    expect(features.atrPct).toBeCloseTo((snapshot?.atr ?? Number.NaN) / (snapshot?.close ?? Number.NaN), 15);
    expect(features.adx).toBe(snapshot?.adx14);
    expect(features.sma50).toBe(snapshot?.sma50);
    expect(features.bbWidth).toBe(snapshot?.bbWidth20);
    expect(features.trendStrength).not.toBeNull();
  });

  it('has atr 0 and no indicators for an empty history', () => {
    expect(regimeFeatures(null)).toMatchObject({ atr: 0, atrPct: 0, adx: null, trendStrength: null });
  });
});
