import { REGIMES, type RegimeName, STRATEGY_IDS, type StrategyId } from '../types';
import type { BacktestTrade, LearnedCell } from './result';
import { signalKey } from './trade-figures';

/**
 * Comparators built from the static policies' trades, which the backtest knows for every signal:
 * the walk-forward best static (causal: what a trader choosing by hand would have traded) and the
 * regime oracle (in hindsight: an upper bound no causal learner reaches).
 */

export const WALK_FORWARD_POLICY_NAME = 'walkforward:best-static';
export const ORACLE_POLICY_NAME = 'oracle:regime-in-hindsight';

/** One static policy's trades. */
export interface StaticTrades {
  strategy: StrategyId;
  trades: readonly BacktestTrade[];
}

/** The static policies' trades by signal, on the signals every static traded. */
function commonSignals(statics: readonly StaticTrades[]): Map<string, Map<StrategyId, BacktestTrade>> {
  const bySignal = new Map<string, Map<StrategyId, BacktestTrade>>();
  for (const { strategy, trades } of statics) {
    for (const trade of trades) {
      const key = signalKey(trade);
      const row = bySignal.get(key) ?? new Map<StrategyId, BacktestTrade>();
      bySignal.set(key, row);
      row.set(strategy, trade);
    }
  }
  for (const [key, row] of bySignal) if (row.size !== statics.length) bySignal.delete(key);
  return bySignal;
}

/** Static policies in profile order, so that every tie goes to the earlier profile. */
function inProfileOrder(statics: readonly StaticTrades[]): StaticTrades[] {
  return [...statics].sort((a, b) => STRATEGY_IDS.indexOf(a.strategy) - STRATEGY_IDS.indexOf(b.strategy));
}

/**
 * The walk-forward best static: at each signal (entry order, then symbol order), the static
 * profile with the best mean R over its trades closed so far on the whole portfolio (closed at or
 * before the signal's bar, as rewards reach the learners before that bar's decisions), and that
 * profile's trade on the signal. Ties, and a first signal with nothing closed yet, go to the
 * earlier profile in profile order; a profile with no closed trade yet is not a candidate while
 * another has one. Only the signals every static traded are used.
 */
export function walkForwardBestStatic(
  statics: readonly StaticTrades[],
  symbolOrder: ReadonlyMap<string, number>,
): BacktestTrade[] {
  const ordered = inProfileOrder(statics);
  const bySignal = commonSignals(ordered);
  const signals = [...bySignal.values()]
    .map((row) => ({ row, first: row.values().next().value as BacktestTrade }))
    .sort(
      (a, b) =>
        a.first.entryT - b.first.entryT ||
        (symbolOrder.get(a.first.symbol) ?? 0) - (symbolOrder.get(b.first.symbol) ?? 0),
    );
  const closes = [...bySignal.values()]
    .flatMap((row) => [...row])
    .sort(([, a], [, b]) => a.closeT - b.closeT);
  const totals = new Map<StrategyId, { sum: number; count: number }>(
    ordered.map(({ strategy }) => [strategy, { sum: 0, count: 0 }]),
  );

  const chosen: BacktestTrade[] = [];
  let next = 0;
  for (const { row, first } of signals) {
    for (
      ;
      next < closes.length && (closes[next]?.[1].closeT ?? Number.POSITIVE_INFINITY) <= first.entryT;
      next++
    ) {
      const [strategy, trade] = closes[next] ?? [];
      const total = strategy === undefined ? undefined : totals.get(strategy);
      if (total === undefined || trade === undefined) continue;
      total.sum += trade.realizedR;
      total.count += 1;
    }
    let best: { strategy: StrategyId; meanR: number } | undefined;
    for (const { strategy } of ordered) {
      const total = totals.get(strategy);
      if (total === undefined || total.count === 0) continue;
      const meanR = total.sum / total.count;
      if (best === undefined || meanR > best.meanR) best = { strategy, meanR };
    }
    const strategy = best?.strategy ?? ordered[0]?.strategy;
    const trade = strategy === undefined ? undefined : row.get(strategy);
    if (trade !== undefined) chosen.push({ ...trade, explored: false, propensity: 1 });
  }
  return chosen;
}

/**
 * The best static strategy per regime, in hindsight, applied to that regime's signals. Signals are
 * those every static traded; the regime of each is `regimeOf` (the run's regime definition), and
 * a signal it does not know is left out. Per regime, the static with the highest total R wins
 * (ties: the earlier profile). `learned` holds each static's mean R per regime.
 */
export function hindsightOracle(
  statics: readonly StaticTrades[],
  regimeOf: (trade: BacktestTrade) => RegimeName | undefined,
): { trades: BacktestTrade[]; choices: Partial<Record<RegimeName, StrategyId>>; learned: LearnedCell[] } {
  const ordered = inProfileOrder(statics);
  const signalRegimes: { row: Map<StrategyId, BacktestTrade>; regime: RegimeName }[] = [];
  for (const row of commonSignals(ordered).values()) {
    const first = row.values().next().value;
    const regime = first === undefined ? undefined : regimeOf(first);
    if (regime !== undefined) signalRegimes.push({ row, regime });
  }

  const totals = new Map<RegimeName, Map<StrategyId, { totalR: number; count: number }>>();
  for (const { row, regime } of signalRegimes) {
    const perStrategy = totals.get(regime) ?? new Map<StrategyId, { totalR: number; count: number }>();
    totals.set(regime, perStrategy);
    for (const [strategy, trade] of row) {
      const total = perStrategy.get(strategy) ?? { totalR: 0, count: 0 };
      perStrategy.set(strategy, { totalR: total.totalR + trade.realizedR, count: total.count + 1 });
    }
  }

  const choices: Partial<Record<RegimeName, StrategyId>> = {};
  const learned: LearnedCell[] = [];
  for (const regime of REGIMES) {
    const perStrategy = totals.get(regime);
    if (perStrategy === undefined) continue;
    let best: { strategy: StrategyId; totalR: number } | undefined;
    for (const { strategy } of ordered) {
      const total = perStrategy.get(strategy);
      if (total === undefined) continue;
      if (best === undefined || total.totalR > best.totalR) best = { strategy, totalR: total.totalR };
      const meanR = total.totalR / total.count;
      learned.push({
        symbol: null,
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
  for (const { row, regime } of signalRegimes) {
    const strategy = choices[regime];
    const chosen = strategy === undefined ? undefined : row.get(strategy);
    if (chosen !== undefined) trades.push({ ...chosen, regime, explored: false, propensity: 1 });
  }
  return { trades, choices, learned };
}
