import { counterfactualOutcomes } from '../counterfactual';
import type { CellStats, CellsByStrategy } from '../learners/learner';
import type { Policy } from '../policy';
import type { Bar } from '../simulator';
import { type RegimeName, type Side, STRATEGY_IDS, type StrategyId } from '../types';

/**
 * The backtest's learner cells and the one function that credits a closed trade to them. Every
 * cell change of a backtest goes through {@link creditClosedTrade}, so that it can be replaced by
 * the reward use case's own credit step without touching the replay.
 */

/** Keyed like the store's items: a symbol's (regime, strategy) cells, and the regime's pooled ones. */
export class MemoryCells {
  readonly #cells = new Map<string, CellStats>();

  /** `symbol: null` reads the regime's cells pooled across symbols. */
  get(symbol: string | null, regime: RegimeName, strategy: StrategyId): CellStats | undefined {
    return this.#cells.get(cellKey(symbol, regime, strategy));
  }

  set(symbol: string | null, regime: RegimeName, strategy: StrategyId, cell: CellStats): void {
    this.#cells.set(cellKey(symbol, regime, strategy), cell);
  }

  /** The cells of `strategies` that exist, as a learner's `choose` reads them. */
  read(symbol: string | null, regime: RegimeName, strategies: readonly StrategyId[]): CellsByStrategy {
    const cells: CellsByStrategy = {};
    for (const strategy of strategies) {
      const cell = this.get(symbol, regime, strategy);
      if (cell !== undefined) cells[strategy] = cell;
    }
    return cells;
  }
}

// No symbol can hold a NUL, so the pooled owner cannot collide with a real one.
const cellKey = (symbol: string | null, regime: RegimeName, strategy: StrategyId) =>
  `${symbol ?? '\u0000pooled'}|${regime}|${strategy}`;

/** What a backtest knows of a trade when it closes: its decision, its outcome and its path. */
export interface ClosedTrade {
  symbol: string;
  regime: RegimeName;
  strategy: StrategyId;
  side: Side;
  entry: number;
  /** The ATR the trade's plan was sized on. */
  atr: number;
  realizedR: number;
  /** Epoch milliseconds of the close bar. */
  at: number;
  /** The candles after entry up to the close bar, as a TradeClosed event's `path` carries them. */
  path: readonly Bar[];
  horizonBars: number;
}

/**
 * Credits one closed trade to a policy's cells, as the reward function applies a TradeClosed
 * event with a `path`: the traded cell gets the realized R; a full-information policy's other
 * arms get their outcomes on the path, marked counterfactual; a pooling policy's pooled cells
 * get the same rewards.
 */
export function creditClosedTrade(
  cells: MemoryCells,
  policy: Pick<Policy, 'learner' | 'fullInformation' | 'pooling'>,
  trade: ClosedTrade,
): void {
  const owners = policy.pooling ? [trade.symbol, null] : [trade.symbol];
  const apply = (strategy: StrategyId, realizedR: number, counterfactual: boolean) => {
    for (const owner of owners) {
      const previous = cells.get(owner, trade.regime, strategy);
      const next = policy.learner.update(previous, { realizedR, at: trade.at, counterfactual });
      cells.set(owner, trade.regime, strategy, next);
    }
  };
  apply(trade.strategy, trade.realizedR, false);
  if (!policy.fullInformation) return;
  const outcomes = counterfactualOutcomes({
    side: trade.side,
    entry: trade.entry,
    atr: trade.atr,
    path: trade.path,
    horizonBars: trade.horizonBars,
  });
  for (const strategy of STRATEGY_IDS) {
    if (strategy !== trade.strategy) apply(strategy, outcomes[strategy].realizedR, true);
  }
}
