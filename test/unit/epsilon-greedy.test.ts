import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ArmId } from '../../lib/arms';
import { addToCell, armIncrement, emptyCellStats, foldEma, toMicroR } from '../../lib/learners/cell-stats';
import { createEpsilonGreedyLearner, NoCandidatesError } from '../../lib/learners/epsilon-greedy';
import type { CellStats, CellsByArm } from '../../lib/learners/learner';
import { seededRng } from '../../lib/random';
import { STRATEGY_IDS, type StrategyId } from '../../lib/types';

/** fast-check draws the same cases on every run. */
const FIXED_CASES = { seed: 15 };

/** A cell whose EMA is `ema` after `count` rewards. */
function cell(ema: number, count = 10): CellStats {
  return {
    ...emptyCellStats(),
    count,
    realCount: count,
    ema,
    sumMicro: toMicroR(ema * count),
    sum: ema * count,
    mean: ema,
  };
}

const TREND_CANDIDATES: readonly StrategyId[] = STRATEGY_IDS.filter((id) => id !== 'scalp');
const RANGE_CANDIDATES: readonly StrategyId[] = ['defensive', 'moderate', 'scalp'];

const seed = (epsilon = 0.1) =>
  createEpsilonGreedyLearner({ epsilon, alpha: 0.2, defaultStrategy: 'ultra_aggressive' });

function sumOf(probabilities: Partial<Record<StrategyId, number>>): number {
  return Object.values(probabilities).reduce((a, b) => a + b, 0);
}

function expectProbabilities(
  actual: Partial<Record<StrategyId, number>>,
  expected: Partial<Record<StrategyId, number>>,
): void {
  expect(Object.keys(actual).sort()).toEqual(Object.keys(expected).sort());
  for (const [id, probability] of Object.entries(expected)) {
    expect(actual[id as StrategyId]).toBeCloseTo(probability, 12);
  }
}

describe('createEpsilonGreedyLearner', () => {
  it('describes itself with a stable policy string', () => {
    expect(seed().policy).toBe(
      'seed:egreedy(eps=0.1,alpha=0.2,minRewards=5,minBest=0.4,default=ultra_aggressive)',
    );
  });

  it('always chooses the greedy arm when epsilon is 0', () => {
    const learner = seed(0);
    const cells: CellsByArm = { defensive: cell(0.5), moderate: cell(1.2), scalp: cell(0.9) };
    const rng = seededRng(1);
    for (let i = 0; i < 1000; i += 1) {
      const choice = learner.choose({ regime: 'RANGE_LOW_VOL', candidates: RANGE_CANDIDATES, cells, rng });
      expect(choice).toMatchObject({ arm: 'moderate', explored: false, propensity: 1 });
    }
  });

  it('gives the greedy arm 1 − ε + ε/n and every other arm ε/n', () => {
    const choice = seed(0.1).choose({
      regime: 'RANGE_LOW_VOL',
      candidates: RANGE_CANDIDATES,
      cells: { defensive: cell(0.5), moderate: cell(1.2), scalp: cell(0.9) },
      rng: seededRng(7),
    });
    expect(choice.probabilities.moderate).toBeCloseTo(0.9 + 0.1 / 3, 12);
    expect(choice.probabilities.defensive).toBeCloseTo(0.1 / 3, 12);
    expect(choice.probabilities.scalp).toBeCloseTo(0.1 / 3, 12);
  });

  it('splits the exploit mass exactly between tied best arms', () => {
    const learner = seed(0.1);
    const cells: CellsByArm = { defensive: cell(1.5), moderate: cell(0.2), scalp: cell(1.5) };
    const choice = learner.choose({
      regime: 'RANGE_LOW_VOL',
      candidates: RANGE_CANDIDATES,
      cells,
      rng: seededRng(3),
    });
    expectProbabilities(choice.probabilities, {
      defensive: 0.9 / 2 + 0.1 / 3,
      moderate: 0.1 / 3,
      scalp: 0.9 / 2 + 0.1 / 3,
    });

    const greedy = seed(0);
    const rng = seededRng(11);
    const picks = { defensive: 0, scalp: 0 };
    for (let i = 0; i < 10_000; i += 1) {
      const {
        arm: strategy,
        propensity,
        explored,
      } = greedy.choose({
        regime: 'RANGE_LOW_VOL',
        candidates: RANGE_CANDIDATES,
        cells,
        rng,
      });
      expect(strategy === 'defensive' || strategy === 'scalp').toBe(true);
      expect(propensity).toBe(0.5);
      expect(explored).toBe(false);
      if (strategy === 'defensive' || strategy === 'scalp') picks[strategy] += 1;
    }
    expect(picks.defensive / 10_000).toBeGreaterThan(0.48);
    expect(picks.scalp / 10_000).toBeGreaterThan(0.48);
  });

  describe('cold start', () => {
    it('exploits DEFAULT_STRATEGY while no cell has a reward', () => {
      const choice = seed(0).choose({
        regime: 'TREND_UP',
        candidates: TREND_CANDIDATES,
        cells: {},
        rng: seededRng(1),
      });
      expect(choice).toMatchObject({ arm: 'ultra_aggressive', explored: false, propensity: 1 });
      expect(choice.values.ultra_aggressive).toEqual({ value: 0, count: 0 });
    });

    it('exploits DEFAULT_STRATEGY while the candidates hold fewer than 5 rewards in total', () => {
      const cells: CellsByArm = { trend_rider: cell(3, 2), moderate: cell(2, 2) };
      const cold = seed(0).choose({
        regime: 'TREND_UP',
        candidates: TREND_CANDIDATES,
        cells,
        rng: seededRng(1),
      });
      expect(cold.arm).toBe('ultra_aggressive');

      const warm = seed(0).choose({
        regime: 'TREND_UP',
        candidates: TREND_CANDIDATES,
        cells: { ...cells, defensive: cell(1, 1) },
        rng: seededRng(1),
      });
      expect(warm.arm).toBe('trend_rider');
    });

    it('exploits DEFAULT_STRATEGY while the best EMA is below 0.4', () => {
      const cells: CellsByArm = { trend_rider: cell(0.39, 50), moderate: cell(-1, 50) };
      const choice = seed(0).choose({
        regime: 'TREND_UP',
        candidates: TREND_CANDIDATES,
        cells,
        rng: seededRng(1),
      });
      expect(choice.arm).toBe('ultra_aggressive');
    });

    it('falls back to the first candidate in profile order when DEFAULT_STRATEGY is not a candidate', () => {
      const choice = seed(0.3).choose({
        regime: 'RANGE_LOW_VOL',
        candidates: RANGE_CANDIDATES,
        cells: {},
        rng: seededRng(1),
      });
      expectProbabilities(choice.probabilities, { defensive: 0.8, moderate: 0.1, scalp: 0.1 });
      const greedy = seed(0).choose({
        regime: 'RANGE_LOW_VOL',
        candidates: RANGE_CANDIDATES,
        cells: {},
        rng: seededRng(1),
      });
      expect(greedy.arm).toBe('defensive');
    });

    it('ignores cells of strategies that are not candidates and empty cells', () => {
      const cells: CellsByArm = {
        trend_rider: cell(5, 100),
        scalp: emptyCellStats(),
        moderate: cell(1, 3),
      };
      const choice = seed(0).choose({
        regime: 'RANGE_LOW_VOL',
        candidates: RANGE_CANDIDATES,
        cells,
        rng: seededRng(1),
      });
      expect(choice.arm).toBe('defensive');
      expect(choice.probabilities).not.toHaveProperty('trend_rider');
      expect(choice.values.scalp).toEqual({ value: 0, count: 0 });
      expect(choice.values.moderate).toEqual({ value: 1, count: 3 });
    });
  });

  it('marks a choice explored only when an exploration draw picked a non-exploit arm', () => {
    const learner = seed(1);
    const cells: CellsByArm = { defensive: cell(0.5), moderate: cell(1.2), scalp: cell(0.9) };
    const rng = seededRng(5);
    for (let i = 0; i < 300; i += 1) {
      const choice = learner.choose({ regime: 'RANGE_LOW_VOL', candidates: RANGE_CANDIDATES, cells, rng });
      expect(choice.explored).toBe(choice.arm !== 'moderate');
      expect(choice.propensity).toBeCloseTo(1 / 3, 12);
    }
  });

  it('throws a typed error when there is no candidate', () => {
    expect(() => seed().choose({ regime: 'UNKNOWN', candidates: [], cells: {}, rng: seededRng(1) })).toThrow(
      NoCandidatesError,
    );
  });

  it('rejects parameters outside their ranges', () => {
    expect(() => createEpsilonGreedyLearner({ epsilon: 1.1, alpha: 0.2, defaultStrategy: 'scalp' })).toThrow(
      RangeError,
    );
    expect(() => createEpsilonGreedyLearner({ epsilon: 0.1, alpha: 0, defaultStrategy: 'scalp' })).toThrow(
      RangeError,
    );
    expect(() =>
      createEpsilonGreedyLearner({ epsilon: 0.1, alpha: 0.2, defaultStrategy: 'scalp', minRewards: -1 }),
    ).toThrow(RangeError);
  });

  it('gives every candidate a probability, summing to 1, and the chosen arm its own as propensity', () => {
    const arbitraryCell = fc.record({
      ema: fc.double({ min: -5, max: 5, noNaN: true }),
      count: fc.integer({ min: 0, max: 20 }),
    });
    const cellsArb = fc.dictionary(fc.constantFrom(...STRATEGY_IDS), arbitraryCell).map((raw) => {
      const cells: CellsByArm = {};
      for (const [id, { ema, count }] of Object.entries(raw)) cells[id as StrategyId] = cell(ema, count);
      return cells;
    });
    const candidatesArb = fc
      .subarray([...STRATEGY_IDS], { minLength: 1 })
      .map((subset) => STRATEGY_IDS.filter((id) => subset.includes(id)));
    // Ties are common with a few distinct EMAs, so draw some from a small set.
    const tiedCellsArb = fc
      .dictionary(fc.constantFrom(...STRATEGY_IDS), fc.constantFrom(0.5, 1, 2))
      .map((raw) => {
        const cells: CellsByArm = {};
        for (const [id, ema] of Object.entries(raw)) cells[id as StrategyId] = cell(ema, 5);
        return cells;
      });

    fc.assert(
      fc.property(
        fc.oneof(cellsArb, tiedCellsArb),
        candidatesArb,
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.constantFrom(...STRATEGY_IDS),
        fc.integer(),
        (cells, candidates, epsilon, defaultStrategy, rngSeed) => {
          const learner = createEpsilonGreedyLearner({ epsilon, alpha: 0.2, defaultStrategy });
          const choice = learner.choose({ regime: 'TREND_UP', candidates, cells, rng: seededRng(rngSeed) });
          expect(Object.keys(choice.probabilities).sort()).toEqual([...candidates].sort());
          expect(Object.keys(choice.values).sort()).toEqual([...candidates].sort());
          expect(sumOf(choice.probabilities)).toBeCloseTo(1, 12);
          expect(candidates).toContain(choice.arm);
          expect(choice.propensity).toBe(choice.probabilities[choice.arm]);
          expect(choice.propensity).toBeGreaterThan(0);
        },
      ),
      FIXED_CASES,
    );
  });

  it('chooses with the frequencies its probabilities state over 20,000 seeded draws', () => {
    const learner = seed(0.3);
    const cells: CellsByArm = {
      defensive: cell(0.8),
      moderate: cell(1.4),
      moderate_aggressive: cell(1.4),
      balanced_aggressive: cell(-0.2),
      ultra_aggressive: cell(1.1),
      trend_rider: cell(0.1, 2),
    };
    const rng = seededRng(2024);
    const draws = 20_000;
    const counts: Partial<Record<ArmId, number>> = {};
    let probabilities: Partial<Record<ArmId, number>> = {};
    for (let i = 0; i < draws; i += 1) {
      const choice = learner.choose({ regime: 'TREND_UP', candidates: TREND_CANDIDATES, cells, rng });
      counts[choice.arm] = (counts[choice.arm] ?? 0) + 1;
      probabilities = choice.probabilities;
    }
    expect(probabilities.moderate).toBeCloseTo(0.35 + 0.05, 12);
    for (const id of TREND_CANDIDATES) {
      const expected = probabilities[id] ?? 0;
      // Four standard errors of a binomial proportion: a false alarm is vanishingly rare, and the
      // seeded RNG makes the outcome fixed anyway.
      const tolerance = 4 * Math.sqrt((expected * (1 - expected)) / draws);
      expect(Math.abs((counts[id] ?? 0) / draws - expected)).toBeLessThan(tolerance);
    }
  });

  it('names its alpha, so that the reward path folds its EMA in commit order, as computed by hand', () => {
    const learner = createEpsilonGreedyLearner({ epsilon: 0.1, alpha: 0.5, defaultStrategy: 'moderate' });
    expect(learner.emaAlpha).toBe(0.5);
    const alpha = learner.emaAlpha ?? Number.NaN;
    const folded = [4, -2, 1].reduce<CellStats | undefined>((previous, realizedR, index) => {
      const next = addToCell(previous, armIncrement(realizedR, false, false), index + 1);
      next.ema = foldEma(previous, realizedR, alpha);
      return next;
    }, undefined);
    // ema = 4; 0.5·4 + 0.5·(−2) = 1; 0.5·1 + 0.5·1 = 1
    expect(folded).toMatchObject({ ema: 1, count: 3, mean: 1, lastUpdate: 3 });
    // The folded EMA is the arm's value: 1 ≥ 0.4 with 5 rewards in the regime makes it the exploit arm.
    const choice = createEpsilonGreedyLearner({ epsilon: 0, alpha: 0.5, defaultStrategy: 'scalp' }).choose({
      regime: 'RANGE_LOW_VOL',
      candidates: RANGE_CANDIDATES,
      cells: { moderate: folded as CellStats, defensive: cell(0.9, 2) },
      rng: seededRng(1),
    });
    expect(choice.arm).toBe('moderate');
    expect(choice.values.moderate).toEqual({ value: 1, count: 3 });
  });
});
