/**
 * The figures a backtest reports per policy, from the realized R of its trades in the order they
 * closed.
 */

/** Exactly the per-policy figures of the backtest's JSON report. */
export interface PolicySummary {
  trades: number;
  /** Mean realized R per trade; 0 with no trades. */
  meanR: number;
  totalR: number;
  /** Fraction of trades with a realized R above 0; 0 with no trades. */
  winRate: number;
  /** Largest fall of cumulative R from a previous peak (0 included as the starting peak); ≥ 0. */
  maxDrawdownR: number;
}

/**
 * Peak-to-trough of the cumulative R, in trade-close order. The curve starts at 0 before the
 * first trade, so a first losing streak counts as drawdown.
 */
export function maxDrawdownR(realizedR: readonly number[]): number {
  let cumulative = 0;
  let peak = 0;
  let drawdown = 0;
  for (const r of realizedR) {
    cumulative += r;
    if (cumulative > peak) peak = cumulative;
    if (peak - cumulative > drawdown) drawdown = peak - cumulative;
  }
  return drawdown;
}

/** Trades, mean R, total R, win rate and max drawdown of R multiples given in trade-close order. */
export function summarizeR(realizedR: readonly number[]): PolicySummary {
  const trades = realizedR.length;
  let totalR = 0;
  let wins = 0;
  for (const r of realizedR) {
    totalR += r;
    if (r > 0) wins++;
  }
  return {
    trades,
    meanR: trades === 0 ? 0 : totalR / trades,
    totalR,
    winRate: trades === 0 ? 0 : wins / trades,
    maxDrawdownR: maxDrawdownR(realizedR),
  };
}
