import { describe, expect, it } from 'vitest';
import { buildExitPlan, type ExitPlan } from '../../lib/exit-plan';
import {
  DEFAULT_PLAUSIBILITY,
  IMPLAUSIBLE_REASONS,
  type PlausibilitySettings,
  planPricesArePositive,
  planReach,
  type RewardFacts,
  rewardImplausibility,
} from '../../lib/plausibility';
import { getProfile } from '../../lib/profiles';
import { type Side, STRATEGY_IDS, type StrategyId } from '../../lib/types';

const plan = (strategy: StrategyId, side: Side, entry: number, atr: number): ExitPlan =>
  buildExitPlan({ side, entry, atr, profile: getProfile(strategy) });

describe('planPricesArePositive', () => {
  it('accepts every profile on a calm market, on both sides', () => {
    for (const strategy of STRATEGY_IDS) {
      expect(planPricesArePositive(plan(strategy, 'LONG', 100, 1))).toBe(true);
      expect(planPricesArePositive(plan(strategy, 'SHORT', 100, 1))).toBe(true);
    }
  });

  it('refuses a SHORT whose far target would cross zero, and one that lands exactly on it', () => {
    // trend_rider's third target is 12 ATRs away: 100 − 12·10 = −20.
    expect(planPricesArePositive(plan('trend_rider', 'SHORT', 100, 10))).toBe(false);
    // 120 − 12·10 = 0: a price of zero is no price.
    expect(planPricesArePositive(plan('trend_rider', 'SHORT', 120, 10))).toBe(false);
    // ultra_aggressive reaches 8 ATRs: 100 − 80 = 20.
    expect(planPricesArePositive(plan('ultra_aggressive', 'SHORT', 100, 10))).toBe(true);
  });

  it('refuses a LONG whose stop would sit at or below zero', () => {
    // trend_rider's stop is 2 ATRs below: 100 − 2·50 = 0.
    expect(planPricesArePositive(plan('trend_rider', 'LONG', 100, 50))).toBe(false);
    // defensive's stop is 1 ATR below: 50.
    expect(planPricesArePositive(plan('defensive', 'LONG', 100, 50))).toBe(true);
  });

  it('checks the break-even trigger and the trailing activation too', () => {
    const base = plan('moderate', 'SHORT', 100, 1);
    expect(planPricesArePositive({ ...base, breakEven: { triggerPrice: 0 } })).toBe(false);
    expect(planPricesArePositive({ ...base, trailing: { ...base.trailing, activationPrice: -1 } })).toBe(
      false,
    );
  });

  it('refuses a price that is not finite', () => {
    const base = plan('moderate', 'LONG', 100, 1);
    expect(planPricesArePositive({ ...base, stopLoss: Number.NaN })).toBe(false);
    expect(planPricesArePositive({ ...base, breakEven: { triggerPrice: Number.POSITIVE_INFINITY } })).toBe(
      false,
    );
  });
});

describe('planReach', () => {
  it('reaches −1 R at the stop and Σ closeFraction·r with every target filled', () => {
    const reach = planReach(plan('trend_rider', 'LONG', 100, 1));
    expect(reach.minR).toBe(-1);
    // Targets at 5, 8 and 12 ATRs over a stop of 2 ATRs, closing 30%, 30% and 40%.
    expect(reach.maxR).toBeCloseTo((0.3 * 5 + 0.3 * 8 + 0.4 * 12) / 2, 12);
    expect(reach.farthestTargetR).toBe(6);
  });

  it('is the same in R on both sides and at any price scale', () => {
    for (const strategy of STRATEGY_IDS) {
      const long = planReach(plan(strategy, 'LONG', 100, 1));
      expect(planReach(plan(strategy, 'SHORT', 100, 1))).toEqual(long);
      expect(planReach(plan(strategy, 'LONG', 65_000, 900))).toEqual(long);
    }
  });

  it('gives scalp its own fractions: 60%, 30%, 10% of targets 1.5, 2.25 and 3.125 R', () => {
    const reach = planReach(plan('scalp', 'LONG', 100, 1));
    expect(reach.maxR).toBeCloseTo(0.6 * 1.5 + 0.3 * 2.25 + 0.1 * 3.125, 12);
    expect(reach.farthestTargetR).toBe(3.125);
  });
});

describe('rewardImplausibility', () => {
  const CREATED = Date.UTC(2024, 0, 1, 12);
  const NOW = CREATED + 3_600_000;
  const settings: PlausibilitySettings = {
    entryMaxDistanceAtr: 10,
    rewardMaxAbsR: 20,
    rewardGapAllowanceR: 1,
    clockSkewMs: 300_000,
  };
  // trend_rider LONG at 100, ATR 1: stop 98, targets 105, 108, 112 (2.5, 4 and 6 R).
  const traded = plan('trend_rider', 'LONG', 100, 1);
  const reach = planReach(traded);
  const facts = (overrides: Partial<RewardFacts> = {}): RewardFacts => ({
    side: 'LONG',
    plan: traded,
    createdAt: CREATED,
    lastCandleAt: CREATED - 60_000,
    realizedR: 1,
    closedAt: CREATED + 1_800_000,
    now: NOW,
    ...overrides,
  });
  const reasonOf = (overrides: Partial<RewardFacts>, given: PlausibilitySettings = settings) =>
    rewardImplausibility(facts(overrides), given)?.reason;

  it('finds an ordinary reward plausible', () => {
    expect(rewardImplausibility(facts(), settings)).toBeUndefined();
  });

  it('has a default for every setting, and a reason for every case below', () => {
    expect(DEFAULT_PLAUSIBILITY).toEqual({
      entryMaxDistanceAtr: 10,
      rewardMaxAbsR: 20,
      rewardGapAllowanceR: 1,
      clockSkewMs: 300_000,
    });
    expect([...IMPLAUSIBLE_REASONS].sort()).toEqual(
      [
        'closed-before-decision',
        'closed-in-future',
        'exit-price-beyond-plan-reach',
        'path-before-decision',
        'path-beyond-plan-reach',
        'r-beyond-bound',
        'r-beyond-plan-reach',
      ].sort(),
    );
  });

  describe('|R| against its bound', () => {
    // A wide allowance, so that only the bound can refuse these.
    const wide = { ...settings, rewardGapAllowanceR: 100 };

    it('accepts |R| up to the bound on both sides', () => {
      expect(reasonOf({ realizedR: 20 }, wide)).toBeUndefined();
      expect(reasonOf({ realizedR: -20 }, wide)).toBeUndefined();
    });

    it('refuses |R| beyond the bound, naming R and the bound', () => {
      expect(rewardImplausibility(facts({ realizedR: 20.000001 }), wide)).toEqual({
        reason: 'r-beyond-bound',
        message: 'realizedR 20.000001 exceeds the bound of ±20 R',
      });
      expect(reasonOf({ realizedR: -1000 }, wide)).toBe('r-beyond-bound');
    });

    it('refuses an R that is not a number at all', () => {
      expect(reasonOf({ realizedR: Number.NaN }, wide)).toBe('r-beyond-bound');
      expect(reasonOf({ realizedR: Number.POSITIVE_INFINITY }, wide)).toBe('r-beyond-bound');
    });

    it('is checked before the plan reach', () => {
      expect(reasonOf({ realizedR: 25 })).toBe('r-beyond-bound');
    });
  });

  describe('R against what the plan can reach', () => {
    it('accepts R down to −1 − allowance and up to maxR + allowance', () => {
      expect(reasonOf({ realizedR: -2 })).toBeUndefined();
      expect(reasonOf({ realizedR: reach.maxR + 1 })).toBeUndefined();
    });

    it('refuses R below the stop by more than the allowance', () => {
      const found = rewardImplausibility(facts({ realizedR: -2.000001 }), settings);
      expect(found?.reason).toBe('r-beyond-plan-reach');
      expect(found?.message).toBe(
        'realizedR -2.000001 is outside what the plan can reach (-2 to 5.35 R with the 1 R allowance)',
      );
    });

    it('refuses R above every target filled by more than the allowance', () => {
      expect(reasonOf({ realizedR: reach.maxR + 1.000001 })).toBe('r-beyond-plan-reach');
      expect(reasonOf({ realizedR: 8 })).toBe('r-beyond-plan-reach');
    });

    it('widens with the allowance and narrows to the bare plan without one', () => {
      const none = { ...settings, rewardGapAllowanceR: 0 };
      expect(reasonOf({ realizedR: -1 }, none)).toBeUndefined();
      expect(reasonOf({ realizedR: -1.000001 }, none)).toBe('r-beyond-plan-reach');
      expect(reasonOf({ realizedR: reach.maxR }, none)).toBeUndefined();
      expect(reasonOf({ realizedR: reach.maxR + 0.000001 }, none)).toBe('r-beyond-plan-reach');
      const generous = { ...settings, rewardGapAllowanceR: 3 };
      expect(reasonOf({ realizedR: -4 }, generous)).toBeUndefined();
      expect(reasonOf({ realizedR: -4.000001 }, generous)).toBe('r-beyond-plan-reach');
    });
  });

  describe('the exit price against the stop and the farthest target', () => {
    it('accepts an exit price from −1 − allowance to the farthest target + allowance', () => {
      expect(reasonOf({ realizedR: 1, exitPriceR: -2 })).toBeUndefined();
      expect(reasonOf({ realizedR: 1, exitPriceR: 7 })).toBeUndefined();
    });

    it('refuses an exit price beyond the farthest target, even when R itself is within reach', () => {
      const found = rewardImplausibility(facts({ realizedR: 1, exitPriceR: 7.000001 }), settings);
      expect(found?.reason).toBe('exit-price-beyond-plan-reach');
      expect(found?.message).toContain('outside -2 to 7 R');
      // An exit 50× the entry: (5000 − 100) / 2 R.
      expect(reasonOf({ realizedR: 1, exitPriceR: 2450 }, { ...settings, rewardMaxAbsR: 1000 })).toBe(
        'exit-price-beyond-plan-reach',
      );
    });

    it('refuses an exit price below the stop by more than the allowance', () => {
      expect(reasonOf({ realizedR: -1, exitPriceR: -2.000001 })).toBe('exit-price-beyond-plan-reach');
    });

    it('refuses an exit price that prices to no number', () => {
      expect(reasonOf({ realizedR: 1, exitPriceR: Number.NaN })).toBe('exit-price-beyond-plan-reach');
    });
  });

  describe('the path against every plan it prices', () => {
    const other = plan('defensive', 'LONG', 100, 1);
    const otherReach = planReach(other);

    it('accepts a path whose every plan lands within its own reach, allowance included', () => {
      const pathR = [
        { plan: other, realizedR: -2 },
        { plan: other, realizedR: otherReach.maxR + 1 },
      ];
      expect(reasonOf({ pathR })).toBeUndefined();
    });

    it('refuses a path that prices some plan beyond its reach: its candles belong to another trade', () => {
      const found = rewardImplausibility(
        facts({
          pathR: [
            { plan: other, realizedR: 0.5 },
            { plan: other, realizedR: -99 },
          ],
        }),
        settings,
      );
      expect(found?.reason).toBe('path-beyond-plan-reach');
      expect(found?.message).toContain('-99 R');
      expect(reasonOf({ pathR: [{ plan: other, realizedR: otherReach.maxR + 1.000001 }] })).toBe(
        'path-beyond-plan-reach',
      );
    });
  });

  describe('the close time against the decision and the clock', () => {
    it('accepts a close up to the skew before the decision', () => {
      expect(reasonOf({ closedAt: CREATED - 300_000 })).toBeUndefined();
    });

    it('refuses a close before the decision beyond the skew, and one in 1970', () => {
      const found = rewardImplausibility(facts({ closedAt: CREATED - 300_001 }), settings);
      expect(found?.reason).toBe('closed-before-decision');
      expect(found?.message).toContain('2024-01-01T12:00:00.000Z');
      expect(reasonOf({ closedAt: 0 })).toBe('closed-before-decision');
    });

    it('accepts a close up to the skew after now and refuses one beyond it', () => {
      expect(reasonOf({ closedAt: NOW + 300_000 })).toBeUndefined();
      expect(reasonOf({ closedAt: NOW + 300_001 })).toBe('closed-in-future');
    });

    it('allows no skew at all when it is set to 0', () => {
      const strict = { ...settings, clockSkewMs: 0 };
      expect(reasonOf({ closedAt: CREATED }, strict)).toBeUndefined();
      expect(reasonOf({ closedAt: CREATED - 1 }, strict)).toBe('closed-before-decision');
      expect(reasonOf({ closedAt: NOW }, strict)).toBeUndefined();
      expect(reasonOf({ closedAt: NOW + 1 }, strict)).toBe('closed-in-future');
    });
  });

  describe("the path's first candle against the decision's last one", () => {
    const LAST = CREATED - 60_000;

    it('accepts a path that starts after the last candle the decision saw', () => {
      expect(reasonOf({ lastCandleAt: LAST, pathStartsAt: LAST + 1 })).toBeUndefined();
    });

    it('refuses a path that starts at the last candle or before it', () => {
      const found = rewardImplausibility(facts({ lastCandleAt: LAST, pathStartsAt: LAST }), settings);
      expect(found).toEqual({
        reason: 'path-before-decision',
        message: `the path starts at t=${LAST}, not after the decision's last candle (t=${LAST})`,
      });
      expect(reasonOf({ lastCandleAt: LAST, pathStartsAt: LAST - 86_400_000 })).toBe('path-before-decision');
    });

    it('cannot judge a decision recorded without its last candle, or a path without times', () => {
      const { lastCandleAt: _omitted, ...withoutLast } = facts();
      expect(rewardImplausibility({ ...withoutLast, pathStartsAt: 0 }, settings)).toBeUndefined();
      expect(reasonOf({ lastCandleAt: LAST })).toBeUndefined();
    });
  });
});
