import { getArm } from '../arms';
import { ValidationError } from '../contract/validation-error';
import { chooseFramed, type FramedDecision, frameDecision, framedPlan } from '../decide';
import type { ExitPlan } from '../exit-plan';
import { DEFAULT_PLAUSIBILITY } from '../plausibility';
import { type Policy, policyCandidates } from '../policy';
import { seededRng } from '../random';
import { DEFAULT_HORIZON_BARS, simulateTrade } from '../simulator';
import { type Candle, REGIMES, type Rng, type Side, STRATEGY_IDS } from '../types';
import { ALL_REGIMES, creditBacktestTrade, MemoryCells } from './cell-credit';
import {
  hindsightOracle,
  ORACLE_POLICY_NAME,
  type StaticTrades,
  WALK_FORWARD_POLICY_NAME,
  walkForwardBestStatic,
} from './comparators';
import { comparePolicies } from './comparisons';
import { type BootstrapSettings, DEFAULT_BOOTSTRAP } from './paired-statistics';
import type { BacktestResult, BacktestTrade, LearnedCell, PolicyResult, SymbolRun } from './result';
import { type SignalValue, signalSide } from './signals';
import { streamSeed } from './streams';
import { closeOrder, signalKey, tradeFigures } from './trade-figures';

export { ORACLE_POLICY_NAME, WALK_FORWARD_POLICY_NAME } from './comparators';
export type {
  BacktestResult,
  BacktestTrade,
  EquityPoint,
  LearnedCell,
  PolicyComparison,
  PolicyResult,
  SymbolRun,
} from './result';

/**
 * The backtest replay: the bars of every symbol on one clock, one decision per policy at every
 * signal bar, and each trade's reward handed to its policy's learner only when the replay reaches
 * the bar the trade closed on. Learning state lives in memory, keyed like the store's cells, one
 * state per policy shared by every symbol, as the functions share the table.
 */

export const DEFAULT_LOOKBACK_BARS = 500;
export const DEFAULT_BACKTEST_SEED = 1;
export const DEFAULT_BACKTEST_SYMBOL = 'BACKTEST';

export interface BacktestProgress {
  /** Bars replayed so far, over every symbol. */
  bars: number;
  totalBars: number;
}

/** One symbol's bars and signals. */
export interface BacktestSeries {
  symbol: string;
  /** Oldest first, times strictly increasing. */
  candles: readonly Candle[];
  /** One per candle: 1 enter LONG at that bar's close, −1 SHORT, 0 nothing. */
  signals: readonly SignalValue[];
}

interface ReplaySettings {
  /** Replayed side by side on the same signals, each with its own learning state and RNG. */
  policies: readonly Policy[];
  /** Bars after entry after which a trade exits at the close. Default 48. */
  horizonBars?: number;
  /**
   * Candles up to and including the signal bar that the detector sees, as a bot sends its
   * recent candles with a select request. Default 500.
   */
  lookbackBars?: number;
  /** Seeds every policy's RNG and every bootstrap (each draws its own stream). Default 1. */
  seed?: number;
  /**
   * The policy whose detected regimes define every regime row of the reports and group the
   * oracle's trades. Default: `default` when present, otherwise the first policy that is not
   * `static:…`.
   */
  regimesFrom?: string;
  /** The paired comparisons' bootstrap. Default {@link DEFAULT_BOOTSTRAP}. */
  bootstrap?: Partial<BootstrapSettings>;
  /** Called after every replayed bar. */
  onProgress?: (progress: BacktestProgress) => void;
}

export interface PortfolioBacktestOptions extends ReplaySettings {
  /** Every symbol's bars; symbols are distinct. */
  series: readonly BacktestSeries[];
}

export interface BacktestOptions extends ReplaySettings {
  /** Oldest first, times strictly increasing. */
  candles: readonly Candle[];
  /** One per candle: 1 enter LONG at that bar's close, −1 SHORT, 0 nothing. */
  signals: readonly SignalValue[];
  /** The symbol of the learner cells. Default `BACKTEST`. */
  symbol?: string;
}

/** Invalid backtest options. */
export class BacktestInputError extends Error {
  override readonly name = 'BacktestInputError';
}

interface PolicyState {
  policy: Policy;
  rng: Rng;
  cells: MemoryCells;
  closed: BacktestTrade[];
  decisions: number;
  explorations: number;
  skippedSignals: number;
  implausibleRewards: number;
}

interface OpenTrade {
  state: PolicyState;
  trade: BacktestTrade;
  plan: ExitPlan;
  series: BacktestSeries;
  /** The bar of its series at which its reward reaches the policy. */
  creditBar: number;
}

/**
 * When a trade's reward reaches its policy, as a bot following the API guide publishes it: a
 * full-information policy learns every arm from the path, which must run to the horizon for
 * every arm's outcome to be known, so the bot publishes TradeClosed once `horizonBars` bars have
 * passed after entry (or its data ends), with the path up to then; a policy that learns only
 * the traded arm learns at the close.
 */
function creditBarOf(
  policy: Pick<Policy, 'fullInformation'>,
  entryBar: number,
  closeBar: number,
  horizonBars: number,
  bars: number,
): number {
  if (!policy.fullInformation) return closeBar;
  return Math.min(bars - 1, Math.max(closeBar, entryBar + horizonBars));
}

/** One symbol's backtest: {@link runPortfolioBacktest} with a single series. */
export function runBacktest(options: BacktestOptions): BacktestResult {
  const { candles, signals, symbol, ...settings } = options;
  return runPortfolioBacktest({
    ...settings,
    series: [{ symbol: symbol ?? DEFAULT_BACKTEST_SYMBOL, candles, signals }],
  });
}

/**
 * Replays every series on one clock: all bars of all symbols in time order (symbols in the order
 * given when bars share a time). At each time, first the trades of any symbol that close at that
 * time are credited (in entry order), then every signal at that time is decided, so a decision
 * sees exactly the trades closed up to its bar, whichever symbol they traded. For each signal,
 * every policy:
 *
 * 1. classifies the `lookbackBars` candles of its symbol ending at the signal bar (`detect`, the
 *    very call the select function makes; no later bar is visible). A series detector's faster
 *    `detectAt` is not used: it reads indicators computed from the first bar of the whole
 *    history, and the recursive ones (ATR, ADX, EMA) then differ in their last digits from the
 *    same indicators started at the window's first bar, which can move a plan's levels;
 * 2. chooses among its candidates for the regime (`policyCandidates`) from its cells for
 *    (symbol, regime), and the pooled ones when `policy.pooling`, with the policy's seeded RNG;
 * 3. sizes the chosen profile's plan on the regime's `features.atr` at entry = the bar's close,
 *    and replays it with the shared simulator on the symbol's following bars.
 *
 * The outcome is known at once but withheld: the cells get it only at the close bar, through
 * {@link creditBacktestTrade}, the service's credit core (the traded arm, the other arms on the
 * path for a full-information policy, the pooled cells for a pooling one; nothing for a reward
 * the service would refuse as implausible). One policy keeps one set of cells for every symbol.
 *
 * When the run includes `static:<strategy>` policies, two comparators are added after the given
 * policies: `walkforward:best-static` (at each signal, the static with the best mean R over the
 * trades closed so far: causal) and `oracle:regime-in-hindsight` (per regime, the static with the
 * highest total R over that regime's trades: in-sample). Every policy is then compared, signal by
 * signal, with every static and with the walk-forward one.
 *
 * A trade still open when its symbol's data ends exits at the last close (`end_of_data`) and
 * counts. A signal on a symbol's last bar has nothing to trade on and is ignored.
 *
 * Deterministic: the same options give the same result.
 *
 * @throws BacktestInputError when a series' signals do not have one value per candle, a symbol is
 *   repeated or empty, or a setting is not a positive integer.
 */
export function runPortfolioBacktest(options: PortfolioBacktestOptions): BacktestResult {
  const { series, policies } = options;
  const horizonBars = options.horizonBars ?? DEFAULT_HORIZON_BARS;
  const lookbackBars = options.lookbackBars ?? DEFAULT_LOOKBACK_BARS;
  const seed = options.seed ?? DEFAULT_BACKTEST_SEED;
  const bootstrap = { ...DEFAULT_BOOTSTRAP, ...definedOnly(options.bootstrap ?? {}) };
  validate(options, horizonBars, lookbackBars, seed);

  const states: PolicyState[] = policies.map((policy) => ({
    policy,
    rng: seededRng(streamSeed(seed, policy.name)),
    cells: new MemoryCells(),
    closed: [],
    decisions: 0,
    explorations: 0,
    skippedSignals: 0,
    implausibleRewards: 0,
  }));
  const signalCounts = series.map(() => 0);
  const closing = new Map<number, OpenTrade[]>();
  const crediting = new Map<number, OpenTrade[]>();
  const schedule = (when: Map<number, OpenTrade[]>, t: number, open: OpenTrade) => {
    const list = when.get(t);
    if (list === undefined) when.set(t, [open]);
    else list.push(open);
  };
  const clock = mergedClock(series);
  const totalBars = clock.length;

  for (let index = 0; index < totalBars; ) {
    const t = clock.times[index] ?? 0;
    for (const open of closing.get(t) ?? []) open.state.closed.push(open.trade);
    closing.delete(t);
    for (const open of crediting.get(t) ?? []) credit(open, horizonBars);
    crediting.delete(t);
    for (; index < totalBars && clock.times[index] === t; index++) {
      const seriesIndex = clock.series[index] ?? 0;
      const bar = clock.bars[index] ?? 0;
      const current = series[seriesIndex];
      const signal = current?.signals[bar] ?? 0;
      if (current !== undefined && signal !== 0 && bar + 1 < current.candles.length) {
        signalCounts[seriesIndex] = (signalCounts[seriesIndex] ?? 0) + 1;
        const window = current.candles.slice(Math.max(0, bar + 1 - lookbackBars), bar + 1);
        for (const state of states) {
          const open = decide(state, { series: current, bar, side: signalSide(signal), window, horizonBars });
          if (open === undefined) continue;
          schedule(closing, open.trade.closeT, open);
          schedule(crediting, current.candles[open.creditBar]?.t ?? open.trade.closeT, open);
        }
      }
      options.onProgress?.({ bars: index + 1, totalBars });
    }
  }

  const symbols = series.map((s) => s.symbol);
  const symbolOrder = new Map(symbols.map((symbol, index) => [symbol, index]));
  const reference = states.find(
    (state) => state.policy.name === (options.regimesFrom ?? defaultRegimeReference(policies)),
  );
  const regimesFrom = reference?.policy.name;
  const referenceRegimes = new Map(reference?.closed.map((trade) => [signalKey(trade), trade.regime]));
  // Without a reference (only static policies), each trade keeps the regime its own policy saw.
  const regimeOf = (trade: BacktestTrade) =>
    reference === undefined ? trade.regime : referenceRegimes.get(signalKey(trade));
  const figures = (trades: BacktestTrade[]) => tradeFigures(trades, symbols, regimeOf);

  const results: PolicyResult[] = states.map((state) => ({
    name: state.policy.name,
    basis: 'causal',
    trades: state.closed,
    ...figures(state.closed),
    explorationRate: state.decisions === 0 ? 0 : state.explorations / state.decisions,
    skippedSignals: state.skippedSignals,
    implausibleRewards: state.implausibleRewards,
    learned: learnedCells(state, symbols),
  }));

  const statics: StaticTrades[] = results.flatMap((result) => {
    const strategy = STRATEGY_IDS.find((id) => result.name === `static:${id}`);
    return strategy === undefined ? [] : [{ strategy, trades: result.trades }];
  });
  let oracleChoices: BacktestResult['oracleChoices'] = {};
  if (statics.length > 0) {
    const byClose = closeOrder(symbolOrder);
    const walkForward = walkForwardBestStatic(statics, symbolOrder).sort(byClose);
    results.push({
      name: WALK_FORWARD_POLICY_NAME,
      basis: 'causal',
      trades: walkForward,
      ...figures(walkForward),
      explorationRate: 0,
      skippedSignals: 0,
      implausibleRewards: 0,
      learned: [],
    });
    const oracle = hindsightOracle(statics, regimeOf);
    oracle.trades.sort(byClose);
    oracleChoices = oracle.choices;
    results.push({
      name: ORACLE_POLICY_NAME,
      basis: 'in-sample',
      trades: oracle.trades,
      ...figures(oracle.trades),
      explorationRate: 0,
      skippedSignals: 0,
      implausibleRewards: 0,
      learned: oracle.learned,
    });
  }
  const baselines = [
    ...statics.map(({ strategy }) => `static:${strategy}`),
    ...(statics.length > 0 ? [WALK_FORWARD_POLICY_NAME] : []),
  ];

  return {
    bars: totalBars,
    signals: signalCounts.reduce((sum, count) => sum + count, 0),
    horizonBars,
    lookbackBars,
    seed,
    symbols: series.map(
      (s, index): SymbolRun => ({
        symbol: s.symbol,
        bars: s.candles.length,
        signals: signalCounts[index] ?? 0,
        firstT: s.candles[0]?.t ?? 0,
        lastT: s.candles.at(-1)?.t ?? 0,
      }),
    ),
    policies: results,
    oracleChoices,
    regimesFrom,
    comparisons: comparePolicies(results, baselines, bootstrap, seed, symbolOrder),
  };
}

function validate(
  options: PortfolioBacktestOptions,
  horizonBars: number,
  lookbackBars: number,
  seed: number,
): void {
  const symbols = new Set<string>();
  for (const { symbol, candles, signals } of options.series) {
    if (symbol.trim() === '') throw new BacktestInputError('a symbol must not be empty');
    if (symbols.has(symbol)) throw new BacktestInputError(`symbol ${symbol} is given twice`);
    symbols.add(symbol);
    if (signals.length !== candles.length) {
      throw new BacktestInputError(
        `signals must have one value per candle (${candles.length}), got ${signals.length}` +
          (options.series.length > 1 ? ` for ${symbol}` : ''),
      );
    }
  }
  for (const [name, value] of [
    ['horizonBars', horizonBars],
    ['lookbackBars', lookbackBars],
  ] as const) {
    if (!Number.isInteger(value) || value < 1) {
      throw new BacktestInputError(`${name} must be a positive integer, got ${value}`);
    }
  }
  if (!Number.isInteger(seed)) throw new BacktestInputError(`seed must be an integer, got ${seed}`);
  const names = new Set<string>();
  for (const policy of options.policies) {
    if (
      names.has(policy.name) ||
      policy.name === ORACLE_POLICY_NAME ||
      policy.name === WALK_FORWARD_POLICY_NAME
    ) {
      throw new BacktestInputError(`policy name ${policy.name} is used twice`);
    }
    names.add(policy.name);
  }
}

/**
 * Every bar of every series as one sequence, by time and then series order (a stable sort of
 * the series concatenated in order), in flat arrays: the replay walks it once.
 */
function mergedClock(series: readonly BacktestSeries[]) {
  const entries: { t: number; series: number; bar: number }[] = [];
  series.forEach((s, seriesIndex) => {
    s.candles.forEach((candle, bar) => {
      entries.push({ t: candle.t, series: seriesIndex, bar });
    });
  });
  if (series.length > 1) entries.sort((a, b) => a.t - b.t || a.series - b.series);
  return {
    length: entries.length,
    times: Float64Array.from(entries, (entry) => entry.t),
    series: Int32Array.from(entries, (entry) => entry.series),
    bars: Int32Array.from(entries, (entry) => entry.bar),
  };
}

interface DecisionInput {
  series: BacktestSeries;
  bar: number;
  side: Side;
  window: readonly Candle[];
  horizonBars: number;
}

function decide(state: PolicyState, input: DecisionInput): OpenTrade | undefined {
  const { policy } = state;
  const { bar, side, series } = input;
  const { candles, symbol } = series;
  let framed: FramedDecision;
  try {
    // Entry at the signal bar's close, as a bot sends its candles and no entryPrice.
    framed = frameDecision(policy, { side, candles: input.window }, DEFAULT_PLAUSIBILITY);
  } catch (error) {
    // The select function answers such a signal with a 400: the bot would not trade.
    if (!(error instanceof ValidationError)) throw error;
    state.skippedSignals++;
    return undefined;
  }
  const { regime, entry } = framed;
  const choice = chooseFramed(
    policy,
    framed,
    {
      cells: state.cells.read(symbol, regime.name, framed.candidates),
      pooled: state.cells.read(null, regime.name, framed.candidates),
      symbolTotal: state.cells.read(symbol, ALL_REGIMES, framed.candidates),
    },
    state.rng,
  );
  const arm = getArm(choice.arm);
  let plan: ExitPlan;
  try {
    plan = framedPlan(framed, side, arm.id);
  } catch (error) {
    // A static profile that is no candidate here because a price would not be positive: the
    // select function answers it with a 400 too.
    if (!(error instanceof ValidationError)) throw error;
    state.skippedSignals++;
    return undefined;
  }
  const outcome = simulateTrade({
    side,
    plan,
    bars: candles,
    horizonBars: input.horizonBars,
    startIndex: bar + 1,
  });
  state.decisions++;
  if (choice.explored) state.explorations++;
  const closeBar = bar + 1 + outcome.exitBarIndex;
  return {
    state,
    plan,
    series,
    creditBar: creditBarOf(policy, bar, closeBar, input.horizonBars, candles.length),
    trade: {
      symbol,
      entryBar: bar,
      entryT: candles[bar]?.t ?? 0,
      side,
      entry,
      atr: regime.features.atr,
      regime: regime.name,
      strategy: arm.base,
      arm: arm.id,
      explored: choice.explored,
      propensity: choice.propensity,
      realizedR: outcome.realizedR,
      exitReason: outcome.exitReason,
      closeBar,
      closeT: candles[closeBar]?.t ?? 0,
    },
  };
}

/**
 * The reward of a trade reaches its policy's cells, at its credit bar: the one call that changes
 * them. A reward the service would refuse as implausible counts as a trade but teaches nothing.
 */
function credit(open: OpenTrade, horizonBars: number): void {
  const { state, trade, plan, series, creditBar } = open;
  const credited = creditBacktestTrade(state.cells, state.policy, {
    symbol: trade.symbol,
    regime: trade.regime,
    arm: trade.arm,
    side: trade.side,
    plan,
    explored: trade.explored,
    decidedAt: trade.entryT,
    realizedR: trade.realizedR,
    closedAt: series.candles[creditBar]?.t ?? trade.closeT,
    path: series.candles.slice(trade.entryBar + 1, creditBar + 1),
    horizonBars,
  });
  if (!credited) state.implausibleRewards++;
}

/** What the learner would show for every arm of every symbol's cells at the end of the run. */
function learnedCells(state: PolicyState, symbols: readonly string[]): LearnedCell[] {
  const { policy } = state;
  const learned: LearnedCell[] = [];
  const valueRng = seededRng(0);
  for (const symbol of symbols) {
    for (const regime of REGIMES) {
      const cells = state.cells.read(symbol, regime, STRATEGY_IDS);
      if (Object.keys(cells).length === 0) continue;
      const offered = new Set(policyCandidates(policy, regime));
      // The learner's own notion of value, not ours.
      const shown = policy.learner.choose({
        regime,
        candidates: STRATEGY_IDS,
        cells,
        ...(policy.pooling ? { pooled: state.cells.read(null, regime, STRATEGY_IDS) } : {}),
        rng: valueRng,
      }).values;
      for (const strategy of STRATEGY_IDS) {
        const cell = cells[strategy];
        if (cell === undefined) continue;
        learned.push({
          symbol,
          regime,
          strategy,
          value: shown[strategy]?.value ?? cell.mean,
          count: cell.count,
          realCount: cell.realCount,
          counterfactualCount: cell.counterfactualCount,
          meanR: cell.mean,
          candidate: offered.has(strategy),
        });
      }
    }
  }
  return learned;
}

function defaultRegimeReference(policies: readonly Policy[]): string | undefined {
  if (policies.some((policy) => policy.name === 'default')) return 'default';
  return policies.find((policy) => !policy.name.startsWith('static:'))?.name;
}

/** So that a setting passed as `undefined` keeps its default. */
function definedOnly<T extends object>(options: T): Partial<T> {
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)) as Partial<T>;
}
