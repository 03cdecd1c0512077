import type { ArmId } from '../arms';
import type { ExitPlan } from '../exit-plan';
import { addToCell, foldEma } from '../learners/cell-stats';
import type { CellStats, CellsByArm } from '../learners/learner';
import { DEFAULT_PLAUSIBILITY } from '../plausibility';
import type { Policy } from '../policy';
import { cellIncrements, creditClosedTrade } from '../reward-credit';
import type { Bar } from '../simulator';
import type { RegimeName, Side } from '../types';

/**
 * The backtest's learner cells and the one function that credits a closed trade to them, through
 * the service's credit core (`reward-credit.ts`): every cell change of a backtest goes through
 * {@link creditBacktestTrade}, so the replay teaches its cells exactly what the reward function
 * teaches the table.
 */

/** In place of a regime: the symbol's total over every regime (the store's `TOTAL` item). */
export const ALL_REGIMES = 'TOTAL';
type CellRegime = RegimeName | typeof ALL_REGIMES;

/**
 * Keyed like the store's items: a symbol's (regime, arm) cells, the regime's pooled ones, and
 * the symbol's totals over every regime.
 */
export class MemoryCells {
  readonly #cells = new Map<string, CellStats>();

  /** `symbol: null` reads the regime's cells pooled across symbols. */
  get(symbol: string | null, regime: CellRegime, arm: ArmId): CellStats | undefined {
    return this.#cells.get(cellKey(symbol, regime, arm));
  }

  set(symbol: string | null, regime: CellRegime, arm: ArmId, cell: CellStats): void {
    this.#cells.set(cellKey(symbol, regime, arm), cell);
  }

  /** The cells of `arms` that exist, as a learner's `choose` reads them. */
  read(symbol: string | null, regime: CellRegime, arms: readonly ArmId[]): CellsByArm {
    const cells: CellsByArm = {};
    for (const arm of arms) {
      const cell = this.get(symbol, regime, arm);
      if (cell !== undefined) cells[arm] = cell;
    }
    return cells;
  }
}

// No symbol can hold a NUL, so the pooled owner cannot collide with a real one.
const cellKey = (symbol: string | null, regime: CellRegime, arm: ArmId) =>
  `${symbol ?? '\u0000pooled'}|${regime}|${arm}`;

/**
 * Bar times are the candles' own (a CSV's dates), not the service's clock: the replay judges the
 * close against the bars, so only the R and path checks can refuse a simulated reward.
 */
const BACKTEST_PLAUSIBILITY = { ...DEFAULT_PLAUSIBILITY, clockSkewMs: Number.POSITIVE_INFINITY };

/** What a backtest knows of a trade when it closes: its decision, its outcome and its path. */
export interface ClosedBacktestTrade {
  symbol: string;
  regime: RegimeName;
  /** The arm traded. */
  arm: ArmId;
  side: Side;
  plan: ExitPlan;
  explored: boolean;
  /** Epoch milliseconds of the signal bar (the decision's time). */
  decidedAt: number;
  realizedR: number;
  /** Epoch milliseconds of the close bar. */
  closedAt: number;
  /** The candles after entry up to the credit bar, as a TradeClosed event's `path` carries them. */
  path: readonly Bar[];
  horizonBars: number;
}

/**
 * Credits one closed trade to a policy's cells, exactly as the reward function applies a
 * TradeClosed event with a `path` (`creditClosedTrade`, the plausibility settings' defaults):
 * the traded arm gets the realized R; a full-information policy's other arms get their outcomes
 * on the path (those it determines), marked counterfactual, with their leads over the reference
 * arm; a pooling policy's pooled cells and the symbol's totals get the same. A reward the
 * service would refuse as implausible changes no cell. The seed's EMA is folded in close order,
 * as its conditional writes do.
 *
 * @returns whether the reward was credited (false: refused as implausible).
 */
export function creditBacktestTrade(
  cells: MemoryCells,
  policy: Pick<Policy, 'learner' | 'fullInformation' | 'pooling' | 'arms'>,
  trade: ClosedBacktestTrade,
): boolean {
  const judged = creditClosedTrade(
    {
      side: trade.side,
      plan: trade.plan,
      arm: trade.arm,
      explored: trade.explored,
      createdAt: trade.decidedAt,
    },
    { realizedR: trade.realizedR, closedAt: trade.closedAt, path: trade.path },
    {
      horizonBars: trade.horizonBars,
      arms: policy.arms,
      fullInformation: policy.fullInformation,
      plausibility: BACKTEST_PLAUSIBILITY,
      now: trade.closedAt,
    },
  );
  if (!judged.plausible) return false;
  const increments = cellIncrements(judged.credits, trade.explored);
  const alpha = policy.learner.emaAlpha;
  const owners: [string | null, CellRegime][] = policy.pooling
    ? [
        [trade.symbol, trade.regime],
        [null, trade.regime],
        [trade.symbol, ALL_REGIMES],
      ]
    : [[trade.symbol, trade.regime]];
  for (const [owner, regime] of owners) {
    for (const [arm, increment] of Object.entries(increments)) {
      if (increment === undefined) continue;
      const previous = cells.get(owner, regime, arm);
      const next = addToCell(previous, increment, trade.closedAt);
      if (alpha !== undefined && arm === trade.arm && owner !== null && regime === trade.regime) {
        next.ema = foldEma(previous, judged.realizedR, alpha);
      }
      cells.set(owner, regime, arm, next);
    }
  }
  return true;
}
