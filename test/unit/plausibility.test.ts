import { describe, expect, it } from 'vitest';
import { buildExitPlan, type ExitPlan } from '../../lib/exit-plan';
import {
  allowanceR,
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

describe('allowanceR', () => {
  it('is the allowance in ATRs over the stop distance in ATRs', () => {
    // defensive's stop is 1 ATR away, trend_rider's 2, scalp's 0.8.
    expect(allowanceR(plan('defensive', 'LONG', 100, 1), 3)).toBe(3);
    expect(allowanceR(plan('trend_rider', 'LONG', 100, 1), 3)).toBe(1.5);
    expect(allowanceR(plan('scalp', 'LONG', 100, 1), 3)).toBeCloseTo(3.75, 12);
  });

  it('allows every plan the same distance in price beyond its stop', () => {
    for (const strategy of STRATEGY_IDS) {
      const planned = plan(strategy, 'LONG', 100, 2);
      const riskPerR = planned.entry - planned.stopLoss;
      expect(allowanceR(planned, 3) * riskPerR).toBeCloseTo(3 * planned.atr, 9);
    }
  });

  it('is the same on both sides and at any price scale', () => {
    for (const strategy of STRATEGY_IDS) {
      const long = allowanceR(plan(strategy, 'LONG', 100, 1), 3);
      expect(allowanceR(plan(strategy, 'SHORT', 100, 1), 3)).toBeCloseTo(long, 9);
      expect(allowanceR(plan(strategy, 'LONG', 65_000, 900), 3)).toBeCloseTo(long, 9);
    }
  });

  it('grows in proportion to the allowance, and is 0 without one', () => {
    const planned = plan('moderate', 'SHORT', 100, 1);
    expect(allowanceR(planned, 0)).toBe(0);
    expect(allowanceR(planned, 0.5)).toBe(0.5);
    expect(allowanceR(planned, 6)).toBe(2 * allowanceR(planned, 3));
  });
});

describe('rewardImplausibility', () => {
  const CREATED = Date.UTC(2024, 0, 1, 12);
  const NOW = CREATED + 3_600_000;
  const settings: PlausibilitySettings = {
    entryMaxDistanceAtr: 10,
    rewardMaxAbsR: 20,
    rewardGapAllowanceAtr: 3,
    clockSkewMs: 300_000,
  };
  // trend_rider LONG at 100, ATR 1: stop 98 (1 R = 2), targets 105, 108, 112 (2.5, 4 and 6 R).
  const traded = plan('trend_rider', 'LONG', 100, 1);
  const reach = planReach(traded);
  // 3 ATRs beyond the stop or a target are 1.5 of this plan's R.
  const allowance = allowanceR(traded, settings.rewardGapAllowanceAtr);
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
      rewardGapAllowanceAtr: 3,
      clockSkewMs: 300_000,
    });
    expect([...IMPLAUSIBLE_REASONS].sort()).toEqual(
      [
        'closed-before-decision',
        'closed-in-future',
        'exit-price-beyond-plan-reach',
        'path-before-decision',
        'path-off-market',
        'r-beyond-bound',
        'r-beyond-plan-reach',
      ].sort(),
    );
  });

  describe('|R| against its bound', () => {
    // A wide allowance (100 ATRs, 50 R here), so that only the bound can refuse these.
    const wide = { ...settings, rewardGapAllowanceAtr: 100 };

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
      expect(allowance).toBe(1.5);
      expect(reasonOf({ realizedR: -2.5 })).toBeUndefined();
      expect(reasonOf({ realizedR: -1 - allowance })).toBeUndefined();
      expect(reasonOf({ realizedR: reach.maxR + allowance })).toBeUndefined();
      expect(reasonOf({ realizedR: reach.maxR + allowance - 0.000001 })).toBeUndefined();
    });

    it('refuses R below the stop by more than the allowance, naming it in ATRs and in R', () => {
      const found = rewardImplausibility(facts({ realizedR: -2.500001 }), settings);
      expect(found?.reason).toBe('r-beyond-plan-reach');
      expect(found?.message).toBe(
        'realizedR -2.500001 is outside what the plan can reach (-2.5 to 5.85 R with the gap allowance of 3 ATR, 1.5 R)',
      );
    });

    it('refuses R above every target filled by more than the allowance', () => {
      expect(reasonOf({ realizedR: reach.maxR + allowance + 0.000001 })).toBe('r-beyond-plan-reach');
      expect(reasonOf({ realizedR: 8 })).toBe('r-beyond-plan-reach');
    });

    it('widens with the allowance and narrows to the bare plan without one', () => {
      const none = { ...settings, rewardGapAllowanceAtr: 0 };
      expect(reasonOf({ realizedR: -1 }, none)).toBeUndefined();
      expect(reasonOf({ realizedR: -1.000001 }, none)).toBe('r-beyond-plan-reach');
      expect(reasonOf({ realizedR: reach.maxR }, none)).toBeUndefined();
      expect(reasonOf({ realizedR: reach.maxR + 0.000001 }, none)).toBe('r-beyond-plan-reach');
      // 8 ATRs are 4 R for trend_rider.
      const generous = { ...settings, rewardGapAllowanceAtr: 8 };
      expect(reasonOf({ realizedR: -5 }, generous)).toBeUndefined();
      expect(reasonOf({ realizedR: -5.000001 }, generous)).toBe('r-beyond-plan-reach');
    });

    it('allows a tight stop the same gap in price as a wide one, so more of its R', () => {
      // A fill 2 ATRs past the stop: −2 R past trend_rider's 2-ATR stop, −2.5 R past scalp's 0.8.
      const scalp = plan('scalp', 'LONG', 100, 1);
      const scalpAllowance = allowanceR(scalp, settings.rewardGapAllowanceAtr);
      expect(scalpAllowance).toBeCloseTo(3.75, 12);
      expect(reasonOf({ plan: scalp, realizedR: -1 - 2 / 0.8 })).toBeUndefined();
      expect(reasonOf({ realizedR: -1 - 2 / 2 })).toBeUndefined();
      // At scalp's edges, 3 ATRs past its stop and past every target filled.
      expect(reasonOf({ plan: scalp, realizedR: -1 - scalpAllowance })).toBeUndefined();
      expect(reasonOf({ plan: scalp, realizedR: -1 - scalpAllowance - 0.000001 })).toBe(
        'r-beyond-plan-reach',
      );
      const scalpMax = planReach(scalp).maxR;
      expect(reasonOf({ plan: scalp, realizedR: scalpMax + scalpAllowance })).toBeUndefined();
      expect(reasonOf({ plan: scalp, realizedR: scalpMax + scalpAllowance + 0.000001 })).toBe(
        'r-beyond-plan-reach',
      );
      // The same R past the stop is too much for trend_rider: 2.5 R there are 5 ATRs.
      expect(reasonOf({ realizedR: -1 - 2.5 })).toBe('r-beyond-plan-reach');
    });

    it('reads the allowance in the plan of the decision, on both sides', () => {
      const short = plan('trend_rider', 'SHORT', 100, 1);
      expect(reasonOf({ side: 'SHORT', plan: short, realizedR: -2.5 })).toBeUndefined();
      expect(reasonOf({ side: 'SHORT', plan: short, realizedR: -2.500001 })).toBe('r-beyond-plan-reach');
    });
  });

  describe('the exit price against the stop and the farthest target', () => {
    it('accepts an exit price from −1 − allowance to the farthest target + allowance', () => {
      expect(reasonOf({ realizedR: 1, exitPriceR: -1 - allowance })).toBeUndefined();
      expect(reasonOf({ realizedR: 1, exitPriceR: reach.farthestTargetR + allowance })).toBeUndefined();
      expect(reasonOf({ realizedR: 1, exitPriceR: 7.5 })).toBeUndefined();
    });

    it('refuses an exit price beyond the farthest target, even when R itself is within reach', () => {
      const found = rewardImplausibility(facts({ realizedR: 1, exitPriceR: 7.500001 }), settings);
      expect(found?.reason).toBe('exit-price-beyond-plan-reach');
      expect(found?.message).toContain('outside -2.5 to 7.5 R');
      // An exit 50× the entry: (5000 − 100) / 2 R.
      expect(reasonOf({ realizedR: 1, exitPriceR: 2450 }, { ...settings, rewardMaxAbsR: 1000 })).toBe(
        'exit-price-beyond-plan-reach',
      );
    });

    it('refuses an exit price below the stop by more than the allowance', () => {
      expect(reasonOf({ realizedR: -1, exitPriceR: -1 - allowance - 0.000001 })).toBe(
        'exit-price-beyond-plan-reach',
      );
      expect(reasonOf({ realizedR: -1, exitPriceR: -2.500001 })).toBe('exit-price-beyond-plan-reach');
    });

    it('refuses an exit price that prices to no number', () => {
      expect(reasonOf({ realizedR: 1, exitPriceR: Number.NaN })).toBe('exit-price-beyond-plan-reach');
    });
  });

  describe("the path's opens against the entry and the close before each", () => {
    it('refuses a later bar that opens farther from the close before it, naming the bar', () => {
      // The first bar opens at the entry and closes at 101; the second opens 10.5 ATRs above.
      const opens = [
        { o: 100, c: 101 },
        { o: 111.5, c: 111.5 },
      ];
      expect(rewardImplausibility(facts({ pathOpens: opens }), settings)).toEqual({
        reason: 'path-off-market',
        message:
          "the path's bar 1 opens at 111.5, 10.5 ATRs from the close before it, 101 (at most 10): its candles do not belong to this trade",
      });
      // A path that drifts far, one bar at a time, is of this market.
      const drift = Array.from({ length: 40 }, (_, i) => ({ o: 100 + 5 * i, c: 105 + 5 * i }));
      expect(reasonOf({ pathOpens: drift })).toBeUndefined();
      // A bar of another market in the middle of the path (a price of 1,000,000 against 100).
      expect(
        reasonOf({
          pathOpens: [
            { o: 100, c: 100 },
            { o: 1e6, c: 1e6 },
          ],
        }),
      ).toBe('path-off-market');
    });

    // Within entryMaxDistanceAtr (10) ATRs of the entry 100 on ATR 1, as an entry price must be.
    it('accepts a path that opens anywhere up to the distance from the entry, on either side', () => {
      expect(reasonOf({ pathOpens: [{ o: 100, c: 100 }] })).toBeUndefined();
      expect(reasonOf({ pathOpens: [{ o: 110, c: 110 }] })).toBeUndefined();
      expect(reasonOf({ pathOpens: [{ o: 90, c: 90 }] })).toBeUndefined();
      expect(reasonOf({ pathOpens: [{ o: 109.999999, c: 109.999999 }] })).toBeUndefined();
    });

    it('judges the open by the entry distance, and leaves the gap allowance to R', () => {
      // 93 lies 5 ATRs past trend_rider's stop at 98, 2 more than the gap allowance: the path is
      // still of this market; only an R beyond −1 − 1.5 is refused, and for R.
      expect(reasonOf({ pathOpens: [{ o: 93, c: 93 }], realizedR: -2.5 })).toBeUndefined();
      expect(reasonOf({ pathOpens: [{ o: 93, c: 93 }], realizedR: -3.5 })).toBe('r-beyond-plan-reach');
    });

    it('refuses a path that opens farther, naming the open, its distance and the limit', () => {
      expect(rewardImplausibility(facts({ pathOpens: [{ o: 110.5, c: 110.5 }] }), settings)).toEqual({
        reason: 'path-off-market',
        message:
          'the path opens at 110.5, 10.5 ATRs from the entry 100 (at most 10): its candles do not belong to this trade',
      });
      expect(reasonOf({ pathOpens: [{ o: 110.000001, c: 110.000001 }] })).toBe('path-off-market');
      expect(reasonOf({ pathOpens: [{ o: 89.999999, c: 89.999999 }] })).toBe('path-off-market');
      // Candles of another market: 1000 against an entry of 100.
      expect(reasonOf({ pathOpens: [{ o: 1000, c: 1000 }] })).toBe('path-off-market');
    });

    it('refuses a path whose open is no number', () => {
      expect(reasonOf({ pathOpens: [{ o: Number.NaN, c: Number.NaN }] })).toBe('path-off-market');
      expect(reasonOf({ pathOpens: [{ o: Number.POSITIVE_INFINITY, c: Number.POSITIVE_INFINITY }] })).toBe(
        'path-off-market',
      );
    });

    it('measures the distance in ATRs of the plan and follows the setting', () => {
      // On ATR 900 at 65,000, 10 ATRs are 9,000 of price.
      const wideAtr = plan('trend_rider', 'SHORT', 65_000, 900);
      expect(
        reasonOf({ side: 'SHORT', plan: wideAtr, realizedR: 1, pathOpens: [{ o: 56_000, c: 56_000 }] }),
      ).toBeUndefined();
      expect(
        reasonOf({ side: 'SHORT', plan: wideAtr, realizedR: 1, pathOpens: [{ o: 55_999, c: 55_999 }] }),
      ).toBe('path-off-market');
      const strict = { ...settings, entryMaxDistanceAtr: 0.5 };
      expect(reasonOf({ pathOpens: [{ o: 100.5, c: 100.5 }] }, strict)).toBeUndefined();
      expect(reasonOf({ pathOpens: [{ o: 100.500001, c: 100.500001 }] }, strict)).toBe('path-off-market');
    });

    it('is checked after R and the exit price, and before the close time', () => {
      expect(reasonOf({ pathOpens: [{ o: 1000, c: 1000 }], realizedR: 8 })).toBe('r-beyond-plan-reach');
      expect(reasonOf({ pathOpens: [{ o: 1000, c: 1000 }], exitPriceR: 99 })).toBe(
        'exit-price-beyond-plan-reach',
      );
      expect(reasonOf({ pathOpens: [{ o: 1000, c: 1000 }], closedAt: 0 })).toBe('path-off-market');
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
