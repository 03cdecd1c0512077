import type { ExitPlan } from '../exit-plan';
import { addToCell, foldEma } from '../learners/cell-stats';
import type { CellStats, CellsByStrategy } from '../learners/learner';
import { DEFAULT_PLAUSIBILITY } from '../plausibility';
import type { Policy } from '../policy';
import { cellIncrements, creditClosedTrade } from '../reward-credit';
import type { Bar } from '../simulator';
import type { RegimeName, Side, StrategyId } from '../types';

/**
 * The backtest's learner cells and the one function that credits a closed trade to them, through
 * the service's credit core (`reward-credit.ts`): every cell change of a backtest goes through
 * {@link creditBacktestTrade}, so the replay teaches its cells exactly what the reward function
 * teaches the table.
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

/**
 * Bar times are the candles' own (a CSV's dates), not the service's clock: the replay judges the
 * close against the bars, so only the R and path checks can refuse a simulated reward.
 */
const BACKTEST_PLAUSIBILITY = { ...DEFAULT_PLAUSIBILITY, clockSkewMs: Number.POSITIVE_INFINITY };

/** What a backtest knows of a trade when it closes: its decision, its outcome and its path. */
export interface ClosedBacktestTrade {
  symbol: string;
  regime: RegimeName;
  strategy: StrategyId;
  side: Side;
  plan: ExitPlan;
  explored: boolean;
  /** Epoch milliseconds of the signal bar (the decision's time). */
  decidedAt: number;
  realizedR: number;
  /** Epoch milliseconds of the close bar. */
  closedAt: number;
  /** The candles after entry up to the close bar, as a TradeClosed event's `path` carries them. */
  path: readonly Bar[];
  horizonBars: number;
}

/**
 * Credits one closed trade to a policy's cells, exactly as the reward function applies a
 * TradeClosed event with a `path` (`creditClosedTrade`, the plausibility settings' defaults):
 * the traded cell gets the realized R; a full-information policy's other arms get their outcomes
 * on the path, marked counterfactual; a pooling policy's pooled cells get the same. A reward the
 * service would refuse as implausible changes no cell. The seed's EMA is folded in close order,
 * as its conditional writes do.
 *
 * @returns whether the reward was credited (false: refused as implausible).
 */
export function creditBacktestTrade(
  cells: MemoryCells,
  policy: Pick<Policy, 'learner' | 'fullInformation' | 'pooling'>,
  trade: ClosedBacktestTrade,
): boolean {
  const judged = creditClosedTrade(
    {
      side: trade.side,
      plan: trade.plan,
      strategy: trade.strategy,
      explored: trade.explored,
      createdAt: trade.decidedAt,
    },
    { realizedR: trade.realizedR, closedAt: trade.closedAt, path: trade.path },
    {
      horizonBars: trade.horizonBars,
      fullInformation: policy.fullInformation,
      plausibility: BACKTEST_PLAUSIBILITY,
      now: trade.closedAt,
    },
  );
  if (!judged.plausible) return false;
  const increments = cellIncrements(judged.credits, trade.explored);
  const alpha = policy.learner.emaAlpha;
  for (const owner of policy.pooling ? [trade.symbol, null] : [trade.symbol]) {
    for (const [strategy, increment] of Object.entries(increments) as [
      StrategyId,
      (typeof increments)[StrategyId],
    ][]) {
      if (increment === undefined) continue;
      const previous = cells.get(owner, trade.regime, strategy);
      const next = addToCell(previous, increment, trade.closedAt);
      if (alpha !== undefined && strategy === trade.strategy && owner !== null) {
        next.ema = foldEma(previous, judged.realizedR, alpha);
      }
      cells.set(owner, trade.regime, strategy, next);
    }
  }
  return true;
}
