import { REGIMES, type RegimeName, SIDES, type Side } from '../types';
import { type PolicySummary, summarizeR } from './metrics';
import type { BacktestTrade, EquityPoint, PolicyResult } from './result';

/** The figures of a list of trades, whole and broken down, as every report shows them. */

/** The signal a trade was entered on: the key that pairs two policies' trades. */
export const signalKey = (trade: Pick<BacktestTrade, 'symbol' | 'entryBar'>): string =>
  `${trade.symbol}\u0000${trade.entryBar}`;

/**
 * Orders trades as the replay closes them: by close time, then entry time, then symbol order.
 * `symbolOrder` maps a symbol to its place in the run.
 */
export function closeOrder(symbolOrder: ReadonlyMap<string, number>) {
  return (a: BacktestTrade, b: BacktestTrade): number =>
    a.closeT - b.closeT ||
    a.entryT - b.entryT ||
    (symbolOrder.get(a.symbol) ?? 0) - (symbolOrder.get(b.symbol) ?? 0);
}

export type TradeFigures = Pick<
  PolicyResult,
  'summary' | 'equity' | 'regimes' | 'symbols' | 'sides' | 'years'
>;

/**
 * Summary, equity curve and breakdowns of `trades` (in close order). Regimes are those of
 * `regimeOf` (the run's one regime definition); a trade it does not know is left out of them.
 */
export function tradeFigures(
  trades: readonly BacktestTrade[],
  symbols: readonly string[],
  regimeOf: (trade: BacktestTrade) => RegimeName | undefined,
): TradeFigures {
  const equity: EquityPoint[] = [];
  let cumulativeR = 0;
  const byRegime = new Map<RegimeName, number[]>();
  const bySymbol = new Map<string, number[]>(symbols.map((symbol) => [symbol, []]));
  const bySide = new Map<Side, number[]>();
  const byYear = new Map<string, number[]>();
  const push = <K>(map: Map<K, number[]>, key: K, r: number) => {
    const list = map.get(key);
    if (list === undefined) map.set(key, [r]);
    else list.push(r);
  };
  for (const trade of trades) {
    const r = trade.realizedR;
    cumulativeR += r;
    equity.push({ t: trade.closeT, cumulativeR });
    const regime = regimeOf(trade);
    if (regime !== undefined) push(byRegime, regime, r);
    push(bySymbol, trade.symbol, r);
    push(bySide, trade.side, r);
    push(byYear, String(new Date(trade.closeT).getUTCFullYear()), r);
  }
  const regimes: Partial<Record<RegimeName, PolicySummary>> = {};
  for (const regime of REGIMES) {
    const list = byRegime.get(regime);
    if (list !== undefined) regimes[regime] = summarizeR(list);
  }
  const sides: Partial<Record<Side, PolicySummary>> = {};
  for (const side of SIDES) {
    const list = bySide.get(side);
    if (list !== undefined) sides[side] = summarizeR(list);
  }
  return {
    summary: summarizeR(trades.map((trade) => trade.realizedR)),
    equity,
    regimes,
    symbols: Object.fromEntries([...bySymbol].map(([symbol, list]) => [symbol, summarizeR(list)])),
    sides,
    years: Object.fromEntries(
      [...byYear].sort(([a], [b]) => a.localeCompare(b)).map(([year, list]) => [year, summarizeR(list)]),
    ),
  };
}
