import { describe, expect, it } from 'vitest';
import { backtestPolicies } from '../../lib/backtest/command';
import { hindsightOracle, walkForwardBestStatic } from '../../lib/backtest/comparators';
import { comparePolicies } from '../../lib/backtest/comparisons';
import { runPortfolioBacktest, WALK_FORWARD_POLICY_NAME } from '../../lib/backtest/engine';
import type { BacktestTrade } from '../../lib/backtest/result';
import { trendCrossoverSignals } from '../../lib/backtest/signals';
import { ENV_DEFAULTS, loadConfig } from '../../lib/config';
import { STRATEGY_IDS, type StrategyId } from '../../lib/types';
import { CRYPTO_PAIRS, loadCryptoCandles } from '../helpers/crypto-fixture';

/** A trade on `symbol`'s bar `entryBar` (time = bar), closing `holdBars` later with `realizedR`. */
function trade(
  strategy: StrategyId,
  entryBar: number,
  holdBars: number,
  realizedR: number,
  symbol = 'S',
): BacktestTrade {
  return {
    symbol,
    entryBar,
    entryT: entryBar,
    side: 'LONG',
    entry: 100,
    atr: 1,
    regime: 'RANGE_LOW_VOL',
    strategy,
    arm: strategy,
    explored: false,
    propensity: 1,
    realizedR,
    exitReason: 'take_profit',
    closeBar: entryBar + holdBars,
    closeT: entryBar + holdBars,
  };
}

const ORDER = new Map([
  ['S', 0],
  ['T', 1],
]);

describe('walkForwardBestStatic', () => {
  it('trades, at each signal, the static with the best mean over the trades closed by then', () => {
    // scalp wins early and closes fast; trend_rider loses early, then wins big; each closes
    // 2 (scalp) or 5 (trend_rider) bars after entry.
    const entries = [0, 3, 6, 9, 12, 15, 18];
    const scalp = entries.map((bar) => trade('scalp', bar, 2, bar < 9 ? 0.5 : -1));
    const trendRider = entries.map((bar) => trade('trend_rider', bar, 5, bar === 0 ? -1 : 3));
    const chosen = walkForwardBestStatic(
      [
        { strategy: 'trend_rider', trades: trendRider },
        { strategy: 'scalp', trades: scalp },
      ],
      ORDER,
    );
    // Bar 0: nothing closed, the earlier profile (scalp). Bar 3: only scalp's first trade has
    // closed (bar 2). Bar 6: trend_rider's first (−1, closed bar 5) is worse. Bar 9: trend_rider
    // has −1 and +3 (closed at 5 and 8) = +1 against scalp's +0.5. From there trend_rider leads.
    expect(chosen.map((t) => [t.entryBar, t.strategy])).toEqual([
      [0, 'scalp'],
      [3, 'scalp'],
      [6, 'scalp'],
      [9, 'trend_rider'],
      [12, 'trend_rider'],
      [15, 'trend_rider'],
      [18, 'trend_rider'],
    ]);
  });

  it('counts a trade that closes on the signal bar, not one that closes after it', () => {
    const a = [trade('defensive', 0, 4, -1), trade('defensive', 4, 4, 0)];
    const b = [trade('moderate', 0, 4, 1), trade('moderate', 4, 4, 0)];
    const c = [trade('moderate', 0, 5, 1), trade('moderate', 4, 4, 0)];
    const statics = (moderate: BacktestTrade[]) => [
      { strategy: 'defensive' as const, trades: a },
      { strategy: 'moderate' as const, trades: moderate },
    ];
    // moderate's +1 closes at bar 4, the second signal's bar: it counts.
    expect(walkForwardBestStatic(statics(b), ORDER).map((t) => t.strategy)).toEqual([
      'defensive',
      'moderate',
    ]);
    // Closing at bar 5 it is not known yet; defensive's −1 is, so the only mean known is defensive's.
    expect(walkForwardBestStatic(statics(c), ORDER).map((t) => t.strategy)).toEqual([
      'defensive',
      'defensive',
    ]);
  });

  it('pools the evidence of every symbol and uses only signals every static traded', () => {
    const statics = [
      {
        strategy: 'defensive' as const,
        trades: [trade('defensive', 0, 1, 1, 'S'), trade('defensive', 2, 1, 0, 'T')],
      },
      { strategy: 'scalp' as const, trades: [trade('scalp', 0, 1, 2, 'S')] },
    ];
    expect(walkForwardBestStatic(statics, ORDER).map((t) => [t.symbol, t.strategy])).toEqual([
      ['S', 'defensive'],
    ]);
  });
});

describe('comparePolicies', () => {
  it('pairs trades by signal and reports an exact lead as an interval of zero width', () => {
    const baseline = [0, 1, 2, 3].map((bar) => trade('scalp', bar, 1, bar / 10));
    const better = baseline.map((t) => ({
      ...t,
      strategy: 'trend_rider' as const,
      realizedR: t.realizedR + 0.2,
    }));
    // An extra trade on a signal the baseline did not trade is left out.
    const comparisons = comparePolicies(
      [
        { name: 'better', trades: [...better, trade('trend_rider', 9, 1, 5)] },
        { name: 'base', trades: baseline },
      ],
      ['base'],
      { resamples: 200, level: 0.95 },
      1,
      ORDER,
    );
    expect(comparisons).toHaveLength(1);
    expect(comparisons[0]).toMatchObject({
      policy: 'better',
      baseline: 'base',
      trades: 4,
      moreTradesToExcludeZero: 0,
    });
    expect(comparisons[0]?.meanDiffR).toBeCloseTo(0.2, 12);
    expect(comparisons[0]?.lowerR).toBeCloseTo(0.2, 12);
  });
});

describe('the comparators in a portfolio backtest', () => {
  const config = loadConfig(ENV_DEFAULTS);
  const series = CRYPTO_PAIRS.map((pair) => {
    const candles = loadCryptoCandles(pair);
    return { symbol: pair, candles, signals: trendCrossoverSignals(candles) };
  });
  const result = runPortfolioBacktest({
    series,
    policies: backtestPolicies(config),
    bootstrap: { resamples: 300 },
  });
  const named = (name: string) => result.policies.find((p) => p.name === name);

  it('makes the walk-forward comparator trade, on each signal, one static profile’s very trade', () => {
    const walkForward = named(WALK_FORWARD_POLICY_NAME);
    expect(walkForward?.summary.trades).toBe(result.signals);
    for (const chosen of walkForward?.trades ?? []) {
      const own = named(`static:${chosen.strategy}`)?.trades.find(
        (t) => t.symbol === chosen.symbol && t.entryBar === chosen.entryBar,
      );
      expect(own?.realizedR).toBe(chosen.realizedR);
    }
  });

  it('compares every policy with every static and the walk-forward comparator, never with itself', () => {
    const baselines = [...STRATEGY_IDS.map((s) => `static:${s}`), WALK_FORWARD_POLICY_NAME];
    for (const policy of result.policies) {
      const against = result.comparisons.filter((c) => c.policy === policy.name).map((c) => c.baseline);
      expect(against).toEqual(baselines.filter((b) => b !== policy.name));
    }
    for (const comparison of result.comparisons) {
      const mine = named(comparison.policy)?.summary;
      const theirs = named(comparison.baseline)?.summary;
      // Every policy traded every signal, so the paired mean is the difference of the means.
      expect(comparison.trades).toBe(result.signals);
      expect(comparison.meanDiffR).toBeCloseTo((mine?.meanR ?? 0) - (theirs?.meanR ?? 0), 9);
      expect(comparison.lowerR).toBeLessThanOrEqual(comparison.upperR);
    }
  });

  it('gives the in-sample oracle at least the best static’s total R', () => {
    const oracle = hindsightOracle(
      STRATEGY_IDS.map((strategy) => ({ strategy, trades: named(`static:${strategy}`)?.trades ?? [] })),
      (t) => t.regime,
    );
    const best = Math.max(...STRATEGY_IDS.map((s) => named(`static:${s}`)?.summary.totalR ?? 0));
    expect(oracle.trades.reduce((sum, t) => sum + t.realizedR, 0)).toBeGreaterThanOrEqual(best - 1e-9);
  });
});
