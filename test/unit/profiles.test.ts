import { describe, expect, it } from 'vitest';
import {
  candidatesFor,
  getProfile,
  isStrategyId,
  isThinMarket,
  listProfiles,
  PROFILES,
  type RiskLevel,
} from '../../lib/profiles';
import { REGIMES, type RegimeName, STRATEGY_IDS, type StrategyId } from '../../lib/types';

/**
 * The original system's profile table, transcribed row for row from the project notes
 * (original-notes.md, "Strategy profiles"), which were read from the original
 * strategy_profiles.py. Columns: SL | TP1 TP2 TP3 | BE | closes | trail act, dist | risk level |
 * risk mult | min conf | suits T R HV LV | expected WR, avg R, R:R.
 */
type Row = [
  StrategyId,
  number,
  [number, number, number],
  number,
  [number, number, number],
  [number, number],
  RiskLevel,
  number,
  number,
  [boolean, boolean, boolean, boolean],
  [number, number, number],
];
const y = true;
const n = false;
// biome-ignore format: the table reads as the notes' table
const TABLE: Row[] = [
  ['defensive',           1.0, [1.5, 2.5, 4.0], 1.0, [0.5, 0.3, 0.2], [2.5, 0.8], 'VERY_LOW',  0.8, 0.45, [y, y, n, y], [0.55, 1.8, 1.8]],
  ['moderate',            1.0, [2.0, 3.5, 5.5], 1.2, [0.5, 0.3, 0.2], [3.0, 1.0], 'LOW',       1.0, 0.48, [y, y, y, y], [0.52, 2.3, 2.3]],
  ['moderate_aggressive', 1.0, [2.5, 4.0, 6.0], 1.5, [0.5, 0.3, 0.2], [3.5, 1.0], 'MEDIUM',    1.1, 0.50, [y, n, y, n], [0.50, 3.0, 3.0]],
  ['balanced_aggressive', 1.5, [4, 6, 10],      2.0, [0.5, 0.3, 0.2], [5.0, 1.2], 'HIGH',      1.2, 0.52, [y, n, y, n], [0.48, 4.5, 4.5]],
  ['ultra_aggressive',    1.0, [3, 5, 8],       1.5, [0.5, 0.3, 0.2], [4.0, 1.0], 'VERY_HIGH', 1.0, 0.53, [y, n, y, n], [0.45, 5.0, 5.0]],
  ['scalp',               0.8, [1.2, 1.8, 2.5], 0.6, [0.6, 0.3, 0.1], [1.5, 0.6], 'VERY_LOW',  0.7, 0.55, [n, y, n, y], [0.60, 1.3, 1.5]],
  ['trend_rider',         2.0, [5, 8, 12],      2.5, [0.3, 0.3, 0.4], [6.0, 1.5], 'VERY_HIGH', 1.3, 0.60, [y, n, y, n], [0.40, 6.5, 6.5]],
];

describe('strategy profiles', () => {
  it.each(TABLE)(
    'reproduces the original table row for %s',
    (id, sl, tps, be, closes, [act, dist], riskLevel, riskMult, minConf, [t, r, hv, lv], [wr, avgR, rr]) => {
      const p = getProfile(id);
      expect(p.id).toBe(id);
      expect(p.slAtr).toBe(sl);
      expect(p.takeProfits.map((tp) => tp.atr)).toEqual(tps);
      expect(p.takeProfits.map((tp) => tp.closeFraction)).toEqual(closes);
      expect(p.breakEvenAtr).toBe(be);
      expect(p.trailing).toEqual({ activationAtr: act, distanceAtr: dist });
      expect(p.riskLevel).toBe(riskLevel);
      expect(p.riskMultiplier).toBe(riskMult);
      expect(p.minConfidence).toBe(minConf);
      expect(p.suits).toEqual({ trend: t, range: r, highVol: hv, lowVol: lv });
      expect(p.expected).toEqual({ winRate: wr, avgR, rewardRisk: rr });
      expect(p.name.length).toBeGreaterThan(0);
      expect(p.description.length).toBeGreaterThan(0);
    },
  );

  it('lists the seven profiles in profile order', () => {
    expect(PROFILES.map((p) => p.id)).toEqual([...STRATEGY_IDS]);
    expect(listProfiles()).toBe(PROFILES);
    expect(TABLE.map((row) => row[0])).toEqual([...STRATEGY_IDS]);
  });

  it('closes the whole position over the three targets of every profile', () => {
    for (const p of PROFILES) {
      const total = p.takeProfits.reduce((sum, tp) => sum + tp.closeFraction, 0);
      expect(total).toBeCloseTo(1, 12);
    }
  });

  it('orders every profile so that break-even comes before trailing and targets grow', () => {
    for (const p of PROFILES) {
      const [tp1, tp2, tp3] = p.takeProfits;
      expect(tp1.atr).toBeLessThan(tp2.atr);
      expect(tp2.atr).toBeLessThan(tp3.atr);
      expect(p.breakEvenAtr).toBeLessThan(p.trailing.activationAtr);
      expect(p.trailing.distanceAtr).toBeGreaterThan(0);
    }
  });

  it('refuses to be mutated by a caller', () => {
    const p = getProfile('moderate');
    expect(Object.isFrozen(p)).toBe(true);
    expect(Object.isFrozen(p.takeProfits[0])).toBe(true);
    expect(Object.isFrozen(p.trailing)).toBe(true);
    expect(Object.isFrozen(PROFILES)).toBe(true);
  });

  it('recognises exactly the seven strategy ids', () => {
    for (const id of STRATEGY_IDS) expect(isStrategyId(id)).toBe(true);
    for (const other of ['none', 'Defensive', 'SCALP', '', 'trend-rider', 3, null, undefined]) {
      expect(isStrategyId(other)).toBe(false);
    }
  });
});

describe('candidatesFor', () => {
  const allBut = (excluded: StrategyId) => STRATEGY_IDS.filter((id) => id !== excluded);
  const expected: Record<RegimeName, StrategyId[]> = {
    TREND_UP: allBut('scalp'),
    TREND_DOWN: allBut('scalp'),
    RANGE_LOW_VOL: ['defensive', 'moderate', 'scalp'],
    RANGE_HIGH_VOL: ['defensive', 'moderate', 'scalp'],
    HIGH_VOLATILITY: allBut('defensive'),
    ILLIQUID: [...STRATEGY_IDS],
    UNKNOWN: [...STRATEGY_IDS],
  };
  const thinDrop = new Set<StrategyId>(['balanced_aggressive', 'ultra_aggressive', 'trend_rider']);

  it.each(REGIMES.map((regime) => [regime]))('gives the original candidates for %s', (regime) => {
    expect(candidatesFor(regime)).toEqual(expected[regime]);
    expect(candidatesFor(regime, {})).toEqual(expected[regime]);
  });

  it.each(REGIMES.map((regime) => [regime]))(
    'drops the far-target profiles in a thin %s market',
    (regime) => {
      const filtered = expected[regime].filter((id) => !thinDrop.has(id));
      expect(candidatesFor(regime, { spreadBps: 10.5 })).toEqual(filtered);
      expect(candidatesFor(regime, { depthUsd: 99_999 })).toEqual(filtered);
      expect(candidatesFor(regime, { spreadBps: 25, depthUsd: 10_000, volume24hUsd: 1 })).toEqual(filtered);
      expect(filtered.length).toBeGreaterThan(0);
    },
  );

  it('keeps every candidate at exactly the limits', () => {
    expect(candidatesFor('TREND_UP', { spreadBps: 10, depthUsd: 100_000 })).toEqual(expected.TREND_UP);
  });

  it('never filters on a missing liquidity field or on volume alone', () => {
    expect(candidatesFor('HIGH_VOLATILITY', { spreadBps: 2 })).toEqual(expected.HIGH_VOLATILITY);
    expect(candidatesFor('HIGH_VOLATILITY', { depthUsd: 250_000 })).toEqual(expected.HIGH_VOLATILITY);
    expect(candidatesFor('HIGH_VOLATILITY', { volume24hUsd: 0 })).toEqual(expected.HIGH_VOLATILITY);
    expect(isThinMarket(undefined)).toBe(false);
    expect(isThinMarket({})).toBe(false);
  });

  it('applies caller-supplied limits, keeping the default for a limit left out', () => {
    expect(candidatesFor('TREND_UP', { spreadBps: 8 }, { maxSpreadBps: 5 })).toEqual([
      'defensive',
      'moderate',
      'moderate_aggressive',
    ]);
    expect(candidatesFor('TREND_UP', { spreadBps: 8, depthUsd: 50_000 }, { maxSpreadBps: 20 })).toEqual([
      'defensive',
      'moderate',
      'moderate_aggressive',
    ]);
    expect(candidatesFor('TREND_UP', { depthUsd: 50_000 }, { minDepthUsd: 10_000 })).toEqual(
      expected.TREND_UP,
    );
  });

  it('returns a fresh array the caller may change', () => {
    const first = candidatesFor('UNKNOWN');
    first.pop();
    expect(candidatesFor('UNKNOWN')).toEqual([...STRATEGY_IDS]);
  });
});
