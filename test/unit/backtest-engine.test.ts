import { describe, expect, it } from 'vitest';
import {
  type BacktestResult,
  ORACLE_POLICY_NAME,
  runBacktest,
  WALK_FORWARD_POLICY_NAME,
} from '../../lib/backtest/engine';
import { type SignalValue, trendCrossoverSignals } from '../../lib/backtest/signals';
import { ENV_DEFAULTS, loadConfig } from '../../lib/config';
import { counterfactualOutcomes } from '../../lib/counterfactual';
import { buildExitPlan } from '../../lib/exit-plan';
import { updateCellStats } from '../../lib/learners/cell-stats';
import type { CellReward, ChooseInput, Learner } from '../../lib/learners/learner';
import { createDefaultPolicy, createSeedPolicy, createStaticPolicy } from '../../lib/policies';
import type { Policy } from '../../lib/policy';
import { getProfile } from '../../lib/profiles';
import { seededRng } from '../../lib/random';
import { createClassicDetector } from '../../lib/regimes/classic-detector';
import type { RegimeDetector } from '../../lib/regimes/regime-detector';
import { simulateTrade } from '../../lib/simulator';
import { type Candle, type RegimeName, STRATEGY_IDS, type StrategyId } from '../../lib/types';
import { syntheticCandles } from '../helpers/synthetic-candles';
import { loadTtrcCandles } from '../helpers/ttrc-fixture';

const config = loadConfig(ENV_DEFAULTS);
const DAY_MS = 86_400_000;

/** Always one regime, sized on a fixed ATR; records the last bar of every window it is shown. */
function fixedDetector(regime: RegimeName, atr: number, seen: { lastT: number }): RegimeDetector {
  return {
    name: `fixed:${regime}`,
    detect: ({ candles }) => {
      const last = candles.at(-1);
      seen.lastT = last?.t ?? Number.NaN;
      return {
        name: regime,
        confidence: 1,
        features: { atr, atrPct: atr / (last?.c ?? 1), adx: null, trendStrength: null },
      };
    },
  };
}

interface UpdateRecord extends CellReward {
  strategy?: StrategyId;
}

/**
 * A learner that always trades the first candidate and records, for every choice, the bar it was
 * made on and how many rewards its cells held, and for every update the time it arrived.
 */
function recordingLearner(seen: { lastT: number }) {
  const choices: { t: number; rewardsSeen: number; input: ChooseInput }[] = [];
  const updates: UpdateRecord[] = [];
  const learner: Learner = {
    policy: 'recording',
    choose: (input) => {
      const rewardsSeen = Object.values(input.cells).reduce((sum, cell) => sum + (cell?.count ?? 0), 0);
      choices.push({ t: seen.lastT, rewardsSeen, input });
      const strategy = input.candidates[0] ?? 'defensive';
      return {
        strategy,
        explored: false,
        propensity: 1,
        probabilities: { [strategy]: 1 },
        values: {},
        policy: 'recording',
      };
    },
    update: (previous, reward) => {
      updates.push(reward);
      return updateCellStats(previous, reward, 0.2);
    },
  };
  return { learner, choices, updates };
}

/** Bars one day apart, so that a reward's time names its bar. */
function market(seed: number, bars: number): Candle[] {
  return syntheticCandles(seededRng(seed), { bars, driftPerBar: 0.001, closeNoise: 0.02, wickSize: 0.01 });
}

const barOf = (candles: readonly Candle[], t: number) => candles.findIndex((candle) => candle.t === t);

function everyThirdBar(length: number, from = 5): SignalValue[] {
  return Array.from(
    { length },
    (_, i): SignalValue => (i >= from && i % 3 === 0 ? (i % 2 === 0 ? 1 : -1) : 0),
  );
}

describe('runBacktest: rewards arrive only at the close bar', () => {
  const candles = market(21, 160);
  const signals = everyThirdBar(candles.length);

  function run(fullInformation: boolean) {
    const seen = { lastT: Number.NaN };
    const recorder = recordingLearner(seen);
    const policy: Policy = {
      name: 'recorded',
      detector: fixedDetector('RANGE_LOW_VOL', 1.5, seen),
      learner: recorder.learner,
      fullInformation,
      pooling: false,
    };
    const result = runBacktest({ candles, signals, policies: [policy], horizonBars: 12, lookbackBars: 50 });
    return { result, ...recorder };
  }

  it('hands each trade its realized R on its close bar, never before', () => {
    const { result, updates } = run(false);
    const [policy] = result.policies;
    expect(policy?.trades.length).toBe(signals.filter((s, i) => s !== 0 && i < candles.length - 1).length);
    expect(updates).toHaveLength(policy?.trades.length ?? -1);
    for (const trade of policy?.trades ?? []) {
      const update = updates.find(
        (u) => u.realizedR === trade.realizedR && barOf(candles, u.at) === trade.closeBar,
      );
      expect(update, `reward of the trade entered on bar ${trade.entryBar}`).toBeDefined();
      expect(trade.closeBar).toBeGreaterThan(trade.entryBar);
    }
    // Some trades stay open across later signals, so an early reward would have been visible.
    expect(policy?.trades.some((trade) => trade.closeBar > trade.entryBar + 3)).toBe(true);
  });

  it('lets a choice see exactly the trades closed up to its own bar', () => {
    const { result, choices } = run(false);
    const trades = result.policies[0]?.trades ?? [];
    // One more reading after the replay: the report asks the learner for its final values.
    expect(choices.length).toBe(trades.length + 1);
    for (const choice of choices.slice(0, trades.length)) {
      const bar = barOf(candles, choice.t);
      expect(bar).toBeGreaterThanOrEqual(0);
      expect(choice.rewardsSeen).toBe(trades.filter((trade) => trade.closeBar <= bar).length);
    }
  });

  it('shows the detector only the candles up to the signal bar, at most lookbackBars of them', () => {
    const { choices } = run(false);
    const detected: number[] = [];
    const detector: RegimeDetector = {
      name: 'window-check',
      detect: ({ candles: window }) => {
        detected.push(window.length);
        return {
          name: 'UNKNOWN',
          confidence: 0.5,
          features: { atr: 1, atrPct: 0.01, adx: null, trendStrength: null },
        };
      },
    };
    const seen = { lastT: 0 };
    runBacktest({
      candles,
      signals,
      policies: [
        {
          name: 'w',
          detector,
          learner: recordingLearner(seen).learner,
          fullInformation: false,
          pooling: false,
        },
      ],
      lookbackBars: 50,
    });
    const signalBars = signals.flatMap((s, i) => (s !== 0 && i < candles.length - 1 ? [i] : []));
    expect(detected).toEqual(signalBars.map((bar) => Math.min(bar + 1, 50)));
    expect(choices.slice(0, signalBars.length).map((choice) => barOf(candles, choice.t))).toEqual(signalBars);
  });

  it('gives a full-information policy every other profile on the path up to the close, at the close bar', () => {
    const { result, updates } = run(true);
    const trades = result.policies[0]?.trades ?? [];
    expect(updates).toHaveLength(trades.length * STRATEGY_IDS.length);
    for (const trade of trades) {
      const path = candles.slice(trade.entryBar + 1, trade.closeBar + 1);
      const expected = counterfactualOutcomes({
        side: trade.side,
        entry: trade.entry,
        atr: trade.atr,
        path,
        horizonBars: 12,
      });
      expect(expected[trade.strategy].realizedR).toBe(trade.realizedR);
      const atClose = updates.filter((u) => u.at === candles[trade.closeBar]?.t);
      for (const strategy of STRATEGY_IDS) {
        if (strategy === trade.strategy) continue;
        expect(atClose).toContainEqual({
          realizedR: expected[strategy].realizedR,
          at: atClose[0]?.at,
          counterfactual: true,
        });
      }
      expect(atClose).toContainEqual({
        realizedR: trade.realizedR,
        at: atClose[0]?.at,
        counterfactual: false,
      });
    }
  });

  it('passes the pooled cells only to a pooling policy', () => {
    const seen = { lastT: 0 };
    const plain = recordingLearner(seen);
    const pooling = recordingLearner(seen);
    const detector = fixedDetector('RANGE_LOW_VOL', 1.5, seen);
    runBacktest({
      candles,
      signals,
      policies: [
        { name: 'plain', detector, learner: plain.learner, fullInformation: false, pooling: false },
        { name: 'pooling', detector, learner: pooling.learner, fullInformation: false, pooling: true },
      ],
    });
    expect(plain.choices.every((c) => c.input.pooled === undefined)).toBe(true);
    const last = pooling.choices.at(-1)?.input;
    expect(last?.pooled).toEqual(last?.cells);
    expect(Object.keys(last?.pooled ?? {}).length).toBeGreaterThan(0);
  });
});

describe('runBacktest on a slice of the ttrc data', () => {
  const candles = loadTtrcCandles().slice(0, 1500);
  const signals = trendCrossoverSignals(candles);
  const policies = () => [
    createDefaultPolicy(config),
    createSeedPolicy(config),
    ...STRATEGY_IDS.map((strategy) => createStaticPolicy(strategy, config)),
  ];
  const result = runBacktest({ candles, signals, policies: policies(), seed: 7, lookbackBars: 300 });
  const byName = (r: BacktestResult, name: string) => r.policies.find((p) => p.name === name);

  it('reports every policy on the same signals, the comparators last', () => {
    expect(result.policies.map((p) => p.name)).toEqual([
      'default',
      'seed',
      ...STRATEGY_IDS.map((s) => `static:${s}`),
      WALK_FORWARD_POLICY_NAME,
      ORACLE_POLICY_NAME,
    ]);
    expect(result.signals).toBeGreaterThan(30);
    for (const policy of result.policies) expect(policy.summary.trades).toBe(result.signals);
  });

  it('credits a static policy exactly what the simulator gives its plan on every signal', () => {
    const detector = createClassicDetector();
    for (const strategy of STRATEGY_IDS) {
      let totalR = 0;
      const perTrade: number[] = [];
      signals.forEach((signal, bar) => {
        if (signal === 0 || bar + 1 >= candles.length) return;
        const atr = detector.detect({ candles: candles.slice(Math.max(0, bar + 1 - 300), bar + 1) }).features
          .atr;
        const side = signal === 1 ? 'LONG' : 'SHORT';
        const plan = buildExitPlan({ side, entry: candles[bar]?.c ?? 0, atr, profile: getProfile(strategy) });
        const { realizedR } = simulateTrade({ side, plan, bars: candles.slice(bar + 1), horizonBars: 48 });
        totalR += realizedR;
        perTrade.push(realizedR);
      });
      const policy = byName(result, `static:${strategy}`);
      expect(policy?.summary.totalR).toBeCloseTo(totalR, 9);
      expect(policy?.summary.trades).toBe(perTrade.length);
      expect(policy?.summary.winRate).toBe(perTrade.filter((r) => r > 0).length / perTrade.length);
      expect(policy?.trades.every((t) => t.strategy === strategy)).toBe(true);
    }
  });

  it('gives the oracle at least the total R of every static policy, per regime and overall', () => {
    const oracle = byName(result, ORACLE_POLICY_NAME);
    expect(result.regimesFrom).toBe('default');
    for (const strategy of STRATEGY_IDS) {
      const fixed = byName(result, `static:${strategy}`);
      expect(oracle?.summary.totalR).toBeGreaterThanOrEqual((fixed?.summary.totalR ?? 0) - 1e-9);
    }
    const regimeOf = new Map((byName(result, 'default')?.trades ?? []).map((t) => [t.entryBar, t.regime]));
    for (const [regime, summary] of Object.entries(oracle?.regimes ?? {})) {
      for (const strategy of STRATEGY_IDS) {
        const inRegime = (byName(result, `static:${strategy}`)?.trades ?? []).filter(
          (t) => regimeOf.get(t.entryBar) === regime,
        );
        const staticTotal = inRegime.reduce((sum, t) => sum + t.realizedR, 0);
        expect(summary.totalR).toBeGreaterThanOrEqual(staticTotal - 1e-9);
      }
    }
  });

  it('reports the same results for the same seed', () => {
    const again = runBacktest({ candles, signals, policies: policies(), seed: 7, lookbackBars: 300 });
    expect(again).toEqual(result);
  });

  it("keeps one policy's results whatever other policies run beside it", () => {
    const alone = runBacktest({
      candles,
      signals,
      policies: [createSeedPolicy(config)],
      seed: 7,
      lookbackBars: 300,
    });
    // Only the regime rows differ: alone, the seed's own regimes define them.
    const { regimes: _, ...seedAlone } = alone.policies[0] ?? {};
    const { regimes: __, ...seedBeside } = byName(result, 'seed') ?? {};
    expect(seedAlone).toEqual(seedBeside);
  });

  it('explores differently with another seed', () => {
    const other = runBacktest({
      candles,
      signals,
      policies: [createSeedPolicy(config)],
      seed: 8,
      lookbackBars: 300,
    });
    const strategies = (r: BacktestResult | undefined) => r?.policies[0]?.trades.map((t) => t.strategy);
    expect(strategies(other)).not.toEqual(byName(result, 'seed')?.trades.map((t) => t.strategy));
  });

  it('reports the exploration rate and the learned cells of the learning policies', () => {
    const seed = byName(result, 'seed');
    const explored = seed?.trades.filter((t) => t.explored).length ?? 0;
    expect(seed?.explorationRate).toBe(explored / (seed?.summary.trades ?? 1));
    const realCounts = seed?.learned.reduce((sum, cell) => sum + cell.realCount, 0);
    expect(realCounts).toBe(seed?.summary.trades);
    const fullInfo = byName(result, 'default');
    const counterfactual = fullInfo?.learned.reduce((sum, cell) => sum + cell.counterfactualCount, 0);
    expect(counterfactual).toBe((fullInfo?.summary.trades ?? 0) * (STRATEGY_IDS.length - 1));
  });

  it('draws the equity curve in close order and breaks trades down by regime', () => {
    for (const policy of result.policies) {
      const closes = policy.trades.map((t) => t.closeBar);
      expect(closes).toEqual([...closes].sort((a, b) => a - b));
      expect(policy.equity.at(-1)?.cumulativeR ?? 0).toBeCloseTo(policy.summary.totalR, 9);
      const regimeTrades = Object.values(policy.regimes).reduce((sum, s) => sum + s.trades, 0);
      expect(regimeTrades).toBe(policy.summary.trades);
    }
  });
});

describe('runBacktest edge cases', () => {
  it('skips a signal the detector cannot size, and ignores a signal on the last bar', () => {
    const candles = market(5, 40);
    const seen = { lastT: 0 };
    const signals: SignalValue[] = candles.map((_, i) => (i === 10 || i === 39 ? 1 : 0));
    const result = runBacktest({
      candles,
      signals,
      policies: [
        {
          name: 'flat',
          detector: fixedDetector('UNKNOWN', 0, seen),
          learner: recordingLearner(seen).learner,
          fullInformation: false,
          pooling: false,
        },
      ],
    });
    expect(result.signals).toBe(1);
    expect(result.policies[0]?.skippedSignals).toBe(1);
    expect(result.policies[0]?.summary.trades).toBe(0);
  });

  it('closes a trade still open when the data ends at the last close', () => {
    const candles = market(9, 30).map((c, i) => ({ ...c, t: i * DAY_MS }));
    const seen = { lastT: 0 };
    const signals: SignalValue[] = candles.map((_, i) => (i === 27 ? 1 : 0));
    const result = runBacktest({
      candles,
      signals,
      policies: [
        {
          name: 'wide',
          detector: fixedDetector('UNKNOWN', 50, seen),
          learner: recordingLearner(seen).learner,
          fullInformation: false,
          pooling: false,
        },
      ],
    });
    expect(result.policies[0]?.trades[0]).toMatchObject({ exitReason: 'end_of_data', closeBar: 29 });
  });

  it('rejects signals that do not match the candles', () => {
    expect(() => runBacktest({ candles: market(1, 10), signals: [1], policies: [] })).toThrow(
      /one value per candle/,
    );
  });
});
