import { describe, expect, it } from 'vitest';
import { ARM_SETS, type ArmSpec, armProfile, getArm, SEVEN_ARMS } from '../../lib/arms';
import { ValidationError } from '../../lib/contract/validation-error';
import { chooseFramed, type FramedDecision, frameDecision, framedPlan } from '../../lib/decide';
import { buildExitPlan } from '../../lib/exit-plan';
import { addToCell, armIncrement } from '../../lib/learners/cell-stats';
import type { ChooseInput, Learner } from '../../lib/learners/learner';
import { planPricesArePositive } from '../../lib/plausibility';
import { everyLiquidCandidate } from '../../lib/policies';
import { getProfile } from '../../lib/profiles';
import { seededRng } from '../../lib/random';
import { createClassicDetector } from '../../lib/regimes/classic-detector';
import type { RegimeDetector, RegimeFeatures } from '../../lib/regimes/regime-detector';
import { type Candle, type RegimeName, STRATEGY_IDS } from '../../lib/types';

/** Always `regime`, with the features given (ATR 1 unless said otherwise). */
function fixedDetector(regime: RegimeName, features: Partial<RegimeFeatures> = {}): RegimeDetector {
  return {
    name: `fixed:${regime}`,
    detect: () => ({
      name: regime,
      confidence: 1,
      features: { atr: 1, atrPct: 0.01, adx: null, trendStrength: null, ...features },
    }),
  };
}

/** `bars` candles closing at `close`, one hour apart. */
function candlesAt(close: number, bars = 20): Candle[] {
  return Array.from({ length: bars }, (_, index) => ({
    t: index * 3_600_000,
    o: close,
    h: close * 1.001,
    l: close * 0.999,
    c: close,
  }));
}

/** The ValidationError `run` throws (fails the test when it throws nothing or something else). */
function validationErrorOf(run: () => unknown): ValidationError {
  try {
    run();
  } catch (error) {
    if (error instanceof ValidationError) return error;
    throw error;
  }
  throw new Error('expected a ValidationError');
}

const SETTINGS = { entryMaxDistanceAtr: 10 };
/** Every profile is a candidate, as in the default policy. */
const everyProfile = (
  features: Partial<RegimeFeatures> = {},
  regime: RegimeName = 'UNKNOWN',
  arms: readonly ArmSpec[] = SEVEN_ARMS,
) => ({
  detector: fixedDetector(regime, features),
  candidates: everyLiquidCandidate,
  arms,
});

describe('frameDecision', () => {
  it('frames a calm signal: regime, entry at the last close, every candidate with its plan', () => {
    const framed = frameDecision(everyProfile(), { side: 'LONG', candles: candlesAt(100) }, SETTINGS);
    expect(framed.regime.name).toBe('UNKNOWN');
    expect(framed.entry).toBe(100);
    expect(framed.candidates).toEqual([...STRATEGY_IDS]);
    for (const strategy of STRATEGY_IDS) {
      expect(framed.plans[strategy]).toEqual(
        buildExitPlan({ side: 'LONG', entry: 100, atr: 1, profile: getProfile(strategy) }),
      );
    }
  });

  it("keeps to the policy's candidates, in profile order", () => {
    const framed = frameDecision(
      { detector: fixedDetector('RANGE_LOW_VOL'), arms: SEVEN_ARMS },
      { side: 'SHORT', candles: candlesAt(100) },
      SETTINGS,
    );
    expect(framed.candidates).toEqual(['defensive', 'moderate', 'scalp']);
    expect(Object.keys(framed.plans).sort()).toEqual(['defensive', 'moderate', 'scalp']);
  });

  it('refuses candles with no price range (ATR 0), naming candles', () => {
    const error = validationErrorOf(() =>
      frameDecision(everyProfile({ atr: 0 }), { side: 'LONG', candles: candlesAt(100) }, SETTINGS),
    );
    expect(error.issues).toEqual([{ path: 'candles', message: expect.stringContaining('ATR is 0') }]);
  });

  it('refuses flat candles under the real detector too', () => {
    const flat = candlesAt(100).map((candle) => ({ ...candle, h: 100, l: 100 }));
    const error = validationErrorOf(() =>
      frameDecision(
        { detector: createClassicDetector(), arms: SEVEN_ARMS },
        { side: 'LONG', candles: flat },
        SETTINGS,
      ),
    );
    expect(error.issues[0]?.path).toBe('candles');
  });

  it('accepts an entryPrice up to entryMaxDistanceAtr ATRs from the last close', () => {
    const framed = frameDecision(
      everyProfile(),
      { side: 'LONG', candles: candlesAt(100), entryPrice: 110 },
      SETTINGS,
    );
    expect(framed.entry).toBe(110);
    expect(framed.plans.moderate?.entry).toBe(110);
    expect(
      frameDecision(everyProfile(), { side: 'SHORT', candles: candlesAt(100), entryPrice: 90 }, SETTINGS)
        .entry,
    ).toBe(90);
  });

  it('refuses an entryPrice farther than entryMaxDistanceAtr, naming entryPrice and the setting', () => {
    const error = validationErrorOf(() =>
      frameDecision(everyProfile(), { side: 'LONG', candles: candlesAt(100), entryPrice: 110.5 }, SETTINGS),
    );
    expect(error.issues).toHaveLength(1);
    expect(error.issues[0]?.path).toBe('entryPrice');
    expect(error.issues[0]?.message).toContain('10.5 ATRs from the last close 100');
    expect(error.issues[0]?.message).toContain('ENTRY_MAX_DISTANCE_ATR');
    // A billion times away, in either direction.
    for (const entryPrice of [1e11, 1e-7]) {
      const far = validationErrorOf(() =>
        frameDecision(everyProfile(), { side: 'LONG', candles: candlesAt(100), entryPrice }, SETTINGS),
      );
      expect(far.issues[0]?.path).toBe('entryPrice');
    }
  });

  it('reads the distance in ATRs: a tighter setting refuses what a looser one accepts', () => {
    const signal = { side: 'LONG' as const, candles: candlesAt(100), entryPrice: 103 };
    expect(frameDecision(everyProfile({ atr: 2 }), signal, { entryMaxDistanceAtr: 1.5 }).entry).toBe(103);
    expect(
      validationErrorOf(() => frameDecision(everyProfile({ atr: 2 }), signal, { entryMaxDistanceAtr: 1.4 }))
        .issues[0]?.path,
    ).toBe('entryPrice');
  });

  describe('on a violent market (ATR about a quarter of the price)', () => {
    const violent = everyProfile({ atr: 24, atrPct: 0.24 });

    it('drops the SHORT profiles whose targets would cross zero and keeps those that fit', () => {
      const framed = frameDecision(violent, { side: 'SHORT', candles: candlesAt(100) }, SETTINGS);
      // defensive's farthest target is 4 ATRs (100 − 96 = 4), scalp's 2.5; every other reaches 5.5 or more.
      expect(framed.candidates).toEqual(['defensive', 'scalp']);
      expect(Object.keys(framed.plans).sort()).toEqual(['defensive', 'scalp']);
      for (const strategy of framed.candidates) {
        const plan = framed.plans[strategy];
        expect(plan !== undefined && planPricesArePositive(plan)).toBe(true);
      }
      expect(framed.plans.defensive?.takeProfits[2].price).toBeCloseTo(4, 9);
    });

    it('does the same with the real detector on candles that swing a quarter of their price', () => {
      const swinging = candlesAt(100, 60).map((candle) => ({ ...candle, h: 112.5, l: 87.5 }));
      const framed = frameDecision(
        { detector: createClassicDetector(), candidates: everyLiquidCandidate, arms: SEVEN_ARMS },
        { side: 'SHORT', candles: swinging },
        SETTINGS,
      );
      expect(framed.regime.features.atr).toBeCloseTo(25, 9);
      // defensive's farthest target lands at 100 − 4·25 = 0: only scalp (2.5 ATRs) fits.
      expect(framed.candidates).toEqual(['scalp']);
    });

    it('keeps every LONG profile whose stop stays above zero', () => {
      const framed = frameDecision(violent, { side: 'LONG', candles: candlesAt(100) }, SETTINGS);
      expect(framed.candidates).toEqual([...STRATEGY_IDS]);
    });

    it('refuses a signal no profile can trade, naming candles and the reason', () => {
      const error = validationErrorOf(() =>
        frameDecision(everyProfile({ atr: 60 }), { side: 'SHORT', candles: candlesAt(100) }, SETTINGS),
      );
      expect(error.issues).toHaveLength(1);
      expect(error.issues[0]?.path).toBe('candles');
      expect(error.issues[0]?.message).toContain('no exit plan keeps every price above zero');
      expect(error.issues[0]?.message).toContain('60% of the entry 100');
      expect(error.message).toContain('candles');
    });

    it('also drops a LONG profile whose stop would fall to zero or below', () => {
      // ATR 50: trend_rider's stop (2 ATRs) lands at 0, balanced_aggressive's (1.5) at 25.
      const framed = frameDecision(
        everyProfile({ atr: 50 }),
        { side: 'LONG', candles: candlesAt(100) },
        SETTINGS,
      );
      expect(framed.candidates).toEqual(STRATEGY_IDS.filter((strategy) => strategy !== 'trend_rider'));
    });
  });

  describe('with the family of arms', () => {
    const family = (features: Partial<RegimeFeatures> = {}, regime: RegimeName = 'UNKNOWN') =>
      everyProfile(features, regime, ARM_SETS.family);

    it('offers every arm, in arm order, each planned with its scaled distances', () => {
      const framed = frameDecision(family({ atr: 2 }), { side: 'LONG', candles: candlesAt(100) }, SETTINGS);
      expect(framed.candidates).toEqual(ARM_SETS.family.map((arm) => arm.id));
      for (const arm of ARM_SETS.family) {
        const plan = framed.plans[arm.id];
        const base = getProfile(arm.base);
        // Stop distance = the base's slAtr × slScale × ATR; every target × targetScale.
        expect(100 - (plan?.stopLoss ?? 0)).toBeCloseTo(base.slAtr * arm.slScale * 2, 9);
        base.takeProfits.forEach((tp, k) => {
          expect((plan?.takeProfits[k]?.price ?? 0) - 100).toBeCloseTo(tp.atr * arm.targetScale * 2, 9);
        });
        expect(plan?.trailing.distance).toBeCloseTo(base.trailing.distanceAtr * arm.targetScale * 2, 9);
        expect(plan).toEqual(buildExitPlan({ side: 'LONG', entry: 100, atr: 2, profile: armProfile(arm) }));
      }
    });

    it('offers only the variants of the profiles the policy offers in the regime', () => {
      const framed = frameDecision(
        { detector: fixedDetector('RANGE_LOW_VOL'), arms: ARM_SETS.family },
        { side: 'SHORT', candles: candlesAt(100) },
        SETTINGS,
      );
      const scalpVariants = ARM_SETS.family.filter((arm) => arm.base === 'scalp' && arm.id !== 'scalp');
      expect(scalpVariants).toHaveLength(14);
      expect(framed.candidates).toEqual([
        'defensive',
        'moderate',
        'scalp',
        ...scalpVariants.map((arm) => arm.id),
      ]);
    });

    it('on a SHORT at any ATR, drops exactly the arms with a price at or below zero and keeps every price of the rest positive', () => {
      for (const atr of [1, 5, 8, 10, 15, 20, 24, 30, 40]) {
        const framed = frameDecision(family({ atr }), { side: 'SHORT', candles: candlesAt(100) }, SETTINGS);
        const fits = ARM_SETS.family.filter((arm) =>
          planPricesArePositive(buildExitPlan({ side: 'SHORT', entry: 100, atr, profile: armProfile(arm) })),
        );
        expect(framed.candidates).toEqual(fits.map((arm) => arm.id));
        expect(Object.keys(framed.plans).sort()).toEqual(fits.map((arm) => arm.id).sort());
        for (const id of framed.candidates) {
          const plan = framed.plans[id];
          if (plan === undefined) throw new Error(`no plan for ${id}`);
          const prices = [
            plan.stopLoss,
            ...plan.takeProfits.map((tp) => tp.price),
            plan.breakEven.triggerPrice,
            plan.trailing.activationPrice,
          ];
          for (const price of prices) expect(price).toBeGreaterThan(0);
        }
      }
    });

    it('on a violent SHORT keeps the narrow variants that fit where their base does not', () => {
      // ATR 24: trend_rider (12 ATRs) is out; with the targets halved (6 ATRs = 144) still out;
      // scalp with its targets doubled reaches 5 ATRs = 120: out; scalp halved: 1.25 ATRs: in.
      const framed = frameDecision(family({ atr: 24 }), { side: 'SHORT', candles: candlesAt(100) }, SETTINGS);
      expect(framed.candidates).not.toContain('trend_rider');
      expect(framed.candidates).not.toContain('trend_rider@sl1xtg0.5');
      expect(framed.candidates).not.toContain('scalp@sl1xtg2');
      expect(framed.candidates).toContain('scalp@sl2xtg0.5');
      expect(framed.candidates.filter((id) => getArm(id).base === 'trend_rider')).toEqual([]);
    });

    it('refuses a SHORT no arm of the family can trade, naming candles', () => {
      const error = validationErrorOf(() =>
        frameDecision(family({ atr: 200 }), { side: 'SHORT', candles: candlesAt(100) }, SETTINGS),
      );
      expect(error.issues[0]?.path).toBe('candles');
    });
  });

  it('refuses an ATR too small to place a stop away from the entry, naming candles', () => {
    const error = validationErrorOf(() =>
      frameDecision(everyProfile({ atr: 1e-9 }), { side: 'LONG', candles: candlesAt(1e12) }, SETTINGS),
    );
    expect(error.issues).toEqual([{ path: 'candles', message: expect.stringContaining('too small') }]);
  });

  it('records features below 1e-100 in magnitude as 0, and leaves the rest as detected', () => {
    const detected = { atr: 1, atrPct: 0.01, adx: null, trendStrength: 1e-140, slope: -1e-120, drift: 1e-99 };
    const framed = frameDecision(everyProfile(detected), { side: 'LONG', candles: candlesAt(100) }, SETTINGS);
    expect(framed.regime.features).toEqual({
      atr: 1,
      atrPct: 0.01,
      adx: null,
      trendStrength: 0,
      slope: 0,
      drift: 1e-99,
    });
    expect(Object.is(framed.regime.features.slope, 0)).toBe(true);
  });
});

describe('chooseFramed', () => {
  /** A learner that takes the first candidate and records what it was shown. */
  function recordingLearner() {
    const seen: ChooseInput[] = [];
    const learner: Learner = {
      policy: 'recording',
      choose: (input) => {
        seen.push(input);
        const arm = input.candidates[0] ?? 'defensive';
        return {
          arm,
          explored: false,
          propensity: 1,
          probabilities: { [arm]: 1 },
          values: {},
          reason: `${arm}: the first candidate`,
          policy: 'recording',
        };
      },
    };
    return { learner, seen };
  }

  const framed = frameDecision(
    { detector: fixedDetector('RANGE_HIGH_VOL'), arms: SEVEN_ARMS },
    { side: 'LONG', candles: candlesAt(100) },
    SETTINGS,
  );
  const cells = { moderate: addToCell(undefined, armIncrement(1, false, false), 1) };
  const pooled = { moderate: addToCell(undefined, armIncrement(-1, false, false), 1) };

  it("lets the learner choose among the framed candidates of the framed regime, from the symbol's cells", () => {
    const { learner, seen } = recordingLearner();
    const rng = seededRng(3);
    const choice = chooseFramed({ learner, pooling: false }, framed, { cells }, rng);
    expect(choice.arm).toBe('defensive');
    expect(seen[0]).toMatchObject({ regime: 'RANGE_HIGH_VOL', candidates: framed.candidates, cells });
    expect(seen[0]?.rng).toBe(rng);
  });

  it("passes the pooled cells and the symbol's totals only when the policy pools", () => {
    const plain = recordingLearner();
    chooseFramed({ learner: plain.learner, pooling: false }, framed, { cells, pooled }, seededRng(1));
    expect(plain.seen[0]).not.toHaveProperty('pooled');

    const pooling = recordingLearner();
    chooseFramed({ learner: pooling.learner, pooling: true }, framed, { cells, pooled }, seededRng(1));
    expect(pooling.seen[0]?.pooled).toBe(pooled);

    const symbolTotal = { moderate: addToCell(undefined, armIncrement(0.5, false, false), 1) };
    const total = recordingLearner();
    chooseFramed(
      { learner: total.learner, pooling: true },
      framed,
      { cells, pooled, symbolTotal },
      seededRng(1),
    );
    expect(total.seen[0]?.symbolTotal).toBe(symbolTotal);
    const totalUnpooled = recordingLearner();
    chooseFramed(
      { learner: totalUnpooled.learner, pooling: false },
      framed,
      { cells, pooled, symbolTotal },
      seededRng(1),
    );
    expect(totalUnpooled.seen[0]).not.toHaveProperty('symbolTotal');

    const nothingPooled = recordingLearner();
    chooseFramed({ learner: nothingPooled.learner, pooling: true }, framed, { cells }, seededRng(1));
    expect(nothingPooled.seen[0]).not.toHaveProperty('pooled');
  });
});

describe('framedPlan', () => {
  const calm: FramedDecision = frameDecision(
    { detector: fixedDetector('RANGE_LOW_VOL', { atr: 2 }), arms: SEVEN_ARMS },
    { side: 'LONG', candles: candlesAt(100) },
    SETTINGS,
  );

  it("returns a candidate's framed plan", () => {
    expect(framedPlan(calm, 'LONG', 'moderate')).toBe(calm.plans.moderate);
  });

  it("plans a strategy outside the candidates (a disabled selector's default) at the framed entry and ATR", () => {
    expect(calm.candidates).not.toContain('ultra_aggressive');
    expect(framedPlan(calm, 'LONG', 'ultra_aggressive')).toEqual(
      buildExitPlan({ side: 'LONG', entry: 100, atr: 2, profile: getProfile('ultra_aggressive') }),
    );
  });

  it('plans an arm outside the candidates with its scales', () => {
    const arm = getArm('trend_rider@sl1.5xtg0.5');
    expect(calm.candidates).not.toContain(arm.id);
    const plan = framedPlan(calm, 'LONG', arm.id);
    // 2 ATRs × 1.5 on ATR 2 below 100; the first target 5 ATRs × 0.5 above.
    expect(plan.stopLoss).toBeCloseTo(94, 9);
    expect(plan.takeProfits[0].price).toBeCloseTo(105, 9);
  });

  it('refuses a non-candidate whose plan would put a price at or below zero, naming candles', () => {
    const violent = frameDecision(
      { detector: fixedDetector('RANGE_LOW_VOL', { atr: 24 }), arms: SEVEN_ARMS },
      { side: 'SHORT', candles: candlesAt(100) },
      SETTINGS,
    );
    const error = validationErrorOf(() => framedPlan(violent, 'SHORT', 'trend_rider'));
    expect(error.issues).toEqual([{ path: 'candles', message: expect.stringContaining('trend_rider') }]);
  });
});
