import { describe, expect, it } from 'vitest';
import { type ArmId, SEVEN_ARMS } from '../../lib/arms';
import { backtestPolicies } from '../../lib/backtest/command';
import {
  type BacktestSeries,
  ORACLE_POLICY_NAME,
  runBacktest,
  runPortfolioBacktest,
  WALK_FORWARD_POLICY_NAME,
} from '../../lib/backtest/engine';
import { type SignalValue, trendCrossoverSignals } from '../../lib/backtest/signals';
import { ENV_DEFAULTS, loadConfig } from '../../lib/config';
import type { CellsByArm, ChooseInput, Learner } from '../../lib/learners/learner';
import type { Policy } from '../../lib/policy';
import { seededRng } from '../../lib/random';
import type { RegimeDetector } from '../../lib/regimes/regime-detector';
import type { Candle } from '../../lib/types';
import { CRYPTO_PAIRS, loadCryptoCandles } from '../helpers/crypto-fixture';
import { syntheticCandles } from '../helpers/synthetic-candles';

const DAY_MS = 86_400_000;

/** What a detector was shown: slices keep the candle objects, so each names its series. */
interface Window {
  first: Candle | undefined;
  last: Candle | undefined;
  length: number;
}

/** Always RANGE_LOW_VOL on a fixed ATR; records every window it is shown. */
function windowDetector(windows: Window[]): RegimeDetector {
  return {
    name: 'fixed',
    detect: ({ candles }) => {
      windows.push({ first: candles[0], last: candles.at(-1), length: candles.length });
      return {
        name: 'RANGE_LOW_VOL',
        confidence: 1,
        features: { atr: 1.5, atrPct: 0.015, adx: null, trendStrength: null },
      };
    },
  };
}

/**
 * Records every choice. Without `follow`, it trades the first candidate; with it, the candidate
 * whose pooled cell has the best mean (the first candidate while nothing is pooled).
 */
function recordingLearner(follow: boolean) {
  const choices: ChooseInput[] = [];
  const learner: Learner = {
    policy: 'recording',
    choose: (input) => {
      choices.push(input);
      let arm: ArmId = input.candidates[0] ?? 'defensive';
      if (follow) {
        let best = Number.NEGATIVE_INFINITY;
        for (const candidate of input.candidates) {
          const cell = input.pooled?.[candidate];
          if (cell !== undefined && cell.mean > best) {
            best = cell.mean;
            arm = candidate;
          }
        }
      }
      return {
        arm,
        explored: false,
        propensity: 1,
        probabilities: { [arm]: 1 },
        values: {},
        reason: `${arm}: the recording learner's pick`,
        policy: 'recording',
      };
    },
  };
  return { learner, choices };
}

function market(seed: number, bars: number, startDay = 0): Candle[] {
  return syntheticCandles(seededRng(seed), {
    bars,
    driftPerBar: 0.001,
    closeNoise: 0.02,
    wickSize: 0.01,
  }).map((candle, index) => ({ ...candle, t: (startDay + index) * DAY_MS }));
}

function signalsEvery(candles: readonly Candle[], every: number, offset: number): SignalValue[] {
  return candles.map((_, i): SignalValue => (i >= 5 && i % every === offset ? (i % 2 === 0 ? 1 : -1) : 0));
}

const countOf = (cells: CellsByArm | undefined, arm: ArmId) => cells?.[arm]?.count ?? 0;

describe('runPortfolioBacktest: several symbols on one clock', () => {
  const a = market(31, 220);
  const b = market(32, 220);
  const series: BacktestSeries[] = [
    { symbol: 'AAA', candles: a, signals: signalsEvery(a, 3, 0) },
    { symbol: 'BBB', candles: b, signals: signalsEvery(b, 4, 1) },
  ];

  function run(follow: boolean, runSeries: readonly BacktestSeries[] = series) {
    const windows: Window[] = [];
    const recorder = recordingLearner(follow);
    const policy: Policy = {
      name: 'recorded',
      detector: windowDetector(windows),
      learner: recorder.learner,
      fullInformation: true,
      pooling: true,
      arms: SEVEN_ARMS,
    };
    const result = runPortfolioBacktest({
      series: runSeries,
      policies: [policy],
      horizonBars: 12,
      lookbackBars: 40,
    });
    const owner = new Map(runSeries.flatMap((s) => s.candles.map((candle) => [candle, s.symbol] as const)));
    // One window per decision, in decision order; the report's final reading of values comes after.
    const decisions = windows.map((window, index) => ({
      t: window.last?.t ?? Number.NaN,
      symbol: window.last === undefined ? undefined : owner.get(window.last),
      firstSymbol: window.first === undefined ? undefined : owner.get(window.first),
      length: window.length,
      input: recorder.choices[index],
    }));
    return { result, decisions };
  }

  /**
   * When a trade of this full-information policy is credited: 12 bars (the horizon) after its
   * entry, or at its close if later, or at its symbol's last bar.
   */
  const creditT = (trade: { symbol: string; entryBar: number; closeBar: number }) => {
    const candles = trade.symbol === 'AAA' ? a : b;
    const bar = Math.min(candles.length - 1, Math.max(trade.closeBar, trade.entryBar + 12));
    return candles[bar]?.t ?? Number.NaN;
  };

  it('lets every choice see exactly the trades credited up to its bar, on any symbol, and no later one', () => {
    const { result, decisions } = run(false);
    const trades = result.policies[0]?.trades ?? [];
    expect(trades.length).toBeGreaterThan(80);
    expect(decisions).toHaveLength(trades.length);
    let creditedOnTheDecisionBar = 0;
    let closedNotYetCredited = 0;
    for (const { t, symbol, input } of decisions) {
      const credited = trades.filter((trade) => creditT(trade) <= t);
      const own = credited.filter((trade) => trade.symbol === symbol);
      creditedOnTheDecisionBar += credited.filter(
        (trade) => creditT(trade) === t && trade.symbol !== symbol,
      ).length;
      closedNotYetCredited += trades.filter((trade) => trade.closeT <= t && creditT(trade) > t).length;
      for (const arm of input?.candidates ?? []) {
        // Full information: every credited trade has taught every arm once (its path reaches the
        // horizon), in its own symbol's cells, in the pooled ones and in the symbol's totals.
        expect(countOf(input?.pooled, arm)).toBe(credited.length);
        expect(countOf(input?.cells, arm)).toBe(own.length);
        expect(countOf(input?.symbolTotal, arm)).toBe(own.length);
      }
    }
    // Another symbol's trades credited on the very bar of a decision were credited before it.
    expect(creditedOnTheDecisionBar).toBeGreaterThan(0);
    // Trades closed but still within their horizon were not shown: no look-ahead at the path.
    expect(closedNotYetCredited).toBeGreaterThan(0);
  });

  it("shows each symbol's detector only that symbol's candles up to the signal bar", () => {
    const { decisions, result } = run(false);
    const trades = [...(result.policies[0]?.trades ?? [])].sort(
      (x, y) => x.entryT - y.entryT || x.symbol.localeCompare(y.symbol),
    );
    expect(decisions.map((d) => [d.t, d.symbol, d.firstSymbol, d.length])).toEqual(
      trades.map((t) => [t.entryT, t.symbol, t.symbol, Math.min(t.entryBar + 1, 40)]),
    );
  });

  it('teaches a symbol what the others learned: a late symbol starts from the pooled cells', () => {
    const late = market(33, 150, 200);
    const lateSeries: BacktestSeries = { symbol: 'LATE', candles: late, signals: signalsEvery(late, 3, 2) };
    const together = run(true, [...series, lateSeries]);
    const alone = run(true, [lateSeries]);
    const firstLate = together.decisions.find((d) => d.symbol === 'LATE');
    expect(Object.keys(firstLate?.input?.cells ?? {})).toEqual([]);
    expect(countOf(firstLate?.input?.pooled, 'defensive')).toBeGreaterThan(50);
    const firstTrade = (r: ReturnType<typeof run>) =>
      r.result.policies[0]?.trades.find((t) => t.symbol === 'LATE');
    // Alone it starts from nothing (its first candidate); beside the others, from their best arm.
    expect(firstTrade(alone)?.strategy).toBe(alone.decisions[0]?.input?.candidates[0]);
    expect(firstTrade(together)?.strategy).not.toBe(firstTrade(alone)?.strategy);
  });

  it('reports trades in close order across symbols and their figures per symbol', () => {
    const { result } = run(false);
    const policy = result.policies[0];
    const closes = policy?.trades.map((t) => t.closeT) ?? [];
    expect(closes).toEqual([...closes].sort((x, y) => x - y));
    expect(result.symbols.map((s) => s.symbol)).toEqual(['AAA', 'BBB']);
    const perSymbol = Object.values(policy?.symbols ?? {});
    expect(perSymbol.reduce((sum, s) => sum + s.trades, 0)).toBe(policy?.summary.trades);
    expect(perSymbol.reduce((sum, s) => sum + s.totalR, 0)).toBeCloseTo(policy?.summary.totalR ?? 0, 9);
    expect(result.symbols.reduce((sum, s) => sum + s.signals, 0)).toBe(result.signals);
    expect(result.bars).toBe(a.length + b.length);
  });

  it('gives one symbol the same result as the single-file backtest', () => {
    const policies = backtestPolicies(loadConfig(ENV_DEFAULTS));
    const [first] = series;
    if (first === undefined) throw new Error('no series');
    const single = runBacktest({ candles: first.candles, signals: first.signals, symbol: 'AAA', policies });
    const portfolio = runPortfolioBacktest({ series: [first], policies });
    expect(portfolio).toEqual(single);
  });

  it('rejects a symbol given twice', () => {
    expect(() =>
      runPortfolioBacktest({
        series: [series[0] as BacktestSeries, { ...(series[1] as BacktestSeries), symbol: 'AAA' }],
        policies: [],
      }),
    ).toThrow(/symbol AAA is given twice/);
  });
});

describe('a portfolio of three real crypto pairs', () => {
  const config = loadConfig(ENV_DEFAULTS);
  const series = CRYPTO_PAIRS.map((pair) => {
    const candles = loadCryptoCandles(pair);
    return { symbol: pair, candles, signals: trendCrossoverSignals(candles) };
  });
  const result = runPortfolioBacktest({ series, policies: backtestPolicies(config) });

  it('trades every signal of every pair with every policy', () => {
    const expected = series.map(
      ({ signals }) => signals.filter((s, i) => s !== 0 && i < signals.length - 1).length,
    );
    expect(result.symbols.map((s) => s.signals)).toEqual(expected);
    for (const policy of result.policies) {
      expect(policy.summary.trades).toBe(result.signals);
      for (const [index, pair] of CRYPTO_PAIRS.entries()) {
        expect(policy.symbols[pair]?.trades).toBe(expected[index]);
      }
    }
  });

  it("keeps the default policy's cells per pair and the static policies' results per pair", () => {
    const defaults = result.policies.find((p) => p.name === 'default');
    for (const pair of CRYPTO_PAIRS) {
      expect(defaults?.learned.some((cell) => cell.symbol === pair)).toBe(true);
    }
    // A static policy learns nothing, so each pair's figures are those of the pair alone.
    const pair = series[1];
    if (pair === undefined) throw new Error('no series');
    const alone = runBacktest({ ...pair, policies: backtestPolicies(config).slice(2) });
    for (const policy of alone.policies.filter((p) => p.name.startsWith('static:'))) {
      expect(result.policies.find((p) => p.name === policy.name)?.symbols[pair.symbol]).toEqual(
        policy.summary,
      );
    }
  });

  it('adds the walk-forward and in-sample comparators after the policies', () => {
    expect(result.policies.slice(-2).map((p) => [p.name, p.basis])).toEqual([
      [WALK_FORWARD_POLICY_NAME, 'causal'],
      [ORACLE_POLICY_NAME, 'in-sample'],
    ]);
  });
});
