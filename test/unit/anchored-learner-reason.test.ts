import { describe, expect, it } from 'vitest';
import { createAnchoredLearner } from '../../lib/learners/anchored-learner';
import { addIncrements, addToCell, armIncrement, cellStatsOf, totalsOf } from '../../lib/learners/cell-stats';
import type { CellStats, CellsByArm, ChooseInput } from '../../lib/learners/learner';
import { seededRng } from '../../lib/random';
import type { StrategyId } from '../../lib/types';

/** A cell of `count` rewards, each exactly `meanR`. */
function cell(count: number, meanR: number): CellStats {
  let stats: CellStats | undefined;
  for (let k = 0; k < count; k++) stats = addToCell(stats, armIncrement(meanR, true, false), k);
  if (stats === undefined) throw new Error('count must be positive');
  return stats;
}

const learner = createAnchoredLearner({
  confidenceZ: 2,
  rewardSdR: 1,
  minEvidenceTrades: 20,
  poolPriorTrades: 20,
});

function choose(cells: CellsByArm, extra: Partial<ChooseInput> = {}) {
  return learner.choose({
    regime: 'TREND_UP',
    candidates: ['scalp', 'trend_rider'] satisfies StrategyId[],
    cells,
    rng: seededRng(1),
    ...extra,
  });
}

describe('the anchored learner explains its choice', () => {
  it('keeps the anchor and says which challenger came closest, by how much, and how many trades it lacks', () => {
    const choice = choose({ trend_rider: cell(40, 0), scalp: cell(40, 0.2) });
    expect(choice.arm).toBe('trend_rider');
    // z·sd/√40 = 0.316: scalp's lower bound −0.116 R stays under trend_rider's upper bound +0.316 R.
    expect(choice.reason).toBe(
      "Kept the anchor trend_rider (mean 0.000 R over 40 trades, upper bound +0.316 R): no challenger's lower " +
        "bound clears it, the best being scalp's -0.116 R (mean +0.200 R over 40 trades; at its lead it would " +
        'need about 361 more trades).',
    );
    expect(choice.evidence?.scalp).toMatchObject({ meanR: 0.2, trades: 40, ownTrades: 40, pooledTrades: 0 });
    expect(choice.evidence?.scalp?.lowerR).toBeCloseTo(0.2 - 2 / Math.sqrt(40), 12);
    expect(choice.evidence?.trend_rider?.upperR).toBeCloseTo(2 / Math.sqrt(40), 12);
    expect(choice.evidence?.trend_rider).not.toHaveProperty('moreTradesToClear');
  });

  it('counts the trades a challenger lacks so that, that many trades later at the same means, it is chosen', () => {
    const more = choose({ trend_rider: cell(40, 0), scalp: cell(40, 0.2) }).evidence?.scalp
      ?.moreTradesToClear;
    expect(more).toBe(361);
    const later = (k: number) => choose({ trend_rider: cell(40 + k, 0), scalp: cell(40 + k, 0.2) });
    expect(later(361).arm).toBe('scalp');
    expect(later(361).evidence?.scalp?.moreTradesToClear).toBe(0);
    expect(later(360).arm).toBe('trend_rider');
  });

  it('names the challenger that cleared the anchor, with both bounds and their evidence', () => {
    const choice = choose({ trend_rider: cell(100, 0), scalp: cell(100, 0.5) });
    expect(choice.arm).toBe('scalp');
    expect(choice.reason).toBe(
      "Chose scalp over the anchor trend_rider: its lower bound +0.300 R (mean +0.500 R over 100 trades) clears the anchor's upper bound +0.200 R (mean 0.000 R over 100 trades).",
    );
  });

  it('says when a challenger does not lead, and when none has enough evidence yet', () => {
    const behind = choose({ trend_rider: cell(50, 0.1), scalp: cell(50, -0.1) });
    expect(behind.reason).toMatch(
      /the best being scalp's -0\.383 R \(mean -0\.100 R over 50 trades; it does not lead the anchor\)\.$/,
    );
    expect(behind.evidence?.scalp?.moreTradesToClear).toBeNull();
    const young = choose({ trend_rider: cell(5, 0), scalp: cell(5, 2) });
    expect(young.arm).toBe('trend_rider');
    expect(young.reason).toBe(
      'Kept the anchor trend_rider (mean 0.000 R over 5 trades, upper bound +0.894 R): no challenger has yet the 20 trades of evidence a switch needs.',
    );
    expect(young.evidence?.scalp?.moreTradesToClear).toBe(15);
    const empty = choose({});
    expect(empty.reason).toBe(
      'Kept the anchor trend_rider (no evidence yet, upper bound +2.000 R): no challenger has yet the 20 trades of evidence a switch needs.',
    );
    expect(empty.evidence?.scalp).toMatchObject({
      meanR: 0,
      trades: 0,
      ownTrades: 0,
      pooledTrades: 0,
      lowerR: -2,
      upperR: 2,
    });
  });

  it("shows a symbol's own and pooled trades, the pooled ones counting at most the pool prior", () => {
    const own = cell(10, 0.3);
    const others = cell(90, 0.1);
    const pooled = {
      scalp: cellStatsOf(addIncrements(totalsOf(own), totalsOf(others))),
      trend_rider: cell(100, 0),
    };
    const choice = choose({ scalp: own, trend_rider: cell(10, 0) }, { pooled });
    // Own 10 at +0.3, plus 20 of the other symbols' 90 at +0.1: 30 trades of mean +0.1667.
    expect(choice.evidence?.scalp).toMatchObject({ ownTrades: 10, pooledTrades: 90, trades: 30 });
    expect(choice.evidence?.scalp?.meanR).toBeCloseTo((10 * 0.3 + 20 * 0.1) / 30, 12);
  });

  it('says so when the choice was an exploration draw, and when there is nothing to choose from', () => {
    const exploring = createAnchoredLearner({ epsilon: 1, noExplorationRegimes: [] });
    const input: ChooseInput = {
      regime: 'RANGE_LOW_VOL',
      candidates: ['defensive', 'scalp', 'trend_rider'],
      cells: {},
      rng: seededRng(3),
    };
    const choices = Array.from({ length: 10 }, () => exploring.choose(input));
    const explored = choices.find((c) => c.explored);
    expect(explored?.reason).toBe(
      `Explored ${explored?.arm}, a uniform draw taken with probability 1, instead of trend_rider.`,
    );
    const alone = learner.choose({
      regime: 'TREND_UP',
      candidates: ['trend_rider'],
      cells: {},
      rng: seededRng(1),
    });
    expect(alone.reason).toBe('Kept trend_rider, the only candidate.');
  });
});
