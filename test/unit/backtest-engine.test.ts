import { describe, expect, it } from 'vitest';
import { ARM_SETS, type ArmId, type ArmSpec, armProfile, SEVEN_ARMS } from '../../lib/arms';
import {
  type BacktestResult,
  type BacktestTrade,
  ORACLE_POLICY_NAME,
  runBacktest,
  WALK_FORWARD_POLICY_NAME,
} from '../../lib/backtest/engine';
import { type SignalValue, trendCrossoverSignals } from '../../lib/backtest/signals';
import { ENV_DEFAULTS, loadConfig } from '../../lib/config';
import { buildExitPlan } from '../../lib/exit-plan';
import { quantizeR, toMicroR } from '../../lib/learners/cell-stats';
import type { CellsByArm, ChooseInput, Learner } from '../../lib/learners/learner';
import { planPricesArePositive } from '../../lib/plausibility';
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

/**
 * A learner that always trades the first candidate and records, for every choice, the bar it was
 * made on, the cells it was shown and how many rewards they held: what the engine credited is
 * what the next choice sees.
 */
function recordingLearner(seen: { lastT: number }) {
  const choices: { t: number; rewardsSeen: number; input: ChooseInput }[] = [];
  const learner: Learner = {
    policy: 'recording',
    choose: (input) => {
      const rewardsSeen = Object.values(input.cells).reduce((sum, cell) => sum + (cell?.count ?? 0), 0);
      choices.push({ t: seen.lastT, rewardsSeen, input });
      const arm = input.candidates[0] ?? 'defensive';
      return {
        arm,
        explored: false,
        propensity: 1,
        probabilities: { [arm]: 1 },
        values: {},
        reason: `${arm}: the first candidate`,
        policy: 'recording',
      };
    },
  };
  return { learner, choices };
}

/** Bars one day apart, each opening at the previous close (no gaps). */
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

/** What a cell should hold: count, counterfactual count and Σ R in micro-R, per strategy. */
type Expected = Partial<Record<ArmId, { count: number; counterfactual: number; sumMicro: number }>>;

function add(expected: Expected, strategy: ArmId, realizedR: number, counterfactual: boolean): void {
  const cell = expected[strategy] ?? { count: 0, counterfactual: 0, sumMicro: 0 };
  expected[strategy] = {
    count: cell.count + 1,
    counterfactual: cell.counterfactual + (counterfactual ? 1 : 0),
    sumMicro: cell.sumMicro + toMicroR(realizedR),
  };
}

function shown(cells: CellsByArm): Expected {
  const out: Expected = {};
  for (const [strategy, cell] of Object.entries(cells)) {
    if (cell === undefined) continue;
    out[strategy as StrategyId] = {
      count: cell.count,
      counterfactual: cell.counterfactualCount,
      sumMicro: cell.sumMicro,
    };
  }
  return out;
}

describe('runBacktest: rewards arrive only once their bars are known', () => {
  const candles = market(21, 160);
  const signals = everyThirdBar(candles.length);
  const HORIZON = 12;

  function run(fullInformation: boolean, arms: readonly ArmSpec[] = SEVEN_ARMS) {
    const seen = { lastT: Number.NaN };
    const recorder = recordingLearner(seen);
    const policy: Policy = {
      name: 'recorded',
      detector: fixedDetector('RANGE_LOW_VOL', 1.5, seen),
      learner: recorder.learner,
      fullInformation,
      pooling: false,
      arms,
    };
    const result = runBacktest({
      candles,
      signals,
      policies: [policy],
      horizonBars: HORIZON,
      lookbackBars: 50,
    });
    return { result, ...recorder };
  }

  /**
   * The bar at which a trade's reward reaches its policy, as a bot following the API guide
   * publishes it: at the close, or (full information) once the horizon has passed after entry so
   * that the path prices every arm, or when the data ends.
   */
  function creditBar(trade: BacktestTrade, fullInformation: boolean): number {
    if (!fullInformation) return trade.closeBar;
    return Math.min(candles.length - 1, Math.max(trade.closeBar, trade.entryBar + HORIZON));
  }

  /**
   * What every trade credited on or before `bar` should have added, computed here without the
   * credit core: the traded R, and (with full information) every other profile replayed by the
   * simulator on the bars from entry to the credit bar, when those bars close it.
   */
  function expectedBefore(
    result: BacktestResult,
    bar: number,
    fullInformation: boolean,
    shownTo: readonly string[] = STRATEGY_IDS,
    arms: readonly ArmSpec[] = SEVEN_ARMS,
  ): Expected {
    const expected: Expected = {};
    for (const trade of result.policies[0]?.trades ?? []) {
      const credited = creditBar(trade, fullInformation);
      if (credited > bar) continue;
      if (shownTo.includes(trade.arm)) add(expected, trade.arm, trade.realizedR, false);
      if (!fullInformation) continue;
      const path = candles.slice(trade.entryBar + 1, credited + 1);
      for (const arm of arms) {
        if (arm.id === trade.arm || !shownTo.includes(arm.id)) continue;
        const plan = buildExitPlan({
          side: trade.side,
          entry: trade.entry,
          atr: trade.atr,
          profile: armProfile(arm),
        });
        if (!planPricesArePositive(plan)) continue;
        const outcome = simulateTrade({ side: trade.side, plan, bars: path, horizonBars: HORIZON });
        if (outcome.exitReason === 'end_of_data') continue;
        add(expected, arm.id, outcome.realizedR, true);
      }
    }
    return expected;
  }

  it('credits each trade its realized R on its close bar, never before', () => {
    const { result, choices } = run(false);
    const [policy] = result.policies;
    const trades = policy?.trades ?? [];
    expect(trades.length).toBe(signals.filter((s, i) => s !== 0 && i < candles.length - 1).length);
    // Opening at the previous close, this market never gaps past a plan's reach: every reward counts.
    expect(policy?.implausibleRewards).toBe(0);
    for (const choice of choices.slice(0, trades.length)) {
      const bar = barOf(candles, choice.t);
      expect(shown(choice.input.cells), `cells seen on bar ${bar}`).toEqual(
        expectedBefore(result, bar, false),
      );
      const lastClose = Math.max(-1, ...trades.filter((t) => t.closeBar <= bar).map((t) => t.closeBar));
      if (lastClose >= 0) {
        expect(choice.input.cells[trades[0]?.strategy ?? 'defensive']?.lastUpdate).toBe(
          candles[lastClose]?.t,
        );
      }
    }
    for (const trade of trades) expect(trade.closeBar).toBeGreaterThan(trade.entryBar);
    // Some trades stay open across later signals, so an early reward would have been visible.
    expect(trades.some((trade) => trade.closeBar > trade.entryBar + 3)).toBe(true);
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
          arms: SEVEN_ARMS,
        },
      ],
      lookbackBars: 50,
    });
    const signalBars = signals.flatMap((s, i) => (s !== 0 && i < candles.length - 1 ? [i] : []));
    expect(detected).toEqual(signalBars.map((bar) => Math.min(bar + 1, 50)));
    expect(choices.slice(0, signalBars.length).map((choice) => barOf(candles, choice.t))).toEqual(signalBars);
  });

  it('gives a full-information policy every other profile on the path up to the horizon, at that bar', () => {
    const { result, choices } = run(true);
    const trades = result.policies[0]?.trades ?? [];
    expect(result.policies[0]?.implausibleRewards).toBe(0);
    for (const trade of trades) {
      // The traded plan on its own path up to the close gives the trade's R: the path is cut right.
      const path = candles.slice(trade.entryBar + 1, trade.closeBar + 1);
      const plan = buildExitPlan({
        side: trade.side,
        entry: trade.entry,
        atr: trade.atr,
        profile: getProfile(trade.strategy),
      });
      expect(simulateTrade({ side: trade.side, plan, bars: path, horizonBars: HORIZON }).realizedR).toBe(
        trade.realizedR,
      );
    }
    for (const choice of choices.slice(0, trades.length)) {
      const bar = barOf(candles, choice.t);
      // A choice is shown the cells of its candidates (defensive, moderate, scalp in a range).
      expect(shown(choice.input.cells), `cells seen on bar ${bar}`).toEqual(
        expectedBefore(result, bar, true, choice.input.candidates),
      );
    }
    // Every profile learned from every path, candidate or not; the trades whose data ended before
    // the horizon taught only the profiles their bars closed.
    const everything = expectedBefore(result, candles.length, true);
    const learned = result.policies[0]?.learned ?? [];
    expect(learned.map((cell) => cell.strategy)).toEqual([...STRATEGY_IDS]);
    for (const cell of learned) {
      const expected = everything[cell.strategy];
      expect(cell.count).toBe(expected?.count);
      expect(cell.count).toBeGreaterThan(trades.length - 3);
      expect(cell.counterfactualCount).toBe(expected?.counterfactual);
      expect(cell.meanR).toBeCloseTo((expected?.sumMicro ?? Number.NaN) / 1e6 / cell.count, 12);
    }
    expect(learned.some((cell) => cell.count < trades.length)).toBe(true);
  });

  it('credits a full-information trade only at its credit bar: a decision before it does not see the trade', () => {
    const { result, choices } = run(true);
    const trades = result.policies[0]?.trades ?? [];
    const decisionBars = choices.slice(0, trades.length).map((choice) => barOf(candles, choice.t));
    for (const [k, bar] of decisionBars.entries()) {
      const credited = trades.filter((trade) => creditBar(trade, true) <= bar).length;
      // Each credited trade added one real reward to the traded arm, shown to the decision.
      const real = Object.values(choices[k]?.input.cells ?? {}).reduce(
        (sum, cell) => sum + (cell?.realCount ?? 0),
        0,
      );
      expect(real, `real rewards seen on bar ${bar}`).toBe(credited);
    }
    // The horizon outlasts most closes, and some decisions fall between a trade's close and its
    // credit bar: they would have seen it had it been credited at the close.
    const waiting = trades.filter((trade) =>
      decisionBars.some((bar) => bar >= trade.closeBar && bar < creditBar(trade, true)),
    );
    expect(waiting.length).toBeGreaterThan(5);
    for (const trade of trades) expect(creditBar(trade, true)).toBeGreaterThanOrEqual(trade.entryBar + 1);
  });

  it("shows a full-information policy over the family every variant's outcome, from the path up to the horizon", () => {
    const { result, choices } = run(true, ARM_SETS.family);
    const trades = result.policies[0]?.trades ?? [];
    expect(result.policies[0]?.implausibleRewards).toBe(0);
    let variantsSeen = 0;
    for (const choice of choices.slice(0, trades.length)) {
      const bar = barOf(candles, choice.t);
      // In a range the candidates are defensive, moderate, scalp and scalp's 14 variants.
      expect(choice.input.candidates).toHaveLength(17);
      const expected = expectedBefore(result, bar, true, choice.input.candidates, ARM_SETS.family);
      expect(shown(choice.input.cells), `cells seen on bar ${bar}`).toEqual(expected);
      variantsSeen += Object.keys(expected).filter((arm) => arm.includes('@')).length;
    }
    expect(variantsSeen).toBeGreaterThan(0);
  });

  it('credits R on the cells’ grid, as the store does', () => {
    const { result } = run(false);
    const learned = result.policies[0]?.learned ?? [];
    const trades = result.policies[0]?.trades ?? [];
    const total = trades.reduce((sum, trade) => sum + toMicroR(trade.realizedR), 0);
    expect(learned).toHaveLength(1);
    expect(learned[0]?.meanR).toBe(total / 1e6 / trades.length);
    expect(trades.some((trade) => quantizeR(trade.realizedR) !== trade.realizedR)).toBe(true);
  });

  it("passes the pooled cells and the symbol's totals only to a pooling policy", () => {
    const seen = { lastT: 0 };
    const plain = recordingLearner(seen);
    const pooling = recordingLearner(seen);
    const detector = fixedDetector('RANGE_LOW_VOL', 1.5, seen);
    runBacktest({
      candles,
      signals,
      policies: [
        {
          name: 'plain',
          detector,
          learner: plain.learner,
          fullInformation: false,
          pooling: false,
          arms: SEVEN_ARMS,
        },
        {
          name: 'pooling',
          detector,
          learner: pooling.learner,
          fullInformation: false,
          pooling: true,
          arms: SEVEN_ARMS,
        },
      ],
    });
    expect(plain.choices.every((c) => c.input.pooled === undefined)).toBe(true);
    expect(plain.choices.every((c) => c.input.symbolTotal === undefined)).toBe(true);
    // The last decision (the final reading after the replay is the report's, not a decision).
    const last = pooling.choices.at(-2)?.input;
    // One symbol in one regime: the pooled cells and the symbol's totals hold what its cell holds.
    expect(last?.pooled).toEqual(last?.cells);
    expect(last?.symbolTotal).toEqual(last?.cells);
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
    // The default learns every profile a trade's path prices, once the horizon has passed (48
    // bars after entry, or the data's end): every profile but the one traded, as counterfactual,
    // unless its plan is not tradeable or the data ended with it still open.
    const fullInfo = byName(result, 'default');
    expect(fullInfo?.implausibleRewards).toBe(0);
    let expected = 0;
    for (const trade of fullInfo?.trades ?? []) {
      const credited = Math.min(candles.length - 1, Math.max(trade.closeBar, trade.entryBar + 48));
      const path = candles.slice(trade.entryBar + 1, credited + 1);
      for (const strategy of STRATEGY_IDS) {
        if (strategy === trade.arm) continue;
        const plan = buildExitPlan({
          side: trade.side,
          entry: trade.entry,
          atr: trade.atr,
          profile: getProfile(strategy),
        });
        if (!planPricesArePositive(plan)) continue;
        if (
          simulateTrade({ side: trade.side, plan, bars: path, horizonBars: 48 }).exitReason !== 'end_of_data'
        )
          expected++;
      }
    }
    const counterfactual = fullInfo?.learned.reduce((sum, cell) => sum + cell.counterfactualCount, 0);
    expect(counterfactual).toBe(expected);
    expect(expected).toBeGreaterThan((fullInfo?.summary.trades ?? 0) * (STRATEGY_IDS.length - 2));
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
          arms: SEVEN_ARMS,
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
          arms: SEVEN_ARMS,
        },
      ],
    });
    expect(result.policies[0]?.trades[0]).toMatchObject({ exitReason: 'end_of_data', closeBar: 29 });
  });

  it('counts a trade whose reward the service would refuse, but teaches nothing from it', () => {
    // Flat around 100, then bar 11 opens at 90: a LONG stopped 1 ATR below 100 exits at the gap, −10 R,
    // beyond the −4 R its stop and the default gap allowance of 3 ATRs can reach.
    const candles: Candle[] = Array.from({ length: 30 }, (_, i) => {
      const level = i <= 10 ? 100 : 90;
      return { t: i * DAY_MS, o: level, h: level + 0.5, l: level - 0.5, c: level };
    });
    const seen = { lastT: 0 };
    const recorder = recordingLearner(seen);
    const signals: SignalValue[] = candles.map((_, i) => (i === 10 || i === 20 ? 1 : 0));
    const result = runBacktest({
      candles,
      signals,
      policies: [
        {
          name: 'gapped',
          detector: fixedDetector('RANGE_LOW_VOL', 1, seen),
          learner: recorder.learner,
          fullInformation: true,
          pooling: true,
          arms: SEVEN_ARMS,
        },
      ],
      // The refused reward is due at bar 15 (entry + 5), before the choice on bar 20.
      horizonBars: 5,
    });
    const [policy] = result.policies;
    expect(policy?.trades[0]).toMatchObject({
      entryBar: 10,
      strategy: 'defensive',
      realizedR: -10,
      closeBar: 11,
    });
    expect(policy?.summary.trades).toBe(2);
    expect(policy?.implausibleRewards).toBe(1);
    // The choice on bar 20 saw no reward from it, in its own cells or the pooled ones.
    expect(recorder.choices[1]?.input).toMatchObject({ cells: {}, pooled: {} });
    expect(policy?.learned.reduce((sum, cell) => sum + cell.realCount, 0)).toBe(1);
  });

  it('teaches a gap through the stop up to the allowance of 3 ATRs, and refuses one just beyond', () => {
    // As above, but bar 11 opens at `level`: defensive's stop sits at 99, 1 ATR below the entry.
    const gapped = (level: number) => {
      const candles: Candle[] = Array.from({ length: 30 }, (_, i) => {
        const price = i <= 10 ? 100 : level;
        return { t: i * DAY_MS, o: price, h: price + 0.5, l: price - 0.5, c: price };
      });
      const seen = { lastT: 0 };
      const signals: SignalValue[] = candles.map((_, i) => (i === 10 ? 1 : 0));
      const [policy] = runBacktest({
        candles,
        signals,
        policies: [
          {
            name: 'gapped',
            detector: fixedDetector('RANGE_LOW_VOL', 1, seen),
            learner: recordingLearner(seen).learner,
            fullInformation: true,
            pooling: true,
            arms: SEVEN_ARMS,
          },
        ],
      }).policies;
      return policy;
    };
    // 96 is 3 ATRs past the stop: −4 R, the edge of what the plan reaches with the allowance.
    const atEdge = gapped(96);
    expect(atEdge?.trades[0]).toMatchObject({ strategy: 'defensive', realizedR: -4, closeBar: 11 });
    expect(atEdge?.implausibleRewards).toBe(0);
    expect(atEdge?.learned.reduce((sum, cell) => sum + cell.realCount, 0)).toBe(1);
    const beyond = gapped(95.99);
    expect(beyond?.trades[0]?.realizedR).toBeCloseTo(-4.01, 9);
    expect(beyond?.implausibleRewards).toBe(1);
    expect(beyond?.learned.reduce((sum, cell) => sum + cell.realCount, 0)).toBe(0);
  });

  it('rejects signals that do not match the candles', () => {
    expect(() => runBacktest({ candles: market(1, 10), signals: [1], policies: [] })).toThrow(
      /one value per candle/,
    );
  });
});
