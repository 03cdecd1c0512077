import { describe, expect, it } from 'vitest';
import { leadView } from '../../functions/stats/views';
import { type ArmId, REFERENCE_ARM } from '../../lib/arms';
import { addIncrements, addToCell, armIncrement, cellStatsOf, totalsOf } from '../../lib/learners/cell-stats';
import { NoCandidatesError } from '../../lib/learners/epsilon-greedy';
import type { CellStats, CellsByArm, ChooseInput } from '../../lib/learners/learner';
import { createPairedLearner, DEFAULT_PAIRED_OPTIONS } from '../../lib/learners/paired-learner';

/**
 * The paired learner on synthetic evidence with a known better arm: cells built, as the reward
 * path builds them, from increments in which one arm leads trend_rider by a fixed amount plus
 * noise on the same paths.
 */

const WIDE = 'trend_rider@sl2xtg1';
const NARROW = 'trend_rider@sl0.5xtg0.5';
const CANDIDATES: ArmId[] = ['scalp', 'trend_rider', WIDE, NARROW];

/** The defaults: t = 1.5, pool ≤ 50 trades, symbol ≤ 30, 20 trades of evidence, variance ≥ 0.04. */
const learner = createPairedLearner();

/** The reference's R on the k-th path: some paths win, some lose, as trades do. */
const referenceR = (k: number) => [1.2, -1, 0.4, -1, 2.5, -0.6][k % 6] ?? 0;

/**
 * The k-th lead of an arm over the reference: `lead` plus `noise`, then `lead` minus `noise`, so
 * that after an even number of paths the mean lead is `lead` exactly and its spread `noise`.
 */
const leadAt = (k: number, lead: number, noise: number) => lead + (k % 2 === 0 ? noise : -noise);

interface Challenger {
  arm: ArmId;
  lead: number;
  noise: number;
}

/**
 * A cell after `paths` trades whose paths priced trend_rider and every challenger: trend_rider's
 * outcomes, and each challenger's outcome and its lead over trend_rider on the same path.
 * `from` offsets the paths (another symbol's trades).
 */
function cellsAfter(paths: number, challengers: readonly Challenger[], from = 0): CellsByArm {
  const cells: Record<ArmId, CellStats | undefined> = {};
  for (let k = from; k < from + paths; k++) {
    const at = 1_000 + k;
    cells[REFERENCE_ARM] = addToCell(cells[REFERENCE_ARM], armIncrement(referenceR(k), true, false), at);
    for (const { arm, lead, noise } of challengers) {
      const diff = leadAt(k, lead, noise);
      cells[arm] = addToCell(cells[arm], armIncrement(referenceR(k) + diff, true, false, diff), at);
    }
  }
  return cells;
}

/** Two sets of cells together, arm by arm, as a pooled or total item sums them. */
function together(...sets: CellsByArm[]): CellsByArm {
  const out: CellsByArm = {};
  for (const set of sets) {
    for (const [arm, cell] of Object.entries(set)) {
      if (cell === undefined) continue;
      const previous = out[arm];
      out[arm] = cellStatsOf(addIncrements(totalsOf(previous), totalsOf(cell)));
    }
  }
  return out;
}

function choose(input: Partial<ChooseInput> & { cells: CellsByArm }) {
  return learner.choose({
    regime: 'TREND_UP',
    candidates: CANDIDATES,
    rng: () => {
      throw new Error('the paired learner draws nothing');
    },
    ...input,
  });
}

/**
 * The lower bound of a lead computed here from the leads themselves, not from the cells: the
 * mean minus t standard errors, the variance (population, floored) of one trade's lead.
 */
function lowerBoundOf(leads: readonly number[], t = 1.5, minVariance = 0.04): number {
  const n = leads.length;
  const mean = leads.reduce((sum, d) => sum + d, 0) / n;
  const variance = Math.max(minVariance, leads.reduce((sum, d) => sum + d * d, 0) / n - mean * mean);
  return mean - t * Math.sqrt(variance / n);
}

describe('the paired learner on a known better arm', () => {
  const wide: Challenger = { arm: WIDE, lead: 0.1, noise: 0.3 };
  const losing: Challenger = { arm: NARROW, lead: -0.1, noise: 0.3 };

  it('keeps trend_rider until the lead’s lower bound clears 0, then switches, trade by trade', () => {
    const leads: number[] = [];
    const chosen: ArmId[] = [];
    for (let paths = 1; paths <= 60; paths++) {
      leads.push(leadAt(paths - 1, wide.lead, wide.noise));
      chosen.push(choose({ cells: cellsAfter(paths, [wide, losing]) }).arm);
    }
    // Computed from the leads alone: the first trade count with 20 trades and a positive bound.
    const clears = leads.map((_, k) => k + 1 >= 20 && lowerBoundOf(leads.slice(0, k + 1)) > 0);
    const firstSwitch = clears.indexOf(true) + 1;
    expect(firstSwitch).toBe(21);
    expect(chosen.slice(0, firstSwitch - 1).every((arm) => arm === 'trend_rider')).toBe(true);
    expect(chosen.slice(firstSwitch - 1).every((arm) => arm === WIDE)).toBe(true);
  });

  it('says why it keeps trend_rider, naming the best challenger and its numbers', () => {
    // 20 paths: lead +0.1, sd 0.3: lower bound 0.1 − 1.5 · 0.3 / √20 = −0.0006.
    const kept = choose({ cells: cellsAfter(20, [wide, losing]) });
    expect(kept.arm).toBe('trend_rider');
    expect(kept.reason).toBe(
      `trend_rider kept: the best challenger, ${WIDE}, leads trend_rider by +0.1 R/trade over 20 trades (20 of this cell's own), but its lower bound -0.001 R is not above 0`,
    );
    expect(kept.evidence?.[WIDE]).toMatchObject({ trades: 20, ownTrades: 20, pooledTrades: 0 });
    expect(kept.evidence?.[WIDE]?.meanR).toBeCloseTo(0.1, 12);
    expect(kept.evidence?.[WIDE]?.lowerR).toBeCloseTo(0.1 - (1.5 * 0.3) / Math.sqrt(20), 9);
    // At this lead and spread, 20.25 trades clear the bound: one more.
    expect(kept.evidence?.[WIDE]?.moreTradesToClear).toBe(1);
  });

  it('says which arm it chose, by how much it leads, over how many trades, and its bound', () => {
    // 22 paths: lower bound 0.1 − 1.5 · 0.3 / √22 = +0.0041.
    const switched = choose({ cells: cellsAfter(22, [wide, losing]) });
    expect(switched.arm).toBe(WIDE);
    expect(switched.reason).toBe(
      `${WIDE} chosen: it leads trend_rider by +0.1 R/trade over 22 trades (22 of this cell's own), lower bound +0.004 R > 0`,
    );
    expect(switched.evidence?.[WIDE]?.moreTradesToClear).toBe(0);
  });

  it('never chooses an arm that trails trend_rider, however much evidence it has', () => {
    const choice = choose({ cells: cellsAfter(400, [losing]) });
    expect(choice.arm).toBe('trend_rider');
    expect(choice.values[NARROW]?.value).toBeCloseTo(-0.1, 12);
    expect(choice.evidence?.[NARROW]?.moreTradesToClear).toBeNull();
    expect(choice.reason).toMatch(/^trend_rider kept: the best challenger, .* is not above 0$/);
  });

  it('keeps trend_rider below the evidence a switch needs, however large the lead', () => {
    const huge: Challenger = { arm: WIDE, lead: 1, noise: 0.1 };
    const young = choose({ cells: cellsAfter(18, [huge]) });
    expect(young.arm).toBe('trend_rider');
    expect(young.reason).toBe(
      'trend_rider kept: no arm has the 20 trades of paired evidence a switch needs yet',
    );
    expect(young.evidence?.[WIDE]?.lowerR).toBeGreaterThan(0.9);
    expect(choose({ cells: cellsAfter(20, [huge]) }).arm).toBe(WIDE);
  });

  it('ranks challengers by their lower bound, not their mean', () => {
    const steady: Challenger = { arm: NARROW, lead: 0.3, noise: 0.1 };
    const erratic: Challenger = { arm: WIDE, lead: 0.4, noise: 1 };
    const choice = choose({ cells: cellsAfter(40, [steady, erratic]) });
    // 0.3 − 1.5 · 0.1 / √40 = 0.276 beats 0.4 − 1.5 · 1 / √40 = 0.163.
    expect(choice.arm).toBe(NARROW);
    expect(choice.evidence?.[WIDE]?.meanR).toBeGreaterThan(choice.evidence?.[NARROW]?.meanR ?? 0);
  });

  it('floors the variance of a lead that looks noiseless on few trades', () => {
    // 20 leads of exactly +0.05: variance 0, floored at 0.04: 0.05 − 1.5 · 0.2 / √20 < 0.
    const flat: Challenger = { arm: WIDE, lead: 0.05, noise: 0 };
    expect(choose({ cells: cellsAfter(20, [flat]) }).arm).toBe('trend_rider');
    expect(
      createPairedLearner({ minLeadVariance: 0 }).choose({
        regime: 'TREND_UP',
        candidates: CANDIDATES,
        cells: cellsAfter(20, [flat]),
        rng: () => 0,
      }).arm,
    ).toBe(WIDE);
  });
});

describe('the paired learner borrowing evidence', () => {
  const wide: Challenger = { arm: WIDE, lead: 0.1, noise: 0.3 };

  it('lets a new symbol switch at once on what the regime taught the other symbols', () => {
    const others = cellsAfter(100, [wide], 1_000);
    const alone = choose({ cells: {} });
    expect(alone.arm).toBe('trend_rider');
    // No trade of its own; the pool counts as 50 trades: 0.1 − 1.5 · 0.3 / √50 = +0.036.
    const pooled = choose({ cells: {}, pooled: others });
    expect(pooled.arm).toBe(WIDE);
    expect(pooled.evidence?.[WIDE]).toMatchObject({ trades: 50, ownTrades: 0, pooledTrades: 50 });
    expect(pooled.reason).toBe(
      `${WIDE} chosen: it leads trend_rider by +0.1 R/trade over 50 trades (0 of this cell's own), lower bound +0.036 R > 0`,
    );
  });

  it('switches earlier with the pool than alone, trade by trade', () => {
    const others = cellsAfter(30, [wide], 1_000);
    const firstSwitch = (withPool: boolean) => {
      for (let paths = 0; paths <= 60; paths++) {
        const own = cellsAfter(paths, [wide]);
        // The store's pooled item holds every symbol's trades, this one's included.
        const choice = choose({ cells: own, ...(withPool ? { pooled: together(own, others) } : {}) });
        if (choice.arm === WIDE) return paths;
      }
      return Number.POSITIVE_INFINITY;
    };
    expect(firstSwitch(false)).toBe(21);
    // 30 pooled trades: 0.1 − 1.5 · 0.3 / √30 = +0.018 with none of its own.
    expect(firstSwitch(true)).toBe(0);
  });

  it("does not count the symbol's own trades twice: the pool is taken less the symbol's cell", () => {
    const own = cellsAfter(10, [wide]);
    const choice = choose({ cells: own, pooled: together(own, cellsAfter(100, [wide], 1_000)) });
    expect(choice.evidence?.[WIDE]).toMatchObject({ trades: 60, ownTrades: 10, pooledTrades: 50 });
    const onlyOwn = choose({ cells: own, pooled: own });
    expect(onlyOwn.evidence?.[WIDE]).toMatchObject({ trades: 10, ownTrades: 10, pooledTrades: 0 });
  });

  it("lets the symbol's own trades take over from a pool that disagrees", () => {
    const trailing: Challenger = { arm: WIDE, lead: -0.2, noise: 0.3 };
    const own = cellsAfter(100, [trailing]);
    const choice = choose({ cells: own, pooled: together(own, cellsAfter(1_000, [wide], 1_000)) });
    // (100 · −0.2 + 50 · 0.1) / 150 = −0.1.
    expect(choice.evidence?.[WIDE]?.meanR).toBeCloseTo(-0.1, 9);
    expect(choice.arm).toBe('trend_rider');
  });

  it("borrows the symbol's other regimes, up to 30 trades", () => {
    const inThisRegime = cellsAfter(4, [wide]);
    const total = (otherPaths: number) => together(inThisRegime, cellsAfter(otherPaths, [wide], 1_000));
    // 4 own + 30 of the other regimes' 40: 0.1 − 1.5 · 0.3 / √34 > 0.
    const borrowed = choose({ cells: inThisRegime, symbolTotal: total(40) });
    expect(borrowed.arm).toBe(WIDE);
    expect(borrowed.evidence?.[WIDE]).toMatchObject({ trades: 34, ownTrades: 4, pooledTrades: 30 });
    // 4 own + 16: 20 trades, 0.1 − 1.5 · 0.3 / √20 < 0.
    expect(choose({ cells: inThisRegime, symbolTotal: total(16) }).arm).toBe('trend_rider');
  });

  it('adds both priors, each up to its cap', () => {
    const own = cellsAfter(2, [wide]);
    const choice = choose({
      cells: own,
      pooled: together(own, cellsAfter(500, [wide], 1_000)),
      symbolTotal: together(own, cellsAfter(500, [wide], 5_000)),
    });
    expect(choice.evidence?.[WIDE]).toMatchObject({ trades: 82, ownTrades: 2, pooledTrades: 80 });
  });
});

describe('the paired learner’s choice', () => {
  const wide: Challenger = { arm: WIDE, lead: 0.2, noise: 0.3 };

  it('is deterministic, with propensity 1, and shows every candidate’s lead and evidence', () => {
    const cells = cellsAfter(50, [wide]);
    const first = choose({ cells });
    expect(choose({ cells })).toEqual(first);
    expect(first).toMatchObject({ arm: WIDE, explored: false, propensity: 1, probabilities: { [WIDE]: 1 } });
    expect(first.policy).toBe(
      'default:paired(t=1.5,pool=50,symbol=30,minEvidence=20,minVar=0.04,reference=trend_rider)',
    );
    expect(Object.keys(first.values)).toEqual(CANDIDATES);
    expect(first.values.trend_rider).toEqual({ value: 0, count: 50 });
    expect(first.values[WIDE]?.value).toBeCloseTo(0.2, 12);
    expect(first.values[WIDE]?.count).toBe(50);
    expect(first.values.scalp).toEqual({ value: 0, count: 0 });
    expect(Object.keys(first.evidence ?? {})).toEqual(CANDIDATES);
  });

  it('takes the best bound, even below 0, when trend_rider is no candidate', () => {
    const cells = cellsAfter(40, [
      { arm: 'scalp', lead: -0.5, noise: 0.3 },
      { arm: 'scalp@sl2xtg1', lead: -0.2, noise: 0.3 },
    ]);
    const choice = learner.choose({
      regime: 'RANGE_LOW_VOL',
      candidates: ['scalp', 'scalp@sl2xtg1'],
      cells,
      rng: () => 0,
    });
    expect(choice.arm).toBe('scalp@sl2xtg1');
    expect(choice.reason).toMatch(/\(trend_rider is no candidate here\)$/);
    const fresh = learner.choose({
      regime: 'RANGE_LOW_VOL',
      candidates: ['scalp', 'scalp@sl2xtg1'],
      cells: {},
      rng: () => 0,
    });
    expect(fresh.arm).toBe('scalp');
    expect(fresh.reason).toBe(
      'scalp: the first candidate (trend_rider is no candidate here, and no arm has evidence yet)',
    );
  });

  it('refuses no candidates, and settings that are not finite numbers ≥ 0', () => {
    expect(() => learner.choose({ regime: 'UNKNOWN', candidates: [], cells: {}, rng: () => 0 })).toThrow(
      NoCandidatesError,
    );
    expect(() => createPairedLearner({ confidenceT: -1 })).toThrow(RangeError);
    expect(() => createPairedLearner({ poolTrades: Number.NaN })).toThrow(/poolTrades/);
    // An unset setting keeps its default.
    expect(createPairedLearner({ symbolTrades: undefined }).policy).toBe(learner.policy);
    expect(DEFAULT_PAIRED_OPTIONS).toMatchObject({ confidenceT: 1.5, poolTrades: 50, symbolTrades: 30 });
  });
});

describe('the stats endpoint’s lead', () => {
  it('is the learner’s own evidence on the cell’s pairs alone', () => {
    let cell: CellStats | undefined;
    const leads = [0.3, -0.1, 0.5, 0.2, 0.4, -0.2, 0.6, 0.1, 0.3, 0.2];
    for (const lead of leads) cell = addToCell(cell, armIncrement(1 + lead, true, false, lead), 0);
    const own = cell as CellStats;
    const evidence = createPairedLearner().choose({
      regime: 'TREND_UP',
      candidates: [REFERENCE_ARM, 'scalp'],
      cells: { scalp: own },
      rng: () => 0,
    }).evidence?.scalp;
    const shown = leadView(own.pairN, own.pairSumMicro, own.pairSqMicro);
    expect(shown.meanR).toBeCloseTo(evidence?.meanR ?? Number.NaN, 12);
    expect(shown.lowerR).toBeCloseTo(evidence?.lowerR ?? Number.NaN, 12);
    expect(shown.tradesToClear).toBe(evidence?.moreTradesToClear);
    expect(shown.trades).toBe(leads.length);
  });
});
