/**
 * The project's learner: trade the strategy whose path reveals every other one (the anchor), and
 * leave it only for a strategy that has beaten it with evidence.
 *
 * Why this shape (measured on the bundled daily series and on resampled, inverted, reversed and
 * synthetic 15m/1h/daily series; see the README's "Learning" section):
 * - One trade's R has a spread of about 1.3 R while the profiles' mean R differ by a few hundredths,
 *   so chasing the best running mean (or an EMA of single trades) switches on noise, and every
 *   switch to a short profile also cuts the other profiles' counterfactual outcomes at its close.
 *   Trading the anchor keeps every arm's counterfactual complete: full information at no cost.
 * - A challenger replaces the anchor only when its lower confidence bound (mean − z·sd/√n) clears
 *   the anchor's upper one (mean + z·sd/√n), so a cell leaves the anchor where a regime really
 *   differs and comes back when the lead fades.
 * - A symbol's own cell is shrunk toward the same regime's mean on the other symbols (the pooled
 *   cell less this symbol's share), worth at most `poolPriorTrades` trades: a new symbol starts from
 *   what the regime taught elsewhere and its own evidence takes over as it grows.
 * - Exploration is uniform with probability ε, only where it informs (the deployment's rewards carry
 *   no path, so a trade teaches only its own arm) and never in HIGH_VOLATILITY or ILLIQUID unless
 *   configured. Propensities are exact.
 */
import type { ArmId } from '../arms';
import type { RegimeName, StrategyId } from '../types';
import { NoCandidatesError } from './epsilon-greedy';
import type { ArmValue, CellStats, Choice, ChooseInput, Learner } from './learner';
import { revealOrder } from './reveal-order';

export interface AnchoredLearnerOptions {
  /** Width, in standard errors, of the confidence bounds a challenger must clear. */
  confidenceZ: number;
  /** Standard deviation of one trade's R assumed by the bounds (the cells keep no second moment). */
  rewardSdR: number;
  /** A challenger needs at least this much evidence (own trades + pooled prior weight). */
  minEvidenceTrades: number;
  /** Most trades the other symbols' mean for the regime counts as, in a symbol's value. */
  poolPriorTrades: number;
  /** Probability of a uniform exploration draw in regimes where exploring is allowed, in [0, 1]. */
  epsilon: number;
  /** Regimes in which the learner never explores. */
  noExplorationRegimes: readonly RegimeName[];
  /** Strategies by how much their trade's path reveals, most first. Default: {@link revealOrder}. */
  revealOrder?: readonly StrategyId[];
}

export const DEFAULT_ANCHORED_OPTIONS: Readonly<AnchoredLearnerOptions> = Object.freeze({
  confidenceZ: 2,
  rewardSdR: 1,
  minEvidenceTrades: 20,
  poolPriorTrades: 20,
  epsilon: 0,
  noExplorationRegimes: Object.freeze(['HIGH_VOLATILITY', 'ILLIQUID'] as const),
});

/** What a learner knows of one arm: its evidence in trades and the mean R of that evidence. */
export interface ArmEvidence {
  /** Own rewards plus the weight given to the other symbols' mean. */
  trades: number;
  /** Mean R of the evidence; 0 when there is none. */
  meanR: number;
}

/**
 * The evidence for one arm of a (symbol, regime) cell: its own rewards, shrunk toward the mean of
 * the same regime on the other symbols. `pooled` includes this symbol's own rewards (every reward
 * is written to both), so they are taken out first; the rest counts as at most `poolPriorTrades`
 * trades: value = (n·own + k·others) / (n + k).
 */
export function armEvidence(
  own: CellStats | undefined,
  pooled: CellStats | undefined,
  poolPriorTrades: number,
): ArmEvidence {
  const ownTrades = own?.count ?? 0;
  const ownSum = own?.sum ?? 0;
  const otherTrades = Math.max(0, (pooled?.count ?? 0) - ownTrades);
  const otherMean = otherTrades > 0 ? ((pooled?.sum ?? 0) - ownSum) / otherTrades : 0;
  const priorTrades = Math.min(poolPriorTrades, otherTrades);
  const trades = ownTrades + priorTrades;
  return { trades, meanR: trades > 0 ? (ownSum + priorTrades * otherMean) / trades : 0 };
}

/**
 * Creates the anchored learner (defaults: {@link DEFAULT_ANCHORED_OPTIONS}).
 *
 * Choice among the candidates: the anchor is the candidate that comes first in `revealOrder`. A
 * challenger with at least `minEvidenceTrades` of evidence is chosen instead when
 * meanR − z·sd/√trades exceeds the anchor's meanR + z·sd/√trades (an anchor without evidence counts
 * as 0 R over one trade); among several, the highest lower bound wins, ties in candidate order.
 * With ε > 0 (and a regime that allows exploring), a uniform draw replaces that choice with
 * probability ε. Each choice consumes exactly two numbers from `rng`.
 *
 * `values` shows each candidate's evidence mean and its own cell's count; `propensity` is the exact
 * probability of the chosen arm, (1 − ε)·[exploit arm] + ε/#candidates.
 */
export function createAnchoredLearner(options: Partial<AnchoredLearnerOptions> = {}): Learner {
  const settings = { ...DEFAULT_ANCHORED_OPTIONS, ...definedOnly(options) };
  const { confidenceZ, rewardSdR, minEvidenceTrades, poolPriorTrades, epsilon } = settings;
  if (!(confidenceZ >= 0 && Number.isFinite(confidenceZ)))
    throw new RangeError(`confidenceZ must be a finite number ≥ 0 (got ${confidenceZ})`);
  if (!(rewardSdR > 0 && Number.isFinite(rewardSdR)))
    throw new RangeError(`rewardSdR must be a positive finite number (got ${rewardSdR})`);
  if (!(minEvidenceTrades >= 0))
    throw new RangeError(`minEvidenceTrades must be ≥ 0 (got ${minEvidenceTrades})`);
  if (!(poolPriorTrades >= 0)) throw new RangeError(`poolPriorTrades must be ≥ 0 (got ${poolPriorTrades})`);
  if (!(epsilon >= 0 && epsilon <= 1)) throw new RangeError(`epsilon must be in [0, 1] (got ${epsilon})`);
  const order = settings.revealOrder ?? revealOrder();
  const calm =
    settings.noExplorationRegimes.length === 0 ? 'all' : `not ${settings.noExplorationRegimes.join('/')}`;
  const policy =
    `default:anchored(z=${confidenceZ},sd=${rewardSdR},minEvidence=${minEvidenceTrades},` +
    `poolPrior=${poolPriorTrades},eps=${epsilon} ${calm},anchor=${order[0] ?? 'none'})`;
  const margin = (trades: number) => (confidenceZ * rewardSdR) / Math.sqrt(trades);

  return {
    policy,

    choose({ regime, candidates: given, cells, pooled, rng }: ChooseInput): Choice {
      const candidates = [...new Set(given)];
      const first = candidates[0];
      if (first === undefined) throw new NoCandidatesError(regime);
      const evidence = new Map<ArmId, ArmEvidence>();
      const values: Partial<Record<ArmId, ArmValue>> = {};
      for (const strategy of candidates) {
        const arm = armEvidence(cells[strategy], pooled?.[strategy], poolPriorTrades);
        evidence.set(strategy, arm);
        values[strategy] = { value: arm.meanR, count: cells[strategy]?.count ?? 0 };
      }

      const anchor = order.find((strategy) => candidates.includes(strategy)) ?? first;
      const anchorArm = evidence.get(anchor);
      const anchorUpper =
        anchorArm !== undefined && anchorArm.trades > 0
          ? anchorArm.meanR + margin(anchorArm.trades)
          : margin(1);
      let exploit = anchor;
      let bestLower = anchorUpper;
      for (const strategy of candidates) {
        const arm = evidence.get(strategy);
        if (strategy === anchor || arm === undefined || arm.trades === 0 || arm.trades < minEvidenceTrades)
          continue;
        const lower = arm.meanR - margin(arm.trades);
        if (lower > bestLower) {
          bestLower = lower;
          exploit = strategy;
        }
      }

      const exploreProbability = settings.noExplorationRegimes.includes(regime) ? 0 : epsilon;
      const exploring = rng() < exploreProbability;
      const drawn = candidates[Math.min(candidates.length - 1, Math.floor(rng() * candidates.length))];
      const strategy = exploring && drawn !== undefined ? drawn : exploit;
      const probabilities: Choice['probabilities'] = {};
      for (const candidate of candidates) {
        probabilities[candidate] =
          (candidate === exploit ? 1 - exploreProbability : 0) + exploreProbability / candidates.length;
      }
      const explored = exploring && strategy !== exploit;
      const chosen = evidence.get(exploit);
      return {
        arm: strategy,
        explored,
        propensity: probabilities[strategy] ?? 0,
        probabilities,
        values,
        reason: explored
          ? `${strategy} drawn to explore (probability ${exploreProbability})`
          : exploit === anchor
            ? `${anchor} kept: no candidate's lower bound clears its upper bound ${fixed(anchorUpper)} R`
            : `${exploit} chosen: its lower bound ${fixed(bestLower)} R over ${fixed(chosen?.trades ?? 0)} trades clears ${anchor}'s upper bound ${fixed(anchorUpper)} R`,
        policy,
      };
    },
  };
}

function fixed(value: number): string {
  return Number(value.toFixed(3)).toString();
}

/** So that an option passed as `undefined` (an unset config value) keeps its default. */
function definedOnly<T extends object>(options: T): Partial<T> {
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)) as Partial<T>;
}
