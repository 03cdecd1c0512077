import type { CellReward, CellStats } from './learner';

/** The stats of a cell that has never been rewarded. */
export function emptyCellStats(): CellStats {
  return {
    count: 0,
    realCount: 0,
    counterfactualCount: 0,
    sum: 0,
    mean: 0,
    ema: 0,
    lastReward: 0,
    wins: 0,
    losses: 0,
    totalR: 0,
    lastUpdate: 0,
  };
}

/**
 * Folds one reward into a cell and returns the new stats; `previous` is never modified.
 * The first reward sets the EMA (so that an early value is not dragged toward 0); every later
 * one moves it by `alpha`: ema = (1 − alpha)·ema + alpha·r. A reward of exactly 0 is neither a
 * win nor a loss. `lastUpdate` keeps the latest time seen, so a late-arriving older reward does not
 * move it back.
 * @throws RangeError when the reward is not a finite number or alpha is outside (0, 1]: one NaN
 * would poison the cell's sum and EMA for good.
 */
export function updateCellStats(
  previous: CellStats | undefined,
  reward: CellReward,
  alpha: number,
): CellStats {
  const r = reward.realizedR;
  if (!Number.isFinite(r)) throw new RangeError(`realizedR must be a finite number (got ${r})`);
  if (!(alpha > 0 && alpha <= 1)) throw new RangeError(`alpha must be in (0, 1] (got ${alpha})`);
  const cell = previous ?? emptyCellStats();
  const count = cell.count + 1;
  const sum = cell.sum + r;
  return {
    count,
    realCount: cell.realCount + (reward.counterfactual ? 0 : 1),
    counterfactualCount: cell.counterfactualCount + (reward.counterfactual ? 1 : 0),
    sum,
    mean: sum / count,
    ema: cell.count === 0 ? r : (1 - alpha) * cell.ema + alpha * r,
    lastReward: r,
    wins: cell.wins + (r > 0 ? 1 : 0),
    losses: cell.losses + (r < 0 ? 1 : 0),
    totalR: cell.totalR + r,
    lastUpdate: Math.max(cell.lastUpdate, reward.at),
  };
}
