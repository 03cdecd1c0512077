import { describe, expect, it } from 'vitest';
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
 * Counterfactual credit: what one trade's path teaches every other profile, as the reward
 * function and the backtest both compute it (`armCredits`).
 */
describe('armCredits: counterfactual outcomes on a trade path', () => {
  const path = syntheticCandles(seededRng(7), { bars: 30, driftPerBar: 0.004, closeNoise: 0.01 });
  const trade = {
    side: 'LONG' as const,
    plan: buildExitPlan({ side: 'LONG', entry: 100, atr: 1.5, profile: getProfile('trend_rider') }),
    strategy: 'trend_rider' as const,
  };

  it('gives every other profile the outcome the simulator gives its plan on the same path', () => {
    const credits = armCredits(trade, 1.2, path, 20);
    expect(credits.map((credit) => credit.strategy)).toEqual([
      'trend_rider',
      ...STRATEGY_IDS.filter((strategy) => strategy !== 'trend_rider'),
    ]);
    for (const credit of credits.slice(1)) {
      const plan = buildExitPlan({
        side: 'LONG',
        entry: 100,
        atr: 1.5,
        profile: getProfile(credit.strategy),
      });
      const outcome = simulateTrade({ side: 'LONG', plan, bars: path, horizonBars: 20 });
      expect(credit).toEqual({
        strategy: credit.strategy,
        realizedR: quantizeR(outcome.realizedR),
        counterfactual: true,
      });
    }
  });

  it('exits a profile still open when the path ends at the last close', () => {
    const flat = [
      { o: 100, h: 100.2, l: 99.9, c: 100.1 },
      { o: 100.1, h: 100.3, l: 100, c: 100.2 },
    ];
    const credits = armCredits(
      {
        side: 'SHORT',
        plan: buildExitPlan({ side: 'SHORT', entry: 100, atr: 2, profile: getProfile('moderate') }),
        strategy: 'moderate',
      },
      -0.05,
      flat,
      48,
    );
    // trend_rider SHORT: 1R = 2 ATRs = 4; still open, out at 100.2: −0.2 / 4 R.
    expect(credits.find((credit) => credit.strategy === 'trend_rider')?.realizedR).toBe(-0.05);
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
        const strategy = candidates[0] ?? 'scalp';
        return {
          strategy,
          explored: false,
          propensity: 1,
          probabilities: { [strategy]: 1 },
          values: {},
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
