import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ArmId } from '../../lib/arms';
import { trendCrossoverSignals } from '../../lib/backtest/signals';
import { buildExitPlan } from '../../lib/exit-plan';
import { computeIndicatorSeries } from '../../lib/indicators';
import { armEvidence, createAnchoredLearner } from '../../lib/learners/anchored-learner';
import { addIncrements, addToCell, armIncrement, cellStatsOf, totalsOf } from '../../lib/learners/cell-stats';
import type { CellStats, CellsByArm, ChooseInput } from '../../lib/learners/learner';
import { revealOrder } from '../../lib/learners/reveal-order';
import { everyLiquidCandidate } from '../../lib/policies';
import { getProfile } from '../../lib/profiles';
import { seededRng } from '../../lib/random';
import { type Bar, simulateTrade } from '../../lib/simulator';
import { REGIMES, type Side, STRATEGY_IDS, type StrategyId } from '../../lib/types';
import { loadTtrcCandles } from '../helpers/ttrc-fixture';

/** fast-check draws the same cases on every run. */
const FIXED_CASES = { seed: 15 };

/** A cell holding `count` rewards of mean `mean` (half at mean − 1, half at mean + 1). */
function cell(count: number, mean: number, counterfactual = true): CellStats {
  let stats: CellStats | undefined;
  for (let k = 0; k < count; k++) {
    const spread = count === 1 ? 0 : k % 2 === 0 ? -1 : 1;
    stats = addToCell(stats, armIncrement(mean + spread, counterfactual, false), k);
  }
  if (stats === undefined) throw new Error('count must be positive');
  return stats;
}

/** Cells of every strategy with `count` rewards: the anchor's mean `anchorMean`, one challenger's `challengerMean`. */
function cells(
  count: number,
  anchorMean: number,
  challenger: StrategyId,
  challengerMean: number,
): CellsByArm {
  return Object.fromEntries(
    STRATEGY_IDS.map((strategy) => [
      strategy,
      cell(count, strategy === 'trend_rider' ? anchorMean : strategy === challenger ? challengerMean : -0.2),
    ]),
  );
}

/** Two cells' rewards together, as a pooled cell holds them. */
function together(a: CellStats, b: CellStats): CellStats {
  return cellStatsOf(addIncrements(totalsOf(a), totalsOf(b)));
}

/** Every profile's outcome on one path, all planned at the same entry and ATR. */
function outcomesOnPath(side: Side, entry: number, atr: number, path: readonly Bar[]) {
  return Object.fromEntries(
    STRATEGY_IDS.map((strategy) => [
      strategy,
      simulateTrade({
        side,
        plan: buildExitPlan({ side, entry, atr, profile: getProfile(strategy) }),
        bars: path,
      }),
    ]),
  ) as Record<StrategyId, ReturnType<typeof simulateTrade>>;
}

const ALL = [...STRATEGY_IDS];
const learner = createAnchoredLearner();
const choose = (input: Partial<ChooseInput>) =>
  learner.choose({ regime: 'TREND_UP', candidates: ALL, cells: {}, rng: seededRng(1), ...input });

describe('anchored learner', () => {
  it('orders profiles by how much their trade path reveals: trend_rider first, scalp last', () => {
    expect(revealOrder()).toEqual([
      'trend_rider',
      'balanced_aggressive',
      'ultra_aggressive',
      'moderate_aggressive',
      'moderate',
      'defensive',
      'scalp',
    ]);
  });

  it("trades the anchor, whose path prices every other profile, on the bundled data's every signal", () => {
    const candles = loadTtrcCandles();
    const atr = computeIndicatorSeries(candles).atr14;
    const signals = trendCrossoverSignals(candles);
    let trades = 0;
    signals.forEach((signal, bar) => {
      const atrAtEntry = atr[bar];
      if (signal === 0 || atrAtEntry === undefined || bar + 1 >= candles.length) return;
      const side = signal === 1 ? 'LONG' : 'SHORT';
      const entry = candles[bar]?.c ?? Number.NaN;
      const full = outcomesOnPath(side, entry, atrAtEntry, candles.slice(bar + 1));
      const anchorPath = candles.slice(bar + 1, bar + 2 + full.trend_rider.exitBarIndex);
      const cut = outcomesOnPath(side, entry, atrAtEntry, anchorPath);
      for (const strategy of STRATEGY_IDS) expect(cut[strategy].realizedR).toBe(full[strategy].realizedR);
      trades++;
    });
    expect(trades).toBeGreaterThan(150);
  });

  it('chooses the anchor while nothing is known, with propensity 1', () => {
    const choice = choose({});
    expect(choice).toMatchObject({ arm: 'trend_rider', explored: false, propensity: 1 });
    expect(choice.probabilities).toEqual({ ...Object.fromEntries(ALL.map((s) => [s, 0])), trend_rider: 1 });
  });

  it('anchors on the farthest-reaching profile a thin market still allows', () => {
    const candidates = everyLiquidCandidate('TREND_UP', { spreadBps: 30 });
    expect(candidates).toEqual(['defensive', 'moderate', 'moderate_aggressive', 'scalp']);
    expect(choose({ candidates }).arm).toBe('moderate_aggressive');
  });

  it('leaves the anchor only once a challenger has beaten it by its confidence bounds', () => {
    // z·sd/√n = 2/√n on each side: at n = 100 a lead above 0.4 R is needed.
    expect(choose({ cells: cells(100, 0.1, 'scalp', 0.45) }).arm).toBe('trend_rider');
    expect(choose({ cells: cells(100, 0.1, 'scalp', 0.55) }).arm).toBe('scalp');
    // The same lead on less evidence is not enough.
    expect(choose({ cells: cells(25, 0.1, 'scalp', 0.55) }).arm).toBe('trend_rider');
  });

  it('needs the minimum evidence before any challenger may replace the anchor', () => {
    const few = cells(10, -2, 'scalp', 3);
    expect(choose({ cells: few }).arm).toBe('trend_rider');
    expect(
      createAnchoredLearner({ minEvidenceTrades: 5 }).choose({
        regime: 'TREND_UP',
        candidates: ALL,
        cells: few,
        rng: seededRng(1),
      }).arm,
    ).toBe('scalp');
  });

  it('returns to the anchor when the challenger’s lead fades', () => {
    expect(choose({ cells: cells(400, 0.1, 'balanced_aggressive', 0.35) }).arm).toBe('balanced_aggressive');
    expect(choose({ cells: cells(400, 0.1, 'balanced_aggressive', 0.25) }).arm).toBe('trend_rider');
  });

  it('shows each candidate its evidence mean and its own count', () => {
    const choice = choose({ cells: cells(30, 0.1, 'scalp', 0.2) });
    expect(choice.values.trend_rider?.value).toBeCloseTo(0.1, 12);
    expect(choice.values.scalp).toEqual({ value: expect.closeTo(0.2, 12), count: 30 });
  });
});

describe('pooling across symbols', () => {
  const pooledScalpBest = cells(200, -0.2, 'scalp', 1);

  it('starts a new symbol from what the regime taught on other symbols', () => {
    // No own cell yet: 20 trades' worth of the other symbols' means (1 vs −0.2) decides.
    const choice = choose({ cells: {}, pooled: pooledScalpBest });
    expect(choice.arm).toBe('scalp');
    expect(choice.values.scalp).toEqual({ value: expect.closeTo(1, 12), count: 0 });
  });

  it("lets the symbol's own evidence take over as it grows", () => {
    const own = cells(100, 0.3, 'scalp', -0.3);
    // The pooled cells include this symbol's rewards; the rest is the other symbols' share.
    const pooled = Object.fromEntries(
      STRATEGY_IDS.map((strategy) => {
        return [strategy, together(pooledScalpBest[strategy] as CellStats, own[strategy] as CellStats)];
      }),
    );
    const choice = choose({ cells: own, pooled });
    expect(choice.arm).toBe('trend_rider');
    // (100·−0.3 + 20·1) / 120
    expect(choice.values.scalp?.value).toBeCloseTo((100 * -0.3 + 20 * 1) / 120, 12);
  });

  it('shrinks a cell toward the other symbols by at most the prior weight', () => {
    expect(armEvidence(cell(10, 1), undefined, 20)).toEqual({ trades: 10, meanR: expect.closeTo(1, 12) });
    // The other symbols' 50 trades average 0; the pooled cell also holds this symbol's 10.
    const pooled = together(cell(50, 0), cell(10, 1));
    expect(armEvidence(cell(10, 1), pooled, 20)).toEqual({ trades: 30, meanR: expect.closeTo(10 / 30, 12) });
    expect(armEvidence(undefined, undefined, 20)).toEqual({ trades: 0, meanR: 0 });
  });
});

describe('exploration', () => {
  it('never explores without ε, and never in HIGH_VOLATILITY or ILLIQUID unless allowed', () => {
    const explorer = createAnchoredLearner({ epsilon: 0.5 });
    for (const regime of ['HIGH_VOLATILITY', 'ILLIQUID'] as const) {
      const rng = seededRng(9);
      for (let k = 0; k < 200; k++) {
        const choice = explorer.choose({ regime, candidates: ALL, cells: {}, rng });
        expect(choice).toMatchObject({ arm: 'trend_rider', explored: false, propensity: 1 });
      }
    }
    const risky = createAnchoredLearner({ epsilon: 0.5, noExplorationRegimes: [] });
    const rng = seededRng(9);
    const explored = Array.from({ length: 200 }, () =>
      risky.choose({ regime: 'HIGH_VOLATILITY', candidates: ALL, cells: {}, rng }),
    ).filter((choice) => choice.explored);
    expect(explored.length).toBeGreaterThan(50);
    for (const choice of explored) expect(choice.propensity).toBeCloseTo(0.5 / 7, 12);
  });

  it('explores elsewhere with ε, recording exact propensities', () => {
    const explorer = createAnchoredLearner({ epsilon: 0.2 });
    const rng = seededRng(2);
    const counts = new Map<ArmId, number>();
    for (let k = 0; k < 7000; k++) {
      const choice = explorer.choose({ regime: 'RANGE_LOW_VOL', candidates: ALL, cells: {}, rng });
      counts.set(choice.arm, (counts.get(choice.arm) ?? 0) + 1);
      expect(choice.propensity).toBe(choice.probabilities[choice.arm]);
    }
    expect((counts.get('trend_rider') ?? 0) / 7000).toBeCloseTo(0.8 + 0.2 / 7, 1);
    expect((counts.get('scalp') ?? 0) / 7000).toBeCloseTo(0.2 / 7, 1);
  });

  it('gives probabilities that sum to 1 and the chosen arm its exact propensity', () => {
    const strategy = fc.constantFrom(...STRATEGY_IDS);
    const stats = fc.record({
      count: fc.integer({ min: 1, max: 500 }),
      mean: fc.double({ min: -2, max: 2, noNaN: true }),
    });
    fc.assert(
      fc.property(
        fc.uniqueArray(strategy, { minLength: 1, maxLength: 7 }),
        fc.dictionary(strategy, stats),
        fc.dictionary(strategy, stats),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.constantFrom(...REGIMES),
        fc.integer(),
        (candidates, own, pooled, epsilon, regime, seed) => {
          const toCells = (d: Partial<Record<StrategyId, { count: number; mean: number }>>): CellsByArm =>
            Object.fromEntries(
              Object.entries(d).map(([s, v]) => [s, v === undefined ? undefined : cell(v.count, v.mean)]),
            );
          const choice = createAnchoredLearner({ epsilon }).choose({
            regime,
            candidates,
            cells: toCells(own),
            pooled: toCells(pooled),
            rng: seededRng(seed),
          });
          const total = candidates.reduce((sum, s) => sum + (choice.probabilities[s] ?? 0), 0);
          expect(total).toBeCloseTo(1, 12);
          expect(candidates).toContain(choice.arm);
          expect(choice.propensity).toBe(choice.probabilities[choice.arm]);
          expect(choice.propensity).toBeGreaterThan(0);
        },
      ),
      FIXED_CASES,
    );
  });
});
