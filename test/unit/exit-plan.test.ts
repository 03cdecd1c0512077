import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  buildExitPlan,
  type ExitPlan,
  exitPlanFromLevels,
  InvalidPlanInputError,
  initialRiskPerUnit,
  realizedRFromExit,
} from '../../lib/exit-plan';
import { getProfile, PROFILES } from '../../lib/profiles';
import { STRATEGY_IDS } from '../../lib/types';

/** Fixed seed: a property failure reproduces on every run and machine. */
const PROPERTY_RUNS = { seed: 20_251_125, numRuns: 500 };

const profileArb = fc.constantFrom(...PROFILES);
/** Entries from sub-cent tokens to six-figure coins; ATR between 0.01% and 10% of the entry. */
const entryAtrArb = fc
  .record({
    entry: fc.double({ min: 1e-4, max: 1e6, noNaN: true }),
    atrPct: fc.double({ min: 1e-4, max: 0.1, noNaN: true }),
  })
  .map(({ entry, atrPct }) => ({ entry, atr: entry * atrPct }));

function longLevels(plan: ExitPlan): number[] {
  return [plan.stopLoss, plan.entry, ...plan.takeProfits.map((tp) => tp.price)];
}

function expectTypedError(fn: () => unknown, field: string): void {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidPlanInputError);
    expect((error as InvalidPlanInputError).field).toBe(field);
    expect((error as InvalidPlanInputError).name).toBe('InvalidPlanInputError');
    return;
  }
  expect.fail(`expected InvalidPlanInputError on ${field}`);
}

describe('buildExitPlan', () => {
  it('prices the design example (LONG ultra_aggressive at 100000, ATR 512.3)', () => {
    const plan = buildExitPlan({
      side: 'LONG',
      entry: 100_000,
      atr: 512.3,
      profile: getProfile('ultra_aggressive'),
    });
    expect(plan.entry).toBe(100_000);
    expect(plan.atr).toBe(512.3);
    expect(plan.stopLoss).toBeCloseTo(99_487.7, 6);
    expect(plan.takeProfits.map((tp) => tp.price)).toEqual([
      100_000 + 3 * 512.3,
      100_000 + 5 * 512.3,
      100_000 + 8 * 512.3,
    ]);
    expect(plan.takeProfits[0].price).toBeCloseTo(101_536.9, 6);
    expect(plan.takeProfits.map((tp) => [tp.r, tp.atrMultiple, tp.closeFraction])).toEqual([
      [3, 3, 0.5],
      [5, 5, 0.3],
      [8, 8, 0.2],
    ]);
    expect(plan.breakEven.triggerPrice).toBeCloseTo(100_768.45, 6);
    expect(plan.trailing.activationPrice).toBeCloseTo(102_049.2, 6);
    expect(plan.trailing.distance).toBe(512.3);
  });

  it('mirrors a SHORT plan below the entry', () => {
    const plan = buildExitPlan({ side: 'SHORT', entry: 200, atr: 4, profile: getProfile('trend_rider') });
    expect(plan.stopLoss).toBe(208);
    expect(plan.takeProfits.map((tp) => tp.price)).toEqual([180, 168, 152]);
    expect(plan.breakEven.triggerPrice).toBe(190);
    expect(plan.trailing).toEqual({ activationPrice: 176, distance: 6 });
  });

  it('reports each target in R of the initial stop, not in ATR', () => {
    const scalp = buildExitPlan({ side: 'LONG', entry: 50, atr: 1, profile: getProfile('scalp') });
    expect(scalp.takeProfits.map((tp) => tp.r)).toEqual([1.5, 2.25, 3.125]);
    expect(scalp.takeProfits.map((tp) => tp.atrMultiple)).toEqual([1.2, 1.8, 2.5]);
    const balanced = buildExitPlan({
      side: 'SHORT',
      entry: 50,
      atr: 1,
      profile: getProfile('balanced_aggressive'),
    });
    expect(balanced.takeProfits[0].r).toBeCloseTo(4 / 1.5, 10);
    expect(balanced.takeProfits[1].r).toBe(4);
  });

  it('orders every LONG level strictly upwards and every SHORT level downwards', () => {
    fc.assert(
      fc.property(profileArb, entryAtrArb, (profile, { entry, atr }) => {
        const long = buildExitPlan({ side: 'LONG', entry, atr, profile });
        const levels = longLevels(long);
        for (let i = 1; i < levels.length; i++) expect(levels[i]).toBeGreaterThan(levels[i - 1] as number);
        expect(long.breakEven.triggerPrice).toBeGreaterThan(entry);
        expect(long.trailing.activationPrice).toBeGreaterThan(entry);
        expect(long.trailing.distance).toBeGreaterThan(0);

        const short = buildExitPlan({ side: 'SHORT', entry, atr, profile });
        const shortLevels = longLevels(short);
        for (let i = 1; i < shortLevels.length; i++) {
          expect(shortLevels[i]).toBeLessThan(shortLevels[i - 1] as number);
        }
        expect(short.breakEven.triggerPrice).toBeLessThan(entry);
        expect(short.trailing.activationPrice).toBeLessThan(entry);
      }),
      PROPERTY_RUNS,
    );
  });

  it('builds LONG and SHORT plans that mirror each other around the entry', () => {
    fc.assert(
      fc.property(profileArb, entryAtrArb, (profile, { entry, atr }) => {
        const long = buildExitPlan({ side: 'LONG', entry, atr, profile });
        const short = buildExitPlan({ side: 'SHORT', entry, atr, profile });
        // Each level is entry ± d computed once, so mirrored distances agree to a few ulps of entry.
        const tolerance = entry * 1e-13;
        const mirrored = (a: number, b: number) =>
          expect(Math.abs(a - entry - (entry - b))).toBeLessThanOrEqual(tolerance);
        mirrored(long.stopLoss, short.stopLoss);
        long.takeProfits.forEach((tp, k) => {
          mirrored(tp.price, short.takeProfits[k]?.price ?? Number.NaN);
          expect(short.takeProfits[k]?.r).toBe(tp.r);
          expect(short.takeProfits[k]?.closeFraction).toBe(tp.closeFraction);
        });
        mirrored(long.breakEven.triggerPrice, short.breakEven.triggerPrice);
        mirrored(long.trailing.activationPrice, short.trailing.activationPrice);
        expect(short.trailing.distance).toBe(long.trailing.distance);
        expect(Math.abs(initialRiskPerUnit(short) - initialRiskPerUnit(long))).toBeLessThanOrEqual(
          2 * tolerance,
        );
      }),
      PROPERTY_RUNS,
    );
  });

  it('rejects a non-positive or non-finite entry or ATR, naming the field', () => {
    const bad = fc.oneof(
      fc.constantFrom(0, -0, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY),
      fc.double({ max: 0, noNaN: true }),
    );
    fc.assert(
      fc.property(
        bad,
        profileArb,
        fc.constantFrom('LONG' as const, 'SHORT' as const),
        (value, profile, side) => {
          expectTypedError(() => buildExitPlan({ side, entry: value, atr: 1, profile }), 'entry');
          expectTypedError(() => buildExitPlan({ side, entry: 100, atr: value, profile }), 'atr');
          // The entry is checked first when both are wrong.
          expectTypedError(() => buildExitPlan({ side, entry: value, atr: value, profile }), 'entry');
        },
      ),
      PROPERTY_RUNS,
    );
  });

  it('rejects an ATR too small to move the stop off the entry', () => {
    expectTypedError(
      () => buildExitPlan({ side: 'LONG', entry: 1e9, atr: 1e-12, profile: getProfile('scalp') }),
      'atr',
    );
  });

  it('builds a plan for every profile', () => {
    for (const id of STRATEGY_IDS) {
      const plan = buildExitPlan({ side: 'LONG', entry: 10, atr: 0.1, profile: getProfile(id) });
      expect(initialRiskPerUnit(plan)).toBeCloseTo(getProfile(id).slAtr * 0.1, 12);
    }
  });
});

describe('realizedRFromExit', () => {
  const long = buildExitPlan({
    side: 'LONG',
    entry: 100,
    atr: 2,
    profile: getProfile('balanced_aggressive'),
  });
  const short = buildExitPlan({
    side: 'SHORT',
    entry: 100,
    atr: 2,
    profile: getProfile('balanced_aggressive'),
  });

  it('divides the move by the initial risk, not by the ATR', () => {
    // Initial risk is 1.5 ATR = 3; a 6-point gain is 2R (it would be 3 "ATR units").
    expect(initialRiskPerUnit(long)).toBe(3);
    expect(realizedRFromExit(long, 'LONG', 106)).toBe(2);
    expect(realizedRFromExit(long, 'LONG', 97)).toBe(-1);
    expect(realizedRFromExit(long, 'LONG', 100)).toBe(0);
  });

  it('mirrors the sign for a SHORT', () => {
    expect(realizedRFromExit(short, 'SHORT', 94)).toBe(2);
    expect(realizedRFromExit(short, 'SHORT', 103)).toBe(-1);
    expect(realizedRFromExit(short, 'SHORT', 101.5)).toBe(-0.5);
  });

  it('returns the target R when the exit is at a target', () => {
    for (const tp of long.takeProfits)
      expect(realizedRFromExit(long, 'LONG', tp.price)).toBeCloseTo(tp.r, 10);
    for (const tp of short.takeProfits)
      expect(realizedRFromExit(short, 'SHORT', tp.price)).toBeCloseTo(tp.r, 10);
  });

  it('rejects a bad exit price and a side that contradicts the plan', () => {
    for (const bad of [0, -5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expectTypedError(() => realizedRFromExit(long, 'LONG', bad), 'exitPrice');
    }
    expectTypedError(() => realizedRFromExit(long, 'SHORT', 101), 'side');
    expectTypedError(() => realizedRFromExit(short, 'LONG', 101), 'side');
  });
});

describe('exitPlanFromLevels', () => {
  it("restores the simulator's plan from the contract's response", () => {
    const plan = buildExitPlan({ side: 'SHORT', entry: 100, atr: 2, profile: getProfile('scalp') });
    // The response spells each target as price, r and close fraction only.
    const restored = exitPlanFromLevels({
      ...plan,
      takeProfits: plan.takeProfits.map(({ price, r, closeFraction }) => ({ price, r, closeFraction })),
    });
    expect(restored.stopLoss).toBe(plan.stopLoss);
    expect(restored.takeProfits.map((tp) => [tp.price, tp.closeFraction, tp.r])).toEqual(
      plan.takeProfits.map((tp) => [tp.price, tp.closeFraction, tp.r]),
    );
    restored.takeProfits.forEach((tp, index) => {
      expect(tp.atrMultiple).toBeCloseTo(plan.takeProfits[index]?.atrMultiple ?? Number.NaN, 12);
    });
  });
});
