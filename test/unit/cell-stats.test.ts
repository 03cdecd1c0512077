import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type ArmIncrement,
  addIncrements,
  addToCell,
  armIncrement,
  cellStatsOf,
  emptyCellStats,
  foldEma,
  INCREMENT_FIELDS,
  MICRO_PER_R,
  quantizeR,
  toMicroR,
  totalsOf,
} from '../../lib/learners/cell-stats';
import type { CellStats } from '../../lib/learners/learner';

/** fast-check draws the same cases on every run. */
const FIXED_CASES = { seed: 15 };

/** Adds `increments` to an empty cell in the order given, the i-th at time `times[i]`. */
function addAll(increments: readonly ArmIncrement[], times: readonly number[]): CellStats | undefined {
  return increments.reduce<CellStats | undefined>(
    (cell, increment, index) => addToCell(cell, increment, times[index] ?? 0),
    undefined,
  );
}

/** A reward on the cells' grid, as a reward use case credits it. */
const gridR = fc
  .integer({ min: -1000 * MICRO_PER_R, max: 1000 * MICRO_PER_R })
  .map((micro) => micro / MICRO_PER_R);

const incrementArb = fc
  .record({
    realizedR: gridR,
    counterfactual: fc.boolean(),
    explored: fc.boolean(),
    pairDiffR: fc.option(gridR, { nil: undefined }),
  })
  .map(({ realizedR, counterfactual, explored, pairDiffR }) =>
    armIncrement(realizedR, counterfactual, explored, pairDiffR),
  );

describe('toMicroR and quantizeR', () => {
  it('put R on a grid of 1e-6 R, as integers of micro-R', () => {
    expect(toMicroR(1.25)).toBe(1_250_000);
    expect(toMicroR(-0.000_001)).toBe(-1);
    expect(toMicroR(0.123_456_7)).toBe(123_457);
    expect(quantizeR(0.123_456_7)).toBe(0.123_457);
    expect(quantizeR(0.1 + 0.2)).toBe(0.3);
  });

  it('turn −0, and anything that rounds to it, into +0 (DynamoDB stores no negative zero)', () => {
    expect(Object.is(toMicroR(-0), 0)).toBe(true);
    expect(Object.is(quantizeR(-0), 0)).toBe(true);
    expect(Object.is(toMicroR(-4e-7), 0)).toBe(true);
    expect(Object.is(quantizeR(-4e-7), 0)).toBe(true);
  });

  it('round a tiny R such as 1e-140 to exactly 0, never to a number the store cannot hold', () => {
    expect(toMicroR(1e-140)).toBe(0);
    expect(quantizeR(1e-140)).toBe(0);
    expect(Object.is(quantizeR(-1e-140), 0)).toBe(true);
  });

  it('keep an R up to ±9e9 exact on the grid, and refuse one beyond, where micro-R integers are no longer exact', () => {
    expect(quantizeR(-1e9)).toBe(-1e9);
    expect(Number.isInteger(toMicroR(1e9))).toBe(true);
    expect(Number.isSafeInteger(toMicroR(9e9))).toBe(true);
    expect(() => toMicroR(1e10)).toThrow(RangeError);
    expect(() => quantizeR(1e300)).toThrow(/at most ±9e9 R/);
  });

  it('refuse an R that is not finite', () => {
    for (const r of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
      expect(() => toMicroR(r)).toThrow(RangeError);
      expect(() => quantizeR(r)).toThrow(RangeError);
    }
  });

  it('are idempotent: a value on the grid stays where it is', () => {
    fc.assert(
      fc.property(fc.double({ min: -1e6, max: 1e6, noNaN: true }), (r) => {
        const once = quantizeR(r);
        expect(quantizeR(once)).toBe(once);
        expect(Number.isInteger(toMicroR(r))).toBe(true);
        expect(Math.abs(once - r)).toBeLessThanOrEqual(0.5e-6 + Math.abs(r) * 1e-15);
      }),
      FIXED_CASES,
    );
  });
});

describe('armIncrement', () => {
  it('adds one real reward of the traded arm', () => {
    expect(armIncrement(1.5, false, false)).toEqual({
      n: 1,
      real: 1,
      sumMicro: 1_500_000,
      sumSqMicro: 2_250_000,
      wins: 1,
      losses: 0,
      explorations: 0,
      pairN: 0,
      pairSumMicro: 0,
      pairSqMicro: 0,
    });
  });

  it('marks a simulated outcome counterfactual and never counts it as an exploration', () => {
    expect(armIncrement(-0.5, true, true)).toEqual({
      n: 1,
      real: 0,
      sumMicro: -500_000,
      sumSqMicro: 250_000,
      wins: 0,
      losses: 1,
      explorations: 0,
      pairN: 0,
      pairSumMicro: 0,
      pairSqMicro: 0,
    });
  });

  it("adds the pair when given the arm's lead over the reference on the same path", () => {
    expect(armIncrement(-0.5, true, false, -1.25)).toMatchObject({
      pairN: 1,
      pairSumMicro: -1_250_000,
      pairSqMicro: 1_562_500,
    });
    // A lead of exactly 0 is a pair all the same.
    expect(armIncrement(1, true, false, 0)).toMatchObject({ pairN: 1, pairSumMicro: 0, pairSqMicro: 0 });
  });

  it('counts an exploration draw on a real reward', () => {
    expect(armIncrement(2, false, true).explorations).toBe(1);
  });

  it('counts a reward of 0 (or one that rounds to it) as neither a win nor a loss', () => {
    for (const r of [0, -0, 4e-7, -4e-7]) {
      expect(armIncrement(r, false, false)).toMatchObject({ sumMicro: 0, sumSqMicro: 0, wins: 0, losses: 0 });
    }
  });

  it('rounds each square to the micro-R² grid', () => {
    // 0.0017² = 2.89e-6 R² → 3 micro-R²; 0.001² = 1e-6 → 1; 1e-6² → 0.
    expect(armIncrement(0.0017, false, false).sumSqMicro).toBe(3);
    expect(armIncrement(0.001, false, false).sumSqMicro).toBe(1);
    expect(armIncrement(0.000_001, false, false).sumSqMicro).toBe(0);
  });

  it('holds only integers, and names every field INCREMENT_FIELDS lists', () => {
    fc.assert(
      fc.property(incrementArb, (increment) => {
        expect(Object.keys(increment).sort()).toEqual([...INCREMENT_FIELDS].sort());
        for (const field of INCREMENT_FIELDS) expect(Number.isInteger(increment[field])).toBe(true);
      }),
      FIXED_CASES,
    );
  });
});

describe('addToCell', () => {
  it('starts a cell from its first increment', () => {
    expect(addToCell(undefined, armIncrement(2.5, false, false), 1000)).toEqual({
      count: 1,
      realCount: 1,
      counterfactualCount: 0,
      sumMicro: 2_500_000,
      sumSqMicro: 6_250_000,
      sum: 2.5,
      mean: 2.5,
      sdR: 0,
      wins: 1,
      losses: 0,
      explorations: 0,
      pairN: 0,
      pairSumMicro: 0,
      pairSqMicro: 0,
      ema: 0,
      lastUpdate: 1000,
    });
  });

  it('treats an empty cell like a missing one', () => {
    const increment = armIncrement(-1, true, false);
    expect(addToCell(emptyCellStats(), increment, 5)).toEqual(addToCell(undefined, increment, 5));
  });

  it('adds counts and sums, keeps the EMA it was given and the latest update time', () => {
    const previous = { ...addToCell(undefined, armIncrement(1, false, true), 2000), ema: 0.7 };
    const next = addToCell(previous, armIncrement(-3, true, false), 1000);
    expect(next).toMatchObject({
      count: 2,
      realCount: 1,
      counterfactualCount: 1,
      sumMicro: -2_000_000,
      sumSqMicro: 10_000_000,
      sum: -2,
      mean: -1,
      wins: 1,
      losses: 1,
      explorations: 1,
      ema: 0.7,
      lastUpdate: 2000,
    });
  });

  it('never modifies the previous cell', () => {
    const previous = Object.freeze(addToCell(undefined, armIncrement(1, false, false), 1));
    const snapshot = { ...previous };
    const next = addToCell(previous, armIncrement(-2, false, false), 2);
    expect(previous).toEqual(snapshot);
    expect(next).not.toBe(previous);
    expect(next.count).toBe(2);
  });

  it('ends in the same cell whatever order the increments arrive in', () => {
    const increments = fc.array(fc.tuple(incrementArb, fc.integer({ min: 0, max: 2_000_000_000_000 })), {
      minLength: 1,
      maxLength: 40,
    });
    const withPermutation = increments.chain((list) =>
      fc.tuple(
        fc.constant(list),
        fc.shuffledSubarray(list, { minLength: list.length, maxLength: list.length }),
      ),
    );
    fc.assert(
      fc.property(withPermutation, ([list, permuted]) => {
        const inOrder = addAll(
          list.map(([increment]) => increment),
          list.map(([, at]) => at),
        );
        const shuffled = addAll(
          permuted.map(([increment]) => increment),
          permuted.map(([, at]) => at),
        );
        expect(shuffled).toEqual(inOrder);
        // And the same as adding the increments up first (what DynamoDB's ADDs amount to).
        const total = list.map(([increment]) => increment).reduce(addIncrements);
        expect(inOrder).toEqual(cellStatsOf(total, { lastUpdate: Math.max(...list.map(([, at]) => at)) }));
      }),
      FIXED_CASES,
    );
  });
});

describe('cellStatsOf', () => {
  it('derives mean and sample standard deviation as computed by hand', () => {
    // R = 1, 2, 3, −2: mean 1, Σ(r − mean)² = 0 + 1 + 4 + 9 = 14 over n − 1 = 3.
    const totals = [1, 2, 3, -2].map((r) => armIncrement(r, false, false)).reduce(addIncrements);
    const stats = cellStatsOf(totals);
    expect(stats).toMatchObject({ count: 4, sum: 4, mean: 1, wins: 3, losses: 1 });
    expect(stats.sdR).toBeCloseTo(Math.sqrt(14 / 3), 12);
  });

  it('gives an empty cell a mean of 0 and a single reward a standard deviation of 0', () => {
    expect(cellStatsOf(totalsOf(undefined))).toMatchObject({ count: 0, mean: 0, sdR: 0 });
    expect(cellStatsOf(armIncrement(-7, false, false))).toMatchObject({ count: 1, mean: -7, sdR: 0 });
    expect(emptyCellStats()).toEqual(cellStatsOf(totalsOf(undefined)));
  });

  it('never gives a negative variance when rounding the squares undershoots', () => {
    // 0.0015² rounds 2.25 micro-R² down to 2: Σ R² < n·mean² on the grid.
    const totals = addIncrements(armIncrement(0.0015, false, false), armIncrement(0.0015, false, false));
    expect(cellStatsOf(totals).sdR).toBe(0);
  });

  it('matches a direct computation of mean and variance for any rewards on the grid', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.integer({ min: -20 * MICRO_PER_R, max: 20 * MICRO_PER_R }).map((micro) => micro / MICRO_PER_R),
          { minLength: 2, maxLength: 50 },
        ),
        (rewards) => {
          const totals = rewards.map((r) => armIncrement(r, false, false)).reduce(addIncrements);
          const stats = cellStatsOf(totals);
          const n = rewards.length;
          const mean = rewards.reduce((a, b) => a + b, 0) / n;
          const variance = rewards.reduce((sum, r) => sum + (r - mean) ** 2, 0) / (n - 1);
          expect(stats.count).toBe(n);
          expect(stats.mean).toBeCloseTo(mean, 9);
          // Each square is rounded to 1e-6 R²: at most n·0.5e-6 over n − 1 off.
          expect(Math.abs(stats.sdR ** 2 - variance)).toBeLessThanOrEqual(1e-6 + 1e-9);
        },
      ),
      FIXED_CASES,
    );
  });

  it('round-trips through totalsOf', () => {
    fc.assert(
      fc.property(fc.array(incrementArb, { minLength: 1, maxLength: 10 }), (list) => {
        const totals = list.reduce(addIncrements);
        expect(totalsOf(cellStatsOf(totals))).toEqual(totals);
      }),
      FIXED_CASES,
    );
  });
});

describe('foldEma', () => {
  /** A cell after `rewards`, its EMA folded in arrival order as the seed's conditional writes do. */
  function seedCell(rewards: readonly number[], alpha: number): CellStats | undefined {
    return rewards.reduce<CellStats | undefined>((cell, r, index) => {
      const next = addToCell(cell, armIncrement(r, false, false), index);
      next.ema = foldEma(cell, r, alpha);
      return next;
    }, undefined);
  }

  it('lets the first reward set the EMA, on a missing or an empty cell', () => {
    expect(foldEma(undefined, 2.5, 0.2)).toBe(2.5);
    expect(foldEma({ ...emptyCellStats(), ema: 9 }, -1, 0.2)).toBe(-1);
  });

  it('moves the EMA by alpha toward every later reward, as computed by hand', () => {
    // r = 2, −1, 0, 3 with alpha 0.2: 2; 1.4; 1.12; 0.8·1.12 + 0.6 = 1.496.
    const cell = seedCell([2, -1, 0, 3], 0.2);
    expect(cell?.ema).toBeCloseTo(1.496, 12);
    expect(cell).toMatchObject({ count: 4, sum: 4, mean: 1, wins: 2, losses: 1 });
  });

  it('depends on the order of the rewards, unlike every other statistic', () => {
    // alpha 0.5: 4, 1, 1 against 1, 2.5, 0.25.
    const late = seedCell([4, -2, 1], 0.5);
    const early = seedCell([1, 4, -2], 0.5);
    expect(late?.ema).toBe(1);
    expect(early?.ema).toBe(0.25);
    expect({ ...late, ema: 0, lastUpdate: 0 }).toEqual({ ...early, ema: 0, lastUpdate: 0 });
  });

  it('folds R on the cells’ grid', () => {
    expect(foldEma(undefined, 0.123_456_7, 0.2)).toBe(0.123_457);
    expect(Object.is(foldEma(undefined, -1e-140, 0.2), 0)).toBe(true);
  });

  it('refuses an alpha outside (0, 1]', () => {
    expect(() => foldEma(undefined, 1, 0)).toThrow(RangeError);
    expect(() => foldEma(undefined, 1, 1.5)).toThrow(RangeError);
    expect(() => foldEma(undefined, 1, Number.NaN)).toThrow(RangeError);
    expect(foldEma(seedCell([3], 1), -1, 1)).toBe(-1);
  });

  it('stays within the range of the rewards it folded', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -20, max: 20, noNaN: true }), { minLength: 1, maxLength: 50 }),
        fc.double({ min: 0.01, max: 1, noNaN: true }),
        (rewards, alpha) => {
          const ema = seedCell(rewards, alpha)?.ema ?? Number.NaN;
          const grid = rewards.map(quantizeR);
          expect(ema).toBeGreaterThanOrEqual(Math.min(...grid) - 1e-9);
          expect(ema).toBeLessThanOrEqual(Math.max(...grid) + 1e-9);
        },
      ),
      FIXED_CASES,
    );
  });
});
