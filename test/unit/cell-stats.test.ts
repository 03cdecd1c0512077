import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { emptyCellStats, updateCellStats } from '../../lib/learners/cell-stats';
import type { CellReward, CellStats } from '../../lib/learners/learner';

const real = (realizedR: number, at: number): CellReward => ({ realizedR, at, counterfactual: false });

function fold(rewards: readonly CellReward[], alpha: number): CellStats | undefined {
  return rewards.reduce<CellStats | undefined>(
    (cell, reward) => updateCellStats(cell, reward, alpha),
    undefined,
  );
}

describe('updateCellStats', () => {
  it('starts a cell from its first reward, which sets the EMA', () => {
    expect(updateCellStats(undefined, real(2.5, 1000), 0.2)).toEqual({
      count: 1,
      realCount: 1,
      counterfactualCount: 0,
      sum: 2.5,
      mean: 2.5,
      ema: 2.5,
      lastReward: 2.5,
      wins: 1,
      losses: 0,
      totalR: 2.5,
      lastUpdate: 1000,
    });
  });

  it('treats an empty cell like a missing one', () => {
    expect(updateCellStats(emptyCellStats(), real(-1, 5), 0.2)).toEqual(
      updateCellStats(undefined, real(-1, 5), 0.2),
    );
  });

  it('folds rewards into the EMA as computed by hand', () => {
    // r = 2, -1, 0, 3 with alpha 0.2:
    // ema1 = 2; ema2 = 0.8·2 + 0.2·(−1) = 1.4; ema3 = 0.8·1.4 + 0 = 1.12; ema4 = 0.8·1.12 + 0.2·3 = 1.496
    const cell = fold([real(2, 1), real(-1, 2), real(0, 3), real(3, 4)], 0.2);
    expect(cell?.ema).toBeCloseTo(1.496, 12);
    expect(cell).toMatchObject({
      count: 4,
      realCount: 4,
      counterfactualCount: 0,
      sum: 4,
      mean: 1,
      lastReward: 3,
      wins: 2,
      losses: 1,
      totalR: 4,
      lastUpdate: 4,
    });
  });

  it('counts a reward of exactly 0 as neither a win nor a loss', () => {
    expect(fold([real(0, 1), real(0, 2)], 0.2)).toMatchObject({ count: 2, wins: 0, losses: 0 });
  });

  it('counts counterfactual rewards apart from real ones', () => {
    const cell = fold(
      [
        real(1, 1),
        { realizedR: -0.5, at: 2, counterfactual: true },
        { realizedR: 2, at: 3, counterfactual: true },
      ],
      0.5,
    );
    expect(cell).toMatchObject({ count: 3, realCount: 1, counterfactualCount: 2, wins: 2, losses: 1 });
  });

  it('keeps the latest update time when an older reward arrives late', () => {
    expect(fold([real(1, 2000), real(1, 1000)], 0.2)?.lastUpdate).toBe(2000);
  });

  it('never mutates the previous stats', () => {
    const previous = Object.freeze(updateCellStats(undefined, real(1, 1), 0.2));
    const snapshot = { ...previous };
    const next = updateCellStats(previous, real(-2, 2), 0.2);
    expect(previous).toEqual(snapshot);
    expect(next).not.toBe(previous);
    expect(next.count).toBe(2);
  });

  it('rejects a non-finite reward and an alpha outside (0, 1]', () => {
    expect(() => updateCellStats(undefined, real(Number.NaN, 1), 0.2)).toThrow(RangeError);
    expect(() => updateCellStats(undefined, real(Number.POSITIVE_INFINITY, 1), 0.2)).toThrow(RangeError);
    expect(() => updateCellStats(undefined, real(1, 1), 0)).toThrow(RangeError);
    expect(() => updateCellStats(undefined, real(1, 1), 1.5)).toThrow(RangeError);
  });

  it('keeps count, sum, mean and the win/loss tally consistent for any rewards', () => {
    const reward = fc.record({
      realizedR: fc.double({ min: -20, max: 20, noNaN: true }),
      at: fc.integer({ min: 0, max: 2_000_000_000_000 }),
      counterfactual: fc.boolean(),
    });
    fc.assert(
      fc.property(
        fc.array(reward, { minLength: 1, maxLength: 50 }),
        fc.double({ min: 0.01, max: 1, noNaN: true }),
        (rewards, alpha) => {
          const cell = fold(rewards, alpha);
          const rs = rewards.map((x) => x.realizedR);
          const total = rs.reduce((a, b) => a + b, 0);
          expect(cell?.count).toBe(rewards.length);
          expect((cell?.realCount ?? 0) + (cell?.counterfactualCount ?? 0)).toBe(rewards.length);
          expect(cell?.sum).toBeCloseTo(total, 9);
          expect(cell?.totalR).toBeCloseTo(total, 9);
          expect(cell?.mean).toBeCloseTo(total / rewards.length, 9);
          expect(cell?.wins).toBe(rs.filter((r) => r > 0).length);
          expect(cell?.losses).toBe(rs.filter((r) => r < 0).length);
          // An EMA is a weighted average, so it stays within the rewards' range.
          expect(cell?.ema).toBeGreaterThanOrEqual(Math.min(...rs) - 1e-9);
          expect(cell?.ema).toBeLessThanOrEqual(Math.max(...rs) + 1e-9);
        },
      ),
    );
  });
});
