import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ARM_SETS,
  armId,
  armProfile,
  getArm,
  profileArm,
  REFERENCE_ARM,
  SEVEN_ARMS,
  STOP_SCALES,
  TARGET_SCALES,
} from '../../lib/arms';
import { ValidationError } from '../../lib/contract/validation-error';
import { frameDecision } from '../../lib/decide';
import { buildExitPlan } from '../../lib/exit-plan';
import { planPricesArePositive } from '../../lib/plausibility';
import { everyLiquidCandidate } from '../../lib/policies';
import { getProfile } from '../../lib/profiles';
import { plausiblePlan } from '../../lib/reward-credit';
import { type Bar, simulateTrade } from '../../lib/simulator';
import { type Side, STRATEGY_IDS } from '../../lib/types';

/** fast-check draws the same cases on every run. */
const FIXED_CASES = { seed: 14, numRuns: 300 };

describe('the arm sets', () => {
  it('keeps the seven profiles, with their ids, in profile order', () => {
    expect(SEVEN_ARMS.map((arm) => arm.id)).toEqual([...STRATEGY_IDS]);
    for (const arm of SEVEN_ARMS)
      expect(arm).toEqual({ id: arm.base, base: arm.base, slScale: 1, targetScale: 1 });
    expect(ARM_SETS.seven).toBe(SEVEN_ARMS);
  });

  it('makes the family the seven, then trend_rider and scalp under every stop × target scale but (1, 1)', () => {
    const family = ARM_SETS.family;
    expect(family).toHaveLength(7 + 2 * (STOP_SCALES.length * TARGET_SCALES.length - 1));
    expect(family).toHaveLength(35);
    expect(family.slice(0, 7)).toEqual([...SEVEN_ARMS]);
    const variants = family.slice(7);
    expect(variants.slice(0, 3).map((arm) => arm.id)).toEqual([
      'trend_rider@sl0.5xtg0.5',
      'trend_rider@sl0.5xtg1',
      'trend_rider@sl0.5xtg2',
    ]);
    expect(variants.at(-1)?.id).toBe('scalp@sl2xtg2');
    expect(new Set(family.map((arm) => arm.id)).size).toBe(35);
    for (const arm of variants) {
      expect(['trend_rider', 'scalp']).toContain(arm.base);
      expect(arm.slScale === 1 && arm.targetScale === 1).toBe(false);
      expect(arm.id).toBe(`${arm.base}@sl${arm.slScale}xtg${arm.targetScale}`);
    }
    expect(family.map((arm) => arm.id)).toContain(REFERENCE_ARM);
  });

  it('finds every arm by its stable id, and refuses an unknown one', () => {
    for (const arm of ARM_SETS.family) expect(getArm(arm.id)).toEqual(arm);
    expect(armId('scalp', 1, 1)).toBe('scalp');
    expect(armId('trend_rider', 1.5, 0.5)).toBe('trend_rider@sl1.5xtg0.5');
    expect(getArm(armId('trend_rider', 1.5, 0.5))).toMatchObject({ slScale: 1.5, targetScale: 0.5 });
    expect(() => getArm('moderate@sl2xtg1')).toThrow(RangeError);
    expect(() => getArm('nothing')).toThrow(/unknown arm nothing/);
  });
});

describe('armProfile', () => {
  it('is the profile itself for an unscaled arm', () => {
    for (const strategy of STRATEGY_IDS) expect(armProfile(profileArm(strategy))).toBe(getProfile(strategy));
  });

  it('scales the stop by slScale, and every target, the break-even trigger and the trailing stop by targetScale', () => {
    for (const arm of ARM_SETS.family) {
      const base = getProfile(arm.base);
      const scaled = armProfile(arm);
      expect(scaled.slAtr).toBeCloseTo(base.slAtr * arm.slScale, 12);
      scaled.takeProfits.forEach((tp, k) => {
        expect(tp.atr).toBeCloseTo((base.takeProfits[k]?.atr ?? Number.NaN) * arm.targetScale, 12);
        expect(tp.closeFraction).toBe(base.takeProfits[k]?.closeFraction);
      });
      expect(scaled.breakEvenAtr).toBeCloseTo(base.breakEvenAtr * arm.targetScale, 12);
      expect(scaled.trailing.activationAtr).toBeCloseTo(base.trailing.activationAtr * arm.targetScale, 12);
      expect(scaled.trailing.distanceAtr).toBeCloseTo(base.trailing.distanceAtr * arm.targetScale, 12);
      // What is not a distance stays the profile's.
      expect(scaled).toMatchObject({ id: base.id, riskMultiplier: base.riskMultiplier, suits: base.suits });
    }
  });
});

describe("variants' plans against the simulator", () => {
  // LONG at 100 on ATR 1. Bar 1 dips to 97; bar 2 rallies to 105.5; bar 3 opens at 104 and falls
  // back to 99.5.
  const path: Bar[] = [
    { o: 100, h: 100.5, l: 97, c: 99 },
    { o: 99, h: 105.5, l: 98.5, c: 105 },
    { o: 104, h: 104.2, l: 99.5, c: 100 },
  ];
  const outcome = (id: string) =>
    simulateTrade({
      side: 'LONG',
      plan: buildExitPlan({ side: 'LONG', entry: 100, atr: 1, profile: armProfile(getArm(id)) }),
      bars: path,
      horizonBars: 48,
    });

  it('stops trend_rider (2 ATRs) and a variant with the same stop on the dip', () => {
    expect(outcome('trend_rider')).toMatchObject({ realizedR: -1, exitReason: 'stop_loss', exitBarIndex: 0 });
    expect(outcome('trend_rider@sl1xtg0.5')).toMatchObject({ realizedR: -1, exitReason: 'stop_loss' });
  });

  it('lets the stop × 2 variant ride the dip: 30% at the first target, the rest at break-even', () => {
    // Stop 96 (1 R = 4); 30% at 105 (+1.5); break-even armed at 102.5, hit on bar 3 at 100.
    expect(outcome('trend_rider@sl2xtg1').realizedR).toBeCloseTo(1.5 / 4, 12);
    expect(outcome('trend_rider@sl2xtg1').exitReason).toBe('break_even');
  });

  it('fills the halved targets earlier and trails at half the distance', () => {
    // Stop 96; targets 102.5 and 104 fill on bar 2 (30% each: +0.75, +1.2); the trail (0.75 below
    // the 105.5 high) sits at 104.75, and bar 3 opens through it at 104: 40% × 4 = +1.6.
    expect(outcome('trend_rider@sl2xtg0.5').realizedR).toBeCloseTo((0.75 + 1.2 + 1.6) / 4, 12);
    expect(outcome('trend_rider@sl2xtg0.5').exitReason).toBe('trailing_stop');
  });

  it('stops scalp with half its stop at 99.6', () => {
    expect(outcome('scalp@sl0.5xtg2').realizedR).toBeCloseTo(-1, 12);
    expect(outcome('scalp@sl0.5xtg2').exitReason).toBe('stop_loss');
    expect(
      buildExitPlan({ side: 'LONG', entry: 100, atr: 1, profile: armProfile(getArm('scalp@sl0.5xtg2')) })
        .stopLoss,
    ).toBeCloseTo(99.6, 12);
  });
});

describe('never a non-positive price', () => {
  const market = fc.record({
    entry: fc.double({ min: 0.01, max: 1e6, noNaN: true }),
    // ATR from a thousandth of the price to 80% of it.
    atrShare: fc.double({ min: 0.001, max: 0.8, noNaN: true }),
    side: fc.constantFrom<Side>('LONG', 'SHORT'),
  });

  it('plans an arm of the family only if every one of its prices is positive', () => {
    fc.assert(
      fc.property(market, ({ entry, atrShare, side }) => {
        const atr = entry * atrShare;
        for (const arm of ARM_SETS.family) {
          const plan = plausiblePlan(side, entry, atr, arm);
          const built = buildExitPlan({ side, entry, atr, profile: armProfile(arm) });
          if (plan === undefined) expect(planPricesArePositive(built)).toBe(false);
          else expect(planPricesArePositive(plan)).toBe(true);
        }
      }),
      FIXED_CASES,
    );
  });

  it('frames only arms whose every price is positive, or refuses the signal naming candles', () => {
    fc.assert(
      fc.property(market, ({ entry, atrShare, side }) => {
        const atr = entry * atrShare;
        const policy = {
          detector: {
            name: 'fixed',
            detect: () => ({
              name: 'UNKNOWN' as const,
              confidence: 1,
              features: { atr, atrPct: atrShare, adx: null, trendStrength: null },
            }),
          },
          candidates: everyLiquidCandidate,
          arms: ARM_SETS.family,
        };
        const candles = Array.from({ length: 3 }, (_, t) => ({ t, o: entry, h: entry, l: entry, c: entry }));
        const fits = ARM_SETS.family.filter((arm) =>
          planPricesArePositive(buildExitPlan({ side, entry, atr, profile: armProfile(arm) })),
        );
        try {
          const framed = frameDecision(policy, { side, candles }, { entryMaxDistanceAtr: 10 });
          expect(framed.candidates).toEqual(fits.map((arm) => arm.id));
          for (const id of framed.candidates) {
            const plan = framed.plans[id];
            expect(plan !== undefined && planPricesArePositive(plan)).toBe(true);
          }
        } catch (error) {
          if (!(error instanceof ValidationError)) throw error;
          expect(fits).toEqual([]);
          expect(error.issues[0]?.path).toBe('candles');
        }
      }),
      FIXED_CASES,
    );
  });
});
