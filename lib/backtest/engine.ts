import { type ArmId, getArm } from '../arms';
import { ValidationError } from '../contract/validation-error';
import { chooseFramed, type FramedDecision, frameDecision, framedPlan } from '../decide';
import type { ExitPlan } from '../exit-plan';
import { addToCell, foldEma } from '../learners/cell-stats';
import type { CellStats, CellsByArm } from '../learners/learner';
import { DEFAULT_PLAUSIBILITY } from '../plausibility';
import { type Policy, policyCandidates } from '../policy';
import { seededRng } from '../random';
import { cellIncrements, creditClosedTrade } from '../reward-credit';
import { DEFAULT_HORIZON_BARS, type ExitReason, simulateTrade } from '../simulator';
import {
  type Candle,
  REGIMES,
  type RegimeName,
  type Rng,
  type Side,
  STRATEGY_IDS,
  type StrategyId,
} from '../types';
import { type PolicySummary, summarizeR } from './metrics';
import { type SignalValue, signalSide } from './signals';

/**
 * The backtest replay: bars in time order, one decision per policy at every signal bar, and each
 * trade's reward handed to its policy's learner only when the replay reaches the bar the trade
 * closed on. Learning state lives in memory, keyed like the store's cells.
 */

export const DEFAULT_LOOKBACK_BARS = 500;
export const DEFAULT_BACKTEST_SEED = 1;
export const DEFAULT_BACKTEST_SYMBOL = 'BACKTEST';
export const ORACLE_POLICY_NAME = 'oracle:regime-in-hindsight';

export interface BacktestProgress {
  /** Bars replayed so far. */
  bars: number;
  totalBars: number;
}

export interface BacktestOptions {
  /** Oldest first, times strictly increasing. */
  candles: readonly Candle[];
  /** One per candle: 1 enter LONG at that bar's close, −1 SHORT, 0 nothing. */
  signals: readonly SignalValue[];
  /** Replayed side by side on the same signals, each with its own learning state and RNG. */
  policies: readonly Policy[];
  /** Bars after entry after which a trade exits at the close. Default 48. */
  horizonBars?: number;
  /**
   * Candles up to and including the signal bar that the detector sees, as a bot sends its
   * recent candles with a select request. Default 500.
   */
  lookbackBars?: number;
  /** Seeds every policy's RNG (each policy's stream also depends on its name). Default 1. */
  seed?: number;
  /** The symbol of the learner cells. Default `BACKTEST`. */
  symbol?: string;
  /**
   * The policy whose detected regimes group trades for `oracle:regime-in-hindsight`. Default:
   * `default` when present, otherwise the first policy that is not `static:…`.
   */
  oracleRegimesFrom?: string;
  /** Called after every replayed bar. */
  onProgress?: (progress: BacktestProgress) => void;
}

/** One trade of one policy. Bar numbers index the `candles` given to the backtest. */
export interface BacktestTrade {
  /** The signal bar: entry at its close. */
  entryBar: number;
  side: Side;
  entry: number;
  /** The ATR the plan was sized with (the detector's `features.atr`). */
  atr: number;
  regime: RegimeName;
  /** The profile traded (the contract's `strategy`). */
  strategy: StrategyId;
  /** The arm traded: `strategy`, or one of its scaled variants. */
  arm: ArmId;
  explored: boolean;
  propensity: number;
  realizedR: number;
  exitReason: ExitReason;
  /** The bar the position finished closing on; the reward reached the learner at this bar. */
  closeBar: number;
}

/** Cumulative R after each trade, in close order. */
export interface EquityPoint {
  /** The trade's close bar. */
  bar: number;
  /** That bar's time, epoch milliseconds. */
  t: number;
  cumulativeR: number;
}

/** What a policy ended up knowing of one (regime, strategy) cell of the backtest's symbol. */
export interface LearnedCell {
  regime: RegimeName;
  strategy: StrategyId;
  /** The value the learner shows for the arm (its `candidates[…].value`); the cell's EMA if it shows none. */
  value: number;
  count: number;
  realCount: number;
  counterfactualCount: number;
  meanR: number;
  /** Whether the policy offers this strategy in this regime (the oracle: every strategy). */
  candidate: boolean;
}

export interface PolicyResult {
  name: string;
  summary: PolicySummary;
  /** In close order (ties: entry order). */
  trades: BacktestTrade[];
  equity: EquityPoint[];
  /** The same figures over the trades entered in each regime (as this policy detected it). */
  regimes: Partial<Record<RegimeName, PolicySummary>>;
  /** Fraction of decisions that were exploration draws. */
  explorationRate: number;
  /** Signals this policy could not trade: no usable ATR, or no plan with every price positive. */
  skippedSignals: number;
  /** Trades whose reward the service would refuse as implausible: they count, but taught nothing. */
  implausibleRewards: number;
  /**
   * Final cells, regime by regime in `REGIMES` order, strategies in profile order. For the oracle:
   * each static strategy's mean R over the regime's trades in hindsight.
   */
  learned: LearnedCell[];
}

export interface BacktestResult {
  bars: number;
  /** Non-zero signals that had at least one bar after them to trade on. */
  signals: number;
  horizonBars: number;
  lookbackBars: number;
  seed: number;
  symbol: string;
  /** The given policies in order, then the oracle (when the run had static policies). */
  policies: PolicyResult[];
  /** The oracle's strategy per regime, chosen in hindsight. */
  oracleChoices: Partial<Record<RegimeName, StrategyId>>;
  /** The policy whose regimes the oracle grouped by, when there is an oracle. */
  oracleRegimesFrom: string | undefined;
}

/** Invalid backtest options. */
export class BacktestInputError extends Error {
  override readonly name = 'BacktestInputError';
}

/** The cell key of the store (`symbol: null` = pooled across symbols), as one string. */
type CellKey = string;
const POOLED = '\u0000pooled';
/** The symbol's total over every regime (the store's `TOTAL` item), in place of a regime. */
const TOTAL = 'TOTAL';
const cellKey = (symbol: string, regime: RegimeName | typeof TOTAL, arm: ArmId): CellKey =>
  `${symbol}|${regime}|${arm}`;

interface PolicyState {
  policy: Policy;
  rng: Rng;
  cells: Map<CellKey, CellStats>;
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
}

/**
 * Bar times are the candles' own (a CSV's dates), not the service's clock: the replay judges the
 * close against the bars, so only the R and path checks can refuse a simulated reward.
 */
const BACKTEST_PLAUSIBILITY = { ...DEFAULT_PLAUSIBILITY, clockSkewMs: Number.POSITIVE_INFINITY };

/**
 * Replays `candles` bar by bar. At every bar, first the trades that close on it are credited
 * (oldest entry first), then, if the bar carries a signal and a later bar exists, every policy
 * decides:
 *
 * 1. its detector classifies the `lookbackBars` candles ending at the signal bar (`detect`, the
 *    very call the select function makes; no later bar is visible). A series detector's faster
 *    `detectAt` is not used: it reads indicators computed from the first bar of the whole
 *    history, and the recursive ones (ATR, ADX, EMA) then differ in their last digits from the
 *    same indicators started at the window's first bar, which can move a plan's levels. `detect`
 *    costs about 0.05 ms on 500 classic-detector candles, so exactness costs little;
 * 2. its learner chooses among the policy's candidates for the regime (`policyCandidates`) from its own cells for
 *    (symbol, regime) — and the pooled ones when `policy.pooling` — with the policy's seeded RNG;
 * 3. the chosen profile's plan is sized on the regime's `features.atr` at entry = the bar's
 *    close, and replayed with the shared simulator on the following bars.
 *
 * The outcome is known at once but withheld: the learner's `update` gets the realized R only at
 * the close bar. A `fullInformation` policy then also gets, for every other profile, the outcome
 * `counterfactualOutcomes` gives on the trade's path (the bars from entry to its close, as a bot
 * sends it in TradeClosed), marked counterfactual. With `pooling`, the pooled cells get the same
 * updates.
 *
 * When the run includes `static:<strategy>` policies, an `oracle:regime-in-hindsight` result is
 * added: per regime (as `oracleRegimesFrom` detected it), the static strategy with the highest
 * total R over that regime's trades, applied to those trades. By construction its total R is at
 * least every static policy's.
 *
 * A trade still open when the data ends exits at the last close (`end_of_data`) and counts. A
 * signal on the last bar has nothing to trade on and is ignored.
 *
 * Deterministic: the same options give the same result.
 *
 * @throws BacktestInputError when `signals` does not have one value per candle or a setting is not
 *   a positive integer.
 */
export function runBacktest(options: BacktestOptions): BacktestResult {
  const { candles, signals, policies } = options;
  const horizonBars = options.horizonBars ?? DEFAULT_HORIZON_BARS;
  const lookbackBars = options.lookbackBars ?? DEFAULT_LOOKBACK_BARS;
  const seed = options.seed ?? DEFAULT_BACKTEST_SEED;
  const symbol = options.symbol ?? DEFAULT_BACKTEST_SYMBOL;
  validate(options, horizonBars, lookbackBars, seed);

  const states: PolicyState[] = policies.map((policy) => ({
    policy,
    rng: seededRng(policyStreamSeed(seed, policy.name)),
    cells: new Map(),
    closed: [],
    decisions: 0,
    explorations: 0,
    skippedSignals: 0,
    implausibleRewards: 0,
  }));
  const closing = new Map<number, OpenTrade[]>();
  const crediting = new Map<number, OpenTrade[]>();
  const schedule = (when: Map<number, OpenTrade[]>, bar: number, open: OpenTrade) => {
    const list = when.get(bar);
    if (list === undefined) when.set(bar, [open]);
    else list.push(open);
  };
  let signalCount = 0;

  for (let bar = 0; bar < candles.length; bar++) {
    for (const open of closing.get(bar) ?? []) open.state.closed.push(open.trade);
    closing.delete(bar);
    for (const open of crediting.get(bar) ?? []) credit(open, candles, horizonBars, symbol);
    crediting.delete(bar);

    const signal = signals[bar] ?? 0;
    if (signal !== 0 && bar + 1 < candles.length) {
      signalCount++;
      const window = candles.slice(Math.max(0, bar + 1 - lookbackBars), bar + 1);
      for (const state of states) {
        const open = decide(state, { bar, side: signalSide(signal), window, candles, horizonBars, symbol });
        if (open === undefined) continue;
        schedule(closing, open.trade.closeBar, open);
        schedule(crediting, creditBar(open, horizonBars, candles.length), open);
      }
    }
    options.onProgress?.({ bars: bar + 1, totalBars: candles.length });
  }

  const results = states.map((state) => policyResult(state, candles, symbol));
  const oracleRegimesFrom = options.oracleRegimesFrom ?? defaultOracleReference(policies);
  const oracle = hindsightOracle(results, oracleRegimesFrom, candles);
  return {
    bars: candles.length,
    signals: signalCount,
    horizonBars,
    lookbackBars,
    seed,
    symbol,
    policies: oracle === undefined ? results : [...results, oracle.result],
    oracleChoices: oracle?.choices ?? {},
    oracleRegimesFrom: oracle === undefined ? undefined : oracleRegimesFrom,
  };
}

function validate(options: BacktestOptions, horizonBars: number, lookbackBars: number, seed: number): void {
  if (options.signals.length !== options.candles.length) {
    throw new BacktestInputError(
      `signals must have one value per candle (${options.candles.length}), got ${options.signals.length}`,
    );
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
    if (names.has(policy.name) || policy.name === ORACLE_POLICY_NAME) {
      throw new BacktestInputError(`policy name ${policy.name} is used twice`);
    }
    names.add(policy.name);
  }
}

/** Each policy draws from its own stream, so adding a policy to a run changes no other's results. */
function policyStreamSeed(seed: number, name: string): number {
  let hash = 0x811c9dc5; // FNV-1a
  for (let index = 0; index < name.length; index++) {
    hash = Math.imul(hash ^ name.charCodeAt(index), 0x01000193);
  }
  return (hash ^ Math.imul(seed, 0x9e3779b1)) >>> 0;
}

interface DecisionInput {
  bar: number;
  side: Side;
  window: readonly Candle[];
  candles: readonly Candle[];
  horizonBars: number;
  symbol: string;
}

function decide(state: PolicyState, input: DecisionInput): OpenTrade | undefined {
  const { policy } = state;
  const { bar, side, candles } = input;
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
      cells: cellsOf(state, input.symbol, regime.name, framed.candidates),
      pooled: cellsOf(state, POOLED, regime.name, framed.candidates),
      symbolTotal: cellsOf(state, input.symbol, TOTAL, framed.candidates),
    },
    state.rng,
  );
  const arm = getArm(choice.arm);
  const plan = framedPlan(framed, side, arm.id);
  const outcome = simulateTrade({
    side,
    plan,
    bars: candles,
    horizonBars: input.horizonBars,
    startIndex: bar + 1,
  });
  state.decisions++;
  if (choice.explored) state.explorations++;
  return {
    state,
    plan,
    trade: {
      entryBar: bar,
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
      closeBar: bar + 1 + outcome.exitBarIndex,
    },
  };
}

function cellsOf(
  state: PolicyState,
  symbol: string,
  regime: RegimeName | typeof TOTAL,
  arms: readonly ArmId[],
): CellsByArm {
  const cells: CellsByArm = {};
  for (const arm of arms) {
    const cell = state.cells.get(cellKey(symbol, regime, arm));
    if (cell !== undefined) cells[arm] = cell;
  }
  return cells;
}

/**
 * When a trade's reward reaches its policy, as a bot following the API guide publishes it: a
 * full-information policy learns every arm from the path, which must run to the horizon for
 * every arm's outcome to be known, so the bot publishes TradeClosed once `horizonBars` bars have
 * passed after entry (or the data ends), with the path up to then; a policy that learns only
 * the traded arm learns at the close.
 */
function creditBar(open: OpenTrade, horizonBars: number, bars: number): number {
  const { trade } = open;
  if (!open.state.policy.fullInformation) return trade.closeBar;
  return Math.min(bars - 1, Math.max(trade.closeBar, trade.entryBar + horizonBars));
}

/**
 * The reward of a trade, exactly as the reward function applies a TradeClosed event
 * (`creditClosedTrade`, the same plausibility settings' defaults), at its `creditBar`: the
 * traded arm gets the realized R; a full-information policy's other arms get their outcomes on
 * the path (the bars from entry to the credit bar), marked counterfactual, each with its lead
 * over the reference arm; a pooling policy's pooled cells and the symbol's total get the same. A
 * reward the service would refuse as implausible changes no cell here either. The seed's EMA is
 * folded in credit order, as its conditional writes do.
 */
function credit(open: OpenTrade, candles: readonly Candle[], horizonBars: number, symbol: string): void {
  const { state, trade, plan } = open;
  const { policy } = state;
  const bar = creditBar(open, horizonBars, candles.length);
  const at = candles[bar]?.t ?? 0;
  const judged = creditClosedTrade(
    {
      side: trade.side,
      plan,
      arm: trade.arm,
      explored: trade.explored,
      createdAt: candles[trade.entryBar]?.t ?? 0,
    },
    { realizedR: trade.realizedR, closedAt: at, path: candles.slice(trade.entryBar + 1, bar + 1) },
    {
      horizonBars,
      arms: policy.arms,
      fullInformation: policy.fullInformation,
      plausibility: BACKTEST_PLAUSIBILITY,
      now: at,
    },
  );
  if (!judged.plausible) {
    state.implausibleRewards++;
    return;
  }
  const increments = cellIncrements(judged.credits, trade.explored);
  const alpha = policy.learner.emaAlpha;
  const owners: [string, RegimeName | typeof TOTAL][] = policy.pooling
    ? [
        [symbol, trade.regime],
        [POOLED, trade.regime],
        [symbol, TOTAL],
      ]
    : [[symbol, trade.regime]];
  for (const [owner, regime] of owners) {
    for (const [arm, increment] of Object.entries(increments)) {
      if (increment === undefined) continue;
      const key = cellKey(owner, regime, arm);
      const previous = state.cells.get(key);
      const next = addToCell(previous, increment, at);
      if (alpha !== undefined && arm === trade.arm && owner === symbol && regime === trade.regime) {
        next.ema = foldEma(previous, judged.realizedR, alpha);
      }
      state.cells.set(key, next);
    }
  }
}

function policyResult(state: PolicyState, candles: readonly Candle[], symbol: string): PolicyResult {
  const { policy } = state;
  const learned: LearnedCell[] = [];
  const valueRng = seededRng(0);
  for (const regime of REGIMES) {
    const cells = cellsOf(state, symbol, regime, STRATEGY_IDS);
    if (Object.keys(cells).length === 0) continue;
    const offered = new Set(policyCandidates(policy, regime));
    // What the learner would show for every arm now: its own notion of value, not ours.
    const shown = policy.learner.choose({
      regime,
      candidates: STRATEGY_IDS,
      cells,
      ...(policy.pooling ? { pooled: cellsOf(state, POOLED, regime, STRATEGY_IDS) } : {}),
      rng: valueRng,
    }).values;
    for (const strategy of STRATEGY_IDS) {
      const cell = cells[strategy];
      if (cell === undefined) continue;
      learned.push({
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
  return {
    ...tradeFigures(policy.name, state.closed, candles),
    explorationRate: state.decisions === 0 ? 0 : state.explorations / state.decisions,
    skippedSignals: state.skippedSignals,
    implausibleRewards: state.implausibleRewards,
    learned,
  };
}

/** Summary, equity curve and per-regime figures of trades already in close order. */
function tradeFigures(
  name: string,
  trades: BacktestTrade[],
  candles: readonly Candle[],
): Pick<PolicyResult, 'name' | 'summary' | 'trades' | 'equity' | 'regimes'> {
  const equity: EquityPoint[] = [];
  let cumulativeR = 0;
  const byRegime = new Map<RegimeName, number[]>();
  for (const trade of trades) {
    cumulativeR += trade.realizedR;
    equity.push({ bar: trade.closeBar, t: candles[trade.closeBar]?.t ?? 0, cumulativeR });
    const list = byRegime.get(trade.regime);
    if (list === undefined) byRegime.set(trade.regime, [trade.realizedR]);
    else list.push(trade.realizedR);
  }
  const regimes: Partial<Record<RegimeName, PolicySummary>> = {};
  for (const regime of REGIMES) {
    const list = byRegime.get(regime);
    if (list !== undefined) regimes[regime] = summarizeR(list);
  }
  return {
    name,
    summary: summarizeR(trades.map((trade) => trade.realizedR)),
    trades,
    equity,
    regimes,
  };
}

function defaultOracleReference(policies: readonly Policy[]): string | undefined {
  if (policies.some((policy) => policy.name === 'default')) return 'default';
  return policies.find((policy) => !policy.name.startsWith('static:'))?.name;
}

function staticStrategyOf(name: string): StrategyId | undefined {
  return STRATEGY_IDS.find((strategy) => name === `static:${strategy}`);
}

/**
 * The best static strategy per regime, in hindsight. Trades are those every static policy took
 * (all of them, unless a detector found no ATR on some signal); the regime of each is the one the
 * reference policy detected at its signal, or each static's own regime when there is no reference.
 */
function hindsightOracle(
  results: readonly PolicyResult[],
  reference: string | undefined,
  candles: readonly Candle[],
): { result: PolicyResult; choices: Partial<Record<RegimeName, StrategyId>> } | undefined {
  const statics = results.flatMap((result) => {
    const strategy = staticStrategyOf(result.name);
    if (strategy === undefined) return [];
    return [{ strategy, byEntry: new Map(result.trades.map((trade) => [trade.entryBar, trade])) }];
  });
  const [first] = statics;
  if (first === undefined) return undefined;
  const referenceRegimes = new Map(
    (results.find((result) => result.name === reference)?.trades ?? []).map((trade) => [
      trade.entryBar,
      trade.regime,
    ]),
  );

  // entry bar → regime, for the signals every static traded (and the reference, when there is one).
  const signalRegimes = new Map<number, RegimeName>();
  for (const [entryBar, trade] of first.byEntry) {
    if (!statics.every((s) => s.byEntry.has(entryBar))) continue;
    const regime = reference === undefined ? trade.regime : referenceRegimes.get(entryBar);
    if (regime !== undefined) signalRegimes.set(entryBar, regime);
  }

  const totals = new Map<RegimeName, Map<StrategyId, { totalR: number; count: number }>>();
  for (const [entryBar, regime] of signalRegimes) {
    const perStrategy = totals.get(regime) ?? new Map<StrategyId, { totalR: number; count: number }>();
    totals.set(regime, perStrategy);
    for (const { strategy, byEntry } of statics) {
      const realizedR = byEntry.get(entryBar)?.realizedR ?? 0;
      const total = perStrategy.get(strategy) ?? { totalR: 0, count: 0 };
      perStrategy.set(strategy, { totalR: total.totalR + realizedR, count: total.count + 1 });
    }
  }

  const choices: Partial<Record<RegimeName, StrategyId>> = {};
  const learned: LearnedCell[] = [];
  for (const regime of REGIMES) {
    const perStrategy = totals.get(regime);
    if (perStrategy === undefined) continue;
    let best: { strategy: StrategyId; totalR: number } | undefined;
    // Profile order, strictly greater: ties keep the earlier profile.
    for (const strategy of STRATEGY_IDS) {
      const total = perStrategy.get(strategy);
      if (total === undefined) continue;
      if (best === undefined || total.totalR > best.totalR) best = { strategy, totalR: total.totalR };
      const meanR = total.totalR / total.count;
      learned.push({
        regime,
        strategy,
        value: meanR,
        count: total.count,
        realCount: total.count,
        counterfactualCount: 0,
        meanR,
        candidate: true,
      });
    }
    if (best !== undefined) choices[regime] = best.strategy;
  }

  const trades: BacktestTrade[] = [];
  for (const [entryBar, regime] of signalRegimes) {
    const strategy = choices[regime];
    const chosen = statics.find((s) => s.strategy === strategy)?.byEntry.get(entryBar);
    if (chosen === undefined) continue;
    trades.push({ ...chosen, regime, explored: false, propensity: 1 });
  }
  trades.sort((a, b) => a.closeBar - b.closeBar || a.entryBar - b.entryBar);
  return {
    result: {
      ...tradeFigures(ORACLE_POLICY_NAME, trades, candles),
      explorationRate: 0,
      skippedSignals: 0,
      implausibleRewards: 0,
      learned,
    },
    choices,
  };
}
