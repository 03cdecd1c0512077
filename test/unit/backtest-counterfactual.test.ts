import { describe, expect, it } from 'vitest';
import { SEVEN_ARMS } from '../../lib/arms';
import { runBacktest } from '../../lib/backtest/engine';
import type { SignalValue } from '../../lib/backtest/signals';
import { buildExitPlan } from '../../lib/exit-plan';
import { quantizeR } from '../../lib/learners/cell-stats';
import type { Learner } from '../../lib/learners/learner';
import { planPricesArePositive } from '../../lib/plausibility';
import { getProfile } from '../../lib/profiles';
import { seededRng } from '../../lib/random';
import { armCredits } from '../../lib/reward-credit';
import { simulateTrade } from '../../lib/simulator';
import { type Candle, STRATEGY_IDS, type StrategyId } from '../../lib/types';
import { syntheticCandles } from '../helpers/synthetic-candles';

/**
 * Counterfactual credit: what one trade's path teaches every other arm, as the reward function
 * and the backtest both compute it (`armCredits`).
 */
describe('armCredits: counterfactual outcomes on a trade path', () => {
  const path = syntheticCandles(seededRng(7), { bars: 30, driftPerBar: 0.004, closeNoise: 0.01 });
  const trade = {
    side: 'LONG' as const,
    plan: buildExitPlan({ side: 'LONG', entry: 100, atr: 1.5, profile: getProfile('trend_rider') }),
    arm: 'trend_rider',
  };
  const outcome = (strategy: StrategyId) =>
    simulateTrade({
      side: 'LONG',
      plan: buildExitPlan({ side: 'LONG', entry: 100, atr: 1.5, profile: getProfile(strategy) }),
      bars: path,
      horizonBars: 20,
    });

  it('gives every other profile the outcome the simulator gives its plan on the same path, and its lead', () => {
    const credits = armCredits(trade, 1.2, path, 20, SEVEN_ARMS);
    expect(credits.map((credit) => credit.arm)).toEqual([
      'trend_rider',
      ...STRATEGY_IDS.filter((strategy) => strategy !== 'trend_rider'),
    ]);
    // The traded reference has no lead over itself.
    expect(credits[0]).toEqual({ arm: 'trend_rider', realizedR: 1.2, counterfactual: false });
    const reference = outcome('trend_rider').realizedR;
    for (const credit of credits.slice(1)) {
      const own = outcome(credit.arm as StrategyId).realizedR;
      expect(credit).toEqual({
        arm: credit.arm,
        realizedR: quantizeR(own),
        counterfactual: true,
        pairDiffR: quantizeR(own - reference),
      });
    }
  });

  it('leaves out a profile still open where the path ends before the horizon', () => {
    const flat = [
      { o: 100, h: 100.2, l: 99.9, c: 100.1 },
      { o: 100.1, h: 100.3, l: 100, c: 100.2 },
    ];
    const credits = armCredits(
      {
        side: 'SHORT',
        plan: buildExitPlan({ side: 'SHORT', entry: 100, atr: 2, profile: getProfile('moderate') }),
        arm: 'moderate',
      },
      -0.05,
      flat,
      48,
      SEVEN_ARMS,
    );
    // trend_rider SHORT (stop at 104) is still open at 100.2: its R is not known, not −0.05.
    expect(credits.find((credit) => credit.arm === 'trend_rider')).toBeUndefined();
    // At a 2-bar horizon the same bars determine it: out at the horizon close, −0.2 / 4 R.
    const atHorizon = armCredits(
      {
        side: 'SHORT',
        plan: buildExitPlan({ side: 'SHORT', entry: 100, atr: 2, profile: getProfile('moderate') }),
        arm: 'moderate',
      },
      -0.05,
      flat,
      2,
      SEVEN_ARMS,
    );
    expect(atHorizon.find((credit) => credit.arm === 'trend_rider')?.realizedR).toBe(-0.05);
  });
});

describe('backtest counterfactuals on a market too violent for some profiles', () => {
  /**
   * Daily bars around 100 whose every bar spans 20% of the price: ATR ≈ 20. A SHORT there can
   * only be planned by the profiles whose farthest target stays above zero.
   */
  function violentMarket(bars: number): Candle[] {
    const rng = seededRng(11);
    return Array.from({ length: bars }, (_, i) => {
      const c = 100 + 4 * (rng() - 0.5);
      return { t: i * 86_400_000, o: 100, h: Math.max(100, c) + 10, l: Math.min(100, c) - 10, c };
    });
  }

  function shortTrader(): Learner {
    return {
      policy: 'first',
      choose: ({ candidates }) => {
        const arm = candidates[0] ?? 'scalp';
        return {
          arm,
          explored: false,
          propensity: 1,
          probabilities: { [arm]: 1 },
          values: {},
          reason: `${arm}: the first candidate`,
          policy: 'first',
        };
      },
    };
  }

  it('credits no counterfactual to a profile whose plan would put a price at or below zero', () => {
    const candles = violentMarket(60);
    const signals: SignalValue[] = candles.map((_, i) => (i >= 20 && i % 5 === 0 && i < 55 ? -1 : 0));
    const result = runBacktest({
      candles,
      signals,
      policies: [
        {
          name: 'short',
          detector: {
            name: 'violent',
            detect: ({ candles: window }) => ({
              name: 'UNKNOWN',
              confidence: 1,
              features: { atr: 20, atrPct: 20 / (window.at(-1)?.c ?? 100), adx: null, trendStrength: null },
            }),
          },
          learner: shortTrader(),
          fullInformation: true,
          pooling: false,
          arms: SEVEN_ARMS,
        },
      ],
      horizonBars: 3,
    });
    const [policy] = result.policies;
    const trades = policy?.trades ?? [];
    expect(trades.length).toBe(7);
    const plausible = trades.length - (policy?.implausibleRewards ?? 0);
    expect(plausible).toBeGreaterThan(0);
    // Which profiles fit each SHORT at ATR 20, from the plans themselves.
    const fits = (strategy: StrategyId) =>
      trades.every((trade) =>
        planPricesArePositive(
          buildExitPlan({ side: 'SHORT', entry: trade.entry, atr: 20, profile: getProfile(strategy) }),
        ),
      );
    const fitting = STRATEGY_IDS.filter(fits);
    expect(fitting).toEqual(['defensive', 'scalp']);
    // The learner traded the first fitting candidate; every other fitting profile learned from each path.
    expect(trades.every((trade) => trade.strategy === 'defensive')).toBe(true);
    const learned = new Map((policy?.learned ?? []).map((cell) => [cell.strategy, cell]));
    expect([...learned.keys()].sort()).toEqual(['defensive', 'scalp']);
    expect(learned.get('defensive')).toMatchObject({ realCount: plausible, counterfactualCount: 0 });
    expect(learned.get('scalp')).toMatchObject({ realCount: 0, counterfactualCount: plausible });
  });
});
