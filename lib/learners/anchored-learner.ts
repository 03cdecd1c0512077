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
import type { ArmValue, CandidateEvidence, CellStats, Choice, ChooseInput, Learner } from './learner';
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
 * probability of the chosen arm, (1 − ε)·[exploit arm] + ε/#candidates. `evidence` gives every
 * candidate's mean, trades (own and pooled) and bounds, and for each challenger how many more trades
 * it would need at its current lead; `reason` says in one sentence why the strategy was chosen.
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
      const explained = explain({
        candidates,
        anchor,
        exploit,
        evidence,
        cells,
        pooled,
        margin,
        minEvidenceTrades,
      });
      const explored = exploring && strategy !== exploit;
      return {
        arm: strategy,
        explored,
        propensity: probabilities[strategy] ?? 0,
        probabilities,
        values,
        policy,
        reason: explored
          ? `Explored ${strategy}, a uniform draw taken with probability ${exploreProbability}, instead of ${exploit}.`
          : explained.reason,
        evidence: explained.evidence,
      };
    },
  };
}

interface ExplainInput {
  candidates: readonly ArmId[];
  anchor: ArmId;
  exploit: ArmId;
  evidence: ReadonlyMap<ArmId, ArmEvidence>;
  cells: ChooseInput['cells'];
  pooled: ChooseInput['pooled'];
  margin: (trades: number) => number;
  minEvidenceTrades: number;
}

/**
 * Every candidate's evidence and bounds as `choose` compared them (an arm without evidence counts
 * as 0 R over one trade), and the one sentence that says why `exploit` won.
 */
function explain(input: ExplainInput): {
  reason: string;
  evidence: Partial<Record<ArmId, CandidateEvidence>>;
} {
  const { candidates, anchor, exploit, margin, minEvidenceTrades } = input;
  const boundsOf = (arm: ArmEvidence | undefined) => {
    const trades = arm !== undefined && arm.trades > 0 ? arm.trades : 1;
    const meanR = arm !== undefined && arm.trades > 0 ? arm.meanR : 0;
    return { lowerR: meanR - margin(trades), upperR: meanR + margin(trades) };
  };
  const anchorArm = input.evidence.get(anchor);
  const anchorBounds = boundsOf(anchorArm);
  const evidence: Partial<Record<ArmId, CandidateEvidence>> = {};
  for (const strategy of candidates) {
    const arm = input.evidence.get(strategy) ?? { trades: 0, meanR: 0 };
    const ownTrades = input.cells[strategy]?.count ?? 0;
    evidence[strategy] = {
      meanR: arm.meanR,
      trades: arm.trades,
      ownTrades,
      pooledTrades: Math.max(0, (input.pooled?.[strategy]?.count ?? 0) - ownTrades),
      ...boundsOf(arm),
      ...(strategy === anchor
        ? {}
        : { moreTradesToClear: moreTradesToClear(arm, anchorArm, margin, minEvidenceTrades) }),
    };
  }

  const described = (strategy: ArmId) => {
    const arm = evidence[strategy];
    return arm === undefined || arm.trades === 0
      ? 'no evidence yet'
      : `mean ${signed(arm.meanR)} R over ${formatTrades(arm.trades)} trades`;
  };
  if (exploit !== anchor) {
    return {
      evidence,
      reason:
        `Chose ${exploit} over the anchor ${anchor}: its lower bound ${signed(evidence[exploit]?.lowerR ?? 0)} R ` +
        `(${described(exploit)}) clears the anchor's upper bound ${signed(anchorBounds.upperR)} R (${described(anchor)}).`,
    };
  }
  const challengers = candidates.filter((strategy) => strategy !== anchor);
  if (challengers.length === 0) return { evidence, reason: `Kept ${anchor}, the only candidate.` };
  const eligible = challengers.filter(
    (strategy) => (evidence[strategy]?.trades ?? 0) >= Math.max(1, minEvidenceTrades),
  );
  const kept = `Kept the anchor ${anchor} (${described(anchor)}, upper bound ${signed(anchorBounds.upperR)} R)`;
  if (eligible.length === 0) {
    return {
      evidence,
      reason: `${kept}: no challenger has yet the ${Math.max(1, minEvidenceTrades)} trades of evidence a switch needs.`,
    };
  }
  let best = eligible[0] as ArmId;
  for (const strategy of eligible) {
    if ((evidence[strategy]?.lowerR ?? 0) > (evidence[best]?.lowerR ?? 0)) best = strategy;
  }
  const more = evidence[best]?.moreTradesToClear;
  const outlook =
    more === null || more === undefined
      ? 'it does not lead the anchor'
      : `at its lead it would need about ${formatTrades(more)} more trades`;
  return {
    evidence,
    reason:
      `${kept}: no challenger's lower bound clears it, the best being ${best}'s ${signed(evidence[best]?.lowerR ?? 0)} R ` +
      `(${described(best)}; ${outlook}).`,
  };
}

/**
 * Trades of evidence more, added to both the challenger and the anchor, after which the
 * challenger's lower bound clears the anchor's upper bound at the current means: 0 when it does
 * already, null when it does not lead.
 */
function moreTradesToClear(
  challenger: ArmEvidence,
  anchor: ArmEvidence | undefined,
  margin: (trades: number) => number,
  minEvidenceTrades: number,
): number | null {
  const anchorMean = anchor !== undefined && anchor.trades > 0 ? anchor.meanR : 0;
  const anchorTrades = anchor?.trades ?? 0;
  const clears = (more: number) =>
    challenger.trades + more >= minEvidenceTrades &&
    challenger.trades + more > 0 &&
    challenger.meanR - margin(challenger.trades + more) >
      anchorMean + margin(Math.max(1, anchorTrades + more));
  if (clears(0)) return 0;
  if (!(challenger.meanR > anchorMean)) return null;
  // The bounds narrow as more trades come, so the first k that clears is found by bisection.
  let high = 1;
  while (!clears(high)) {
    high *= 2;
    if (high > 1e15) return null;
  }
  let low = 0;
  while (high - low > 1) {
    const middle = Math.floor((low + high) / 2);
    if (clears(middle)) high = middle;
    else low = middle;
  }
  return high;
}

function signed(value: number): string {
  const text = value.toFixed(3);
  return value > 0 && Number(text) !== 0 ? `+${text}` : Number(text) === 0 ? '0.000' : text;
}

function formatTrades(trades: number): string {
  return Number.isInteger(trades) ? trades.toLocaleString('en-US') : trades.toFixed(1);
}

/** So that an option passed as `undefined` (an unset config value) keeps its default. */
function definedOnly<T extends object>(options: T): Partial<T> {
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)) as Partial<T>;
}
