import { describe, expect, it } from 'vitest';
import { ARM_SETS, type ArmSpec, armProfile, getArm, profileArm, SEVEN_ARMS } from '../../lib/arms';
import { buildExitPlan, type ExitPlan } from '../../lib/exit-plan';
import { armIncrement, quantizeR } from '../../lib/learners/cell-stats';
import { DEFAULT_PLAUSIBILITY, planPricesArePositive } from '../../lib/plausibility';
import { seededRng } from '../../lib/random';
import {
  type ArmCredit,
  armCredits,
  cellIncrements,
  creditClosedTrade,
  MAX_CREDITABLE_ABS_R,
  plausiblePlan,
} from '../../lib/reward-credit';
import { type Bar, simulateTrade } from '../../lib/simulator';
import { type Side, STRATEGY_IDS } from '../../lib/types';
import { syntheticCandles } from '../helpers/synthetic-candles';

const plan = (arm: ArmSpec | string, side: Side, entry: number, atr: number): ExitPlan =>
  buildExitPlan({ side, entry, atr, profile: armProfile(typeof arm === 'string' ? getArm(arm) : arm) });

const onGrid = (r: number) => quantizeR(r) === r;

/** The simulator's outcome of `arm` planned at (entry, atr) on `path`. */
const outcomeOf = (
  arm: string,
  side: Side,
  entry: number,
  atr: number,
  path: readonly Bar[],
  horizonBars: number,
) => simulateTrade({ side, plan: plan(arm, side, entry, atr), bars: path, horizonBars });

describe('plausiblePlan', () => {
  it('plans a profile whose prices stay positive, and none for one that would cross zero', () => {
    expect(plausiblePlan('SHORT', 100, 10, profileArm('ultra_aggressive'))).toEqual(
      plan('ultra_aggressive', 'SHORT', 100, 10),
    );
    expect(plausiblePlan('SHORT', 100, 10, profileArm('trend_rider'))).toBeUndefined();
  });

  it('plans a variant with its scaled distances, or none when a scaled target would cross zero', () => {
    // trend_rider × stop 0.5 × targets 0.5 SHORT at 100 on ATR 10: stop 110, targets 75, 60, 40.
    const narrow = plausiblePlan('SHORT', 100, 10, getArm('trend_rider@sl0.5xtg0.5'));
    expect(narrow?.stopLoss).toBe(110);
    expect(narrow?.takeProfits.map((tp) => tp.price)).toEqual([75, 60, 40]);
    // Targets × 2 put its farthest target at 100 − 24 ATRs.
    expect(plausiblePlan('SHORT', 100, 10, getArm('trend_rider@sl0.5xtg2'))).toBeUndefined();
  });
});

describe('armCredits', () => {
  // A rising path of 30 daily-like bars from 100, planned on ATR 1.5.
  const path = syntheticCandles(seededRng(7), { bars: 30, driftPerBar: 0.004, closeNoise: 0.01 });
  const traded = {
    side: 'LONG' as const,
    plan: plan('moderate', 'LONG', 100, 1.5),
    arm: 'moderate',
  };
  const rOf = (arm: string, bars: readonly Bar[] = path, horizonBars = 20) =>
    outcomeOf(arm, 'LONG', 100, 1.5, bars, horizonBars).realizedR;

  it('credits the traded arm first, with its real R, not counterfactual, paired with trend_rider on the path', () => {
    const credits = armCredits(traded, 0.8, path, 20, SEVEN_ARMS);
    expect(credits[0]).toEqual({
      arm: 'moderate',
      realizedR: 0.8,
      counterfactual: false,
      pairDiffR: quantizeR(rOf('moderate') - rOf('trend_rider')),
    });
  });

  it('credits every other arm the R the simulator gives its plan on the same path, and its lead over trend_rider', () => {
    const credits = armCredits(traded, 0.8, path, 20, SEVEN_ARMS);
    expect(credits.map((credit) => credit.arm)).toEqual([
      'moderate',
      ...STRATEGY_IDS.filter((strategy) => strategy !== 'moderate'),
    ]);
    for (const credit of credits.slice(1)) {
      expect(credit).toEqual({
        arm: credit.arm,
        realizedR: quantizeR(rOf(credit.arm)),
        counterfactual: true,
        ...(credit.arm === 'trend_rider'
          ? {}
          : { pairDiffR: quantizeR(rOf(credit.arm) - rOf('trend_rider')) }),
      });
    }
  });

  it("credits every arm of the family, each variant planned with its scales, in the set's order", () => {
    const family = ARM_SETS.family;
    expect(family).toHaveLength(35);
    const credits = armCredits(traded, 0.8, path, 20, family);
    expect(credits.map((credit) => credit.arm)).toEqual([
      'moderate',
      ...family.map((arm) => arm.id).filter((id) => id !== 'moderate'),
    ]);
    const wide = credits.find((credit) => credit.arm === 'trend_rider@sl2xtg1');
    expect(wide?.realizedR).toBe(quantizeR(rOf('trend_rider@sl2xtg1')));
    // A different geometry on this path: the variant's outcome is its own, not the base's.
    expect(credits.map((credit) => credit.realizedR)).toContain(quantizeR(rOf('scalp@sl0.5xtg0.5')));
    expect(new Set(credits.slice(1).map((credit) => credit.realizedR)).size).toBeGreaterThan(5);
  });

  it('leaves out an arm still open where a path shorter than the horizon ends: its R is not known yet', () => {
    const flat = [
      { o: 100, h: 100.2, l: 99.9, c: 100.1 },
      { o: 100.1, h: 100.3, l: 100, c: 100.2 },
    ];
    const credits = armCredits(
      { side: 'SHORT', plan: plan('moderate', 'SHORT', 100, 2), arm: 'moderate' },
      -0.1,
      flat,
      48,
      SEVEN_ARMS,
    );
    // Every profile's stop lies at least 0.8 ATR (1.6) away: none closed on two bars within 0.3
    // of the entry, so only the traded arm's real R is credited, unpaired (trend_rider's outcome
    // is unknown too).
    expect(credits).toEqual([{ arm: 'moderate', realizedR: -0.1, counterfactual: false }]);
  });

  it('credits on a cut path exactly the arms the path had closed, with the R the whole horizon gives them', () => {
    // No look-ahead: whatever bars are added after the cut, an arm credited at the cut keeps its R.
    const horizon = 20;
    const family = ARM_SETS.family;
    const full = new Map(
      armCredits(traded, 0.8, path, horizon, family).map((credit) => [credit.arm, credit] as const),
    );
    const exitBar = new Map(
      family.map((arm) => [arm.id, outcomeOf(arm.id, 'LONG', 100, 1.5, path, horizon).exitBarIndex] as const),
    );
    let sawPartial = false;
    for (let bars = 1; bars <= horizon; bars++) {
      const cut = armCredits(traded, 0.8, path.slice(0, bars), horizon, family);
      const closed = family.filter((arm) => (exitBar.get(arm.id) ?? horizon) < bars).map((arm) => arm.id);
      const expected = ['moderate', ...closed.filter((id) => id !== 'moderate')];
      expect(cut.map((credit) => credit.arm)).toEqual(expected);
      const referenceKnown = closed.includes('trend_rider');
      for (const credit of cut.slice(1)) {
        const whole = full.get(credit.arm) as ArmCredit;
        expect(credit.realizedR).toBe(whole.realizedR);
        expect(credit.pairDiffR).toBe(referenceKnown ? whole.pairDiffR : undefined);
      }
      if (closed.length > 0 && closed.length < family.length) sawPartial = true;
    }
    // The path is long enough to separate arms that close early from those still open.
    expect(sawPartial).toBe(true);
  });

  it('skips every profile whose plan would put a price at or below zero', () => {
    // SHORT at 100 on ATR 10: trend_rider's 12 ATRs and balanced_aggressive's 10 reach 0 or below.
    const violent = [
      { o: 100, h: 104, l: 90, c: 92 },
      { o: 92, h: 95, l: 80, c: 85 },
    ];
    // A 2-bar horizon determines every arm on these 2 bars.
    const credits = armCredits(
      { side: 'SHORT', plan: plan('moderate', 'SHORT', 100, 10), arm: 'moderate' },
      0.5,
      violent,
      2,
      SEVEN_ARMS,
    );
    const skipped = STRATEGY_IDS.filter(
      (strategy) => !planPricesArePositive(plan(strategy, 'SHORT', 100, 10)),
    );
    expect(skipped).toEqual(['balanced_aggressive', 'trend_rider']);
    expect(credits.map((credit) => credit.arm)).toEqual([
      'moderate',
      'defensive',
      'moderate_aggressive',
      'ultra_aggressive',
      'scalp',
    ]);
    // Without the reference on the path, no credit carries a pair.
    for (const credit of credits) expect(credit).not.toHaveProperty('pairDiffR');
  });

  it('credits, of the family on a violent SHORT, only arms whose every price is positive', () => {
    const violent = [
      { o: 100, h: 104, l: 90, c: 92 },
      { o: 92, h: 95, l: 80, c: 85 },
    ];
    const credits = armCredits(
      { side: 'SHORT', plan: plan('moderate', 'SHORT', 100, 10), arm: 'moderate' },
      0.5,
      violent,
      2,
      ARM_SETS.family,
    );
    const positive = ARM_SETS.family.filter((arm) => planPricesArePositive(plan(arm, 'SHORT', 100, 10)));
    expect(positive.length).toBeGreaterThan(7);
    expect(positive.length).toBeLessThan(35);
    expect(credits.map((credit) => credit.arm)).toEqual([
      'moderate',
      ...positive.map((arm) => arm.id).filter((id) => id !== 'moderate'),
    ]);
    // trend_rider's narrower variants are tradeable where trend_rider is not: pairs to it are absent.
    expect(credits.map((credit) => credit.arm)).toContain('trend_rider@sl0.5xtg0.5');
    for (const credit of credits) expect(credit).not.toHaveProperty('pairDiffR');
  });

  it('credits the traded arm alone when the path is empty or absent', () => {
    const alone = [{ arm: 'moderate', realizedR: 0.8, counterfactual: false }];
    expect(armCredits(traded, 0.8, [], 20, SEVEN_ARMS)).toEqual(alone);
    expect(armCredits(traded, 0.8, undefined, 20, SEVEN_ARMS)).toEqual(alone);
  });

  it('credits a variant traded, by its id', () => {
    const variant = getArm('trend_rider@sl1.5xtg1');
    const credits = armCredits(
      { side: 'LONG', plan: plan(variant, 'LONG', 100, 1.5), arm: variant.id },
      -0.4,
      path,
      20,
      ARM_SETS.family,
    );
    expect(credits[0]).toEqual({
      arm: variant.id,
      realizedR: -0.4,
      counterfactual: false,
      pairDiffR: quantizeR(rOf(variant.id) - rOf('trend_rider')),
    });
    expect(credits.filter((credit) => credit.arm === variant.id)).toHaveLength(1);
    expect(credits).toHaveLength(35);
  });

  it('puts every R on the cells’ 1e-6 grid, and −0 at +0', () => {
    const credits = armCredits(traded, 0.123_456_789, path, 20, ARM_SETS.family);
    expect(credits[0]?.realizedR).toBe(0.123_457);
    for (const credit of credits) {
      expect(onGrid(credit.realizedR)).toBe(true);
      if (credit.pairDiffR !== undefined) expect(onGrid(credit.pairDiffR)).toBe(true);
    }
    expect(Object.is(armCredits(traded, -0, undefined, 20, SEVEN_ARMS)[0]?.realizedR, 0)).toBe(true);
  });
});

describe('cellIncrements', () => {
  const credits: ArmCredit[] = [
    { arm: 'moderate', realizedR: 0.8, counterfactual: false, pairDiffR: 0.3 },
    { arm: 'defensive', realizedR: -1, counterfactual: true, pairDiffR: -1.5 },
    { arm: 'trend_rider', realizedR: 0.5, counterfactual: true },
    { arm: 'scalp@sl2xtg1', realizedR: 0, counterfactual: true },
  ];

  it('gives each credited arm one increment of its R, and its pair when it has one', () => {
    expect(cellIncrements(credits, false)).toEqual({
      moderate: armIncrement(0.8, false, false, 0.3),
      defensive: armIncrement(-1, true, false, -1.5),
      trend_rider: armIncrement(0.5, true, false),
      'scalp@sl2xtg1': armIncrement(0, true, false),
    });
    const increments = cellIncrements(credits, false);
    expect(increments.defensive).toMatchObject({
      pairN: 1,
      pairSumMicro: -1_500_000,
      pairSqMicro: 2_250_000,
    });
    expect(increments.trend_rider).toMatchObject({ pairN: 0, pairSumMicro: 0, pairSqMicro: 0 });
  });

  it('counts an exploration draw on the traded arm only', () => {
    const increments = cellIncrements(credits, true);
    expect(increments.moderate?.explorations).toBe(1);
    expect(increments.defensive?.explorations).toBe(0);
    expect(increments['scalp@sl2xtg1']?.explorations).toBe(0);
  });

  it('adds nothing for no credits', () => {
    expect(cellIncrements([], true)).toEqual({});
  });
});

describe('creditClosedTrade', () => {
  const CREATED = Date.UTC(2024, 0, 1, 12);
  // moderate LONG at 100,000 on ATR 500: stop 99,500 (1R = 500), targets 101,000, 101,750, 102,750.
  const decision = {
    side: 'LONG' as const,
    plan: plan('moderate', 'LONG', 100_000, 500),
    arm: 'moderate',
    explored: false,
    createdAt: CREATED,
    lastCandleAt: CREATED - 3_600_000,
  };
  const options = {
    horizonBars: 48,
    arms: SEVEN_ARMS,
    fullInformation: true,
    plausibility: DEFAULT_PLAUSIBILITY,
    now: CREATED + 7_200_000,
  };
  const closedAt = CREATED + 3_600_000;
  const path = [
    { t: CREATED, o: 100_000, h: 100_600, l: 99_900, c: 100_500 },
    { t: CREATED + 3_600_000, o: 100_500, h: 101_600, l: 100_400, c: 101_500 },
  ];

  it('takes realizedR as given, on the grid, and credits the path to every profile', () => {
    const judged = creditClosedTrade(decision, { realizedR: 0.800_000_4, closedAt, path }, options);
    expect(judged).toMatchObject({ plausible: true, realizedR: 0.8 });
    if (!judged.plausible) return;
    expect(judged.credits).toEqual(armCredits(decision, 0.8, path, 48, SEVEN_ARMS));
    // At a 2-bar horizon the 2-bar path determines every profile.
    const atHorizon = creditClosedTrade(
      decision,
      { realizedR: 0.8, closedAt, path },
      { ...options, horizonBars: 2 },
    );
    if (!atHorizon.plausible) throw new Error('plausible');
    expect(atHorizon.credits.map((credit) => credit.arm).sort()).toEqual([...STRATEGY_IDS].sort());
  });

  it('credits the arms of the policy it is given, and only those the path determines', () => {
    const judged = creditClosedTrade(
      decision,
      { realizedR: 0.8, closedAt, path },
      { ...options, arms: ARM_SETS.family },
    );
    if (!judged.plausible) throw new Error('plausible');
    expect(judged.credits).toEqual(armCredits(decision, 0.8, path, 48, ARM_SETS.family));
    // Two bars at a 48-bar horizon: arms still open (trend_rider's 4-ATR stop among them) wait.
    const credited = judged.credits.map((credit) => credit.arm);
    expect(credited).not.toContain('trend_rider');
    expect(credited.length).toBeLessThan(35);
  });

  it('computes R from the exit price alone: the whole position at that price', () => {
    // (99,750 − 100,000) / 500 = −0.5 R.
    const judged = creditClosedTrade(decision, { exitPrice: 99_750, closedAt }, options);
    expect(judged).toEqual({
      plausible: true,
      realizedR: -0.5,
      credits: [{ arm: 'moderate', realizedR: -0.5, counterfactual: false }],
    });
  });

  it('prefers realizedR over the exit price, which it still checks', () => {
    expect(creditClosedTrade(decision, { realizedR: 2, exitPrice: 99_750, closedAt }, options)).toMatchObject(
      {
        plausible: true,
        realizedR: 2,
      },
    );
    // 150,000 lies 100 R from entry, far past the farthest target (5.5 R).
    expect(
      creditClosedTrade(decision, { realizedR: 2, exitPrice: 150_000, closedAt }, options),
    ).toMatchObject({
      plausible: false,
      implausibility: { reason: 'exit-price-beyond-plan-reach' },
    });
  });

  it('credits only the traded arm for a policy without full information', () => {
    const judged = creditClosedTrade(
      decision,
      { realizedR: 1, closedAt, path },
      { ...options, fullInformation: false },
    );
    expect(judged).toMatchObject({
      plausible: true,
      credits: [{ arm: 'moderate', counterfactual: false }],
    });
    if (judged.plausible) expect(judged.credits).toHaveLength(1);
  });

  it('rounds a tiny R such as 1e-140 to 0 and credits it', () => {
    expect(creditClosedTrade(decision, { realizedR: 1e-140, closedAt }, options)).toEqual({
      plausible: true,
      realizedR: 0,
      credits: [{ arm: 'moderate', realizedR: 0, counterfactual: false }],
    });
  });

  it.each([
    ['an R past the bound', { realizedR: -1000 }, 'r-beyond-bound'],
    ['a huge R', { realizedR: 1e300 }, 'r-beyond-bound'],
    // moderate reaches 3.15 R with every target; the 3-ATR gap allowance adds 3 R to its 1-ATR stop.
    ['an R the plan cannot reach', { realizedR: 6.150_001 }, 'r-beyond-plan-reach'],
    ['an R below the stop by more than the allowance', { realizedR: -4.000_001 }, 'r-beyond-plan-reach'],
    ['an exit price 50× the entry', { exitPrice: 5_000_000 }, 'r-beyond-bound'],
    ['a close in 1970', { realizedR: 1, closedAt: 0 }, 'closed-before-decision'],
    ['a close tomorrow', { realizedR: 1, closedAt: CREATED + 86_400_000 }, 'closed-in-future'],
    [
      'a path from before the decision',
      { realizedR: 1, path: path.map((bar) => ({ ...bar, t: bar.t - 86_400_000 })) },
      'path-before-decision',
    ],
    [
      'a path of another market',
      { realizedR: 1, path: [{ t: CREATED, o: 1000, h: 1000, l: 1000, c: 1000 }] },
      'path-off-market',
    ],
  ] as const)('refuses %s', (_case, trade, reason) => {
    const judged = creditClosedTrade(decision, { closedAt, ...trade }, options);
    expect(judged).toMatchObject({ plausible: false, implausibility: { reason } });
    if (!judged.plausible) expect(judged.implausibility.message.length).toBeGreaterThan(10);
  });

  it('credits an R at the edges of the gap allowance', () => {
    for (const realizedR of [-4, 6.15]) {
      expect(creditClosedTrade(decision, { realizedR, closedAt }, options)).toMatchObject({
        plausible: true,
        realizedR,
      });
    }
  });

  it('credits a real gap through a tight stop on the path, however far past that stop it fills', () => {
    // The market opens 5 ATRs below the entry: moderate (1-ATR stop) loses 5 R at the open, more
    // than its 3-ATR allowance, so the bot reports a partial fill; scalp's 0.8-ATR stop fills 6.25 R
    // down, which no allowance bounds: the path is on this market, so its outcomes are credited.
    const gap = [{ t: CREATED, o: 97_500, h: 97_800, l: 97_000, c: 97_200 }];
    const judged = creditClosedTrade(decision, { realizedR: -3.9, closedAt, path: gap }, options);
    expect(judged).toMatchObject({ plausible: true, realizedR: -3.9 });
    if (!judged.plausible) return;
    expect(judged.credits.find((credit) => credit.arm === 'scalp')?.realizedR).toBe(-6.25);
  });

  it('checks an exit price against the stop and the farthest target, each widened by 3 ATRs', () => {
    // 98,000 is 3 ATRs below the stop (−4 R); 104,250 is 3 ATRs past the farthest target (8.5 R).
    for (const exitPrice of [98_000, 104_250]) {
      expect(creditClosedTrade(decision, { realizedR: 1, exitPrice, closedAt }, options)).toMatchObject({
        plausible: true,
        realizedR: 1,
      });
    }
    for (const exitPrice of [97_999, 104_251]) {
      expect(creditClosedTrade(decision, { realizedR: 1, exitPrice, closedAt }, options)).toMatchObject({
        plausible: false,
        implausibility: { reason: 'exit-price-beyond-plan-reach' },
      });
    }
  });

  it('accepts a path whose first open lies up to 10 ATRs from the entry, and refuses one beyond', () => {
    const opening = (o: number) => [{ t: CREATED, o, h: o + 100, l: o - 100, c: o }];
    for (const o of [95_000, 105_000]) {
      expect(
        creditClosedTrade(decision, { realizedR: 1, closedAt, path: opening(o) }, options),
      ).toMatchObject({
        plausible: true,
      });
    }
    for (const o of [94_999, 105_001]) {
      const judged = creditClosedTrade(decision, { realizedR: 1, closedAt, path: opening(o) }, options);
      expect(judged).toMatchObject({ plausible: false, implausibility: { reason: 'path-off-market' } });
    }
  });

  it('checks the path’s first candle even when the policy does not learn from paths', () => {
    const early = path.map((bar) => ({ ...bar, t: bar.t - 86_400_000 }));
    const bandit = { ...options, fullInformation: false };
    expect(creditClosedTrade(decision, { realizedR: 1, closedAt, path: early }, bandit)).toMatchObject({
      plausible: false,
      implausibility: { reason: 'path-before-decision' },
    });
    const elsewhere = [{ t: CREATED, o: 1000, h: 1000, l: 1000, c: 1000 }];
    expect(creditClosedTrade(decision, { realizedR: 1, closedAt, path: elsewhere }, bandit)).toMatchObject({
      plausible: false,
      implausibility: { reason: 'path-off-market' },
    });
  });

  it('skips the plausibility checks for an override, crediting the reward as reported', () => {
    const override = { ...options, override: true };
    expect(creditClosedTrade(decision, { realizedR: 15, closedAt: 0 }, override)).toEqual({
      plausible: true,
      realizedR: 15,
      credits: [{ arm: 'moderate', realizedR: 15, counterfactual: false }],
    });
    expect(
      creditClosedTrade(decision, { realizedR: -MAX_CREDITABLE_ABS_R, closedAt }, override),
    ).toMatchObject({
      plausible: true,
      realizedR: -1000,
    });
  });

  it('never credits beyond MAX_CREDITABLE_ABS_R, override or not', () => {
    const override = { ...options, override: true };
    for (const realizedR of [1000.000_001, -1e6, 1e300, Number.POSITIVE_INFINITY, Number.NaN]) {
      const judged = creditClosedTrade(decision, { realizedR, closedAt }, override);
      expect(judged).toMatchObject({ plausible: false, implausibility: { reason: 'r-beyond-bound' } });
      if (!judged.plausible) expect(judged.implausibility.message).toContain('even with override');
    }
  });

  it('refuses a trade that reports neither realizedR nor exitPrice', () => {
    expect(() => creditClosedTrade(decision, { closedAt }, options)).toThrow(TypeError);
  });
});
