/**
 * The seed's learner, reproduced as the baseline: ε-greedy over a regime's candidates, where an
 * arm's value is its (symbol, regime, strategy) cell's EMA of realized R.
 */
import type { ArmId } from '../arms';
import type { RegimeName, StrategyId } from '../types';
import type { ArmValue, CellStats, Choice, ChooseInput, Learner } from './learner';

export interface EpsilonGreedyOptions {
  /** Probability of a uniform exploration draw, in [0, 1]. */
  epsilon: number;
  /** EMA weight of the newest reward, in (0, 1]. */
  alpha: number;
  /** The exploit choice while a regime is cold, when it is among the candidates. */
  defaultStrategy: StrategyId;
  /** A regime is cold while its candidates' cells hold fewer rewards than this, in total. */
  minRewards?: number;
  /** A regime is also cold while its best EMA is below this. */
  minBestValue?: number;
}

/** A choice was asked for with no candidate to choose from. */
export class NoCandidatesError extends Error {
  override readonly name = 'NoCandidatesError';
  constructor(readonly regime: RegimeName) {
    super(`No candidate strategy for regime ${regime}`);
  }
}

/**
 * Creates the seed's ε-greedy learner.
 *
 * Choice: with probability ε, an exploration draw picks uniformly among the candidates; otherwise
 * an exploit draw picks uniformly among the exploit arms. The exploit arms are
 * - while the regime is cold (the candidates' cells hold fewer than `minRewards` rewards in
 *   total, or the best EMA is below `minBestValue`): `defaultStrategy` when it is a candidate,
 *   otherwise the first candidate in profile order;
 * - otherwise every candidate whose EMA equals the best, so ties split the exploit mass evenly.
 * An arm without a cell (or with an empty one) has no value yet and is never an exploit arm
 * once the regime is warm.
 *
 * `explored` is true when the draw was an exploration draw and the arm it picked is not an exploit
 * arm, i.e. the learner did something other than what it would have done greedily. `propensity` is
 * the exact probability of the chosen arm: (1 − ε)·[exploit arm]/#exploit arms + ε/#candidates.
 * Each choice consumes exactly two numbers from `rng`. Pooled cells are ignored, as in the seed.
 */
export function createEpsilonGreedyLearner(options: EpsilonGreedyOptions): Learner {
  const { epsilon, alpha, defaultStrategy, minRewards = 5, minBestValue = 0.4 } = options;
  if (!(epsilon >= 0 && epsilon <= 1)) throw new RangeError(`epsilon must be in [0, 1] (got ${epsilon})`);
  if (!(alpha > 0 && alpha <= 1)) throw new RangeError(`alpha must be in (0, 1] (got ${alpha})`);
  if (!(Number.isInteger(minRewards) && minRewards >= 0)) {
    throw new RangeError(`minRewards must be a non-negative integer (got ${minRewards})`);
  }
  if (!Number.isFinite(minBestValue))
    throw new RangeError(`minBestValue must be finite (got ${minBestValue})`);

  const policy =
    `seed:egreedy(eps=${epsilon},alpha=${alpha},minRewards=${minRewards},` +
    `minBest=${minBestValue},default=${defaultStrategy})`;

  function exploitArms(candidates: readonly ArmId[], cells: ChooseInput['cells']): ArmId[] {
    let rewards = 0;
    let best = Number.NEGATIVE_INFINITY;
    for (const strategy of candidates) {
      const cell = knownCell(cells[strategy]);
      if (cell === undefined) continue;
      rewards += cell.count;
      best = Math.max(best, cell.ema);
    }
    if (rewards < minRewards || best < minBestValue) {
      const fallback = candidates.includes(defaultStrategy) ? defaultStrategy : candidates[0];
      return fallback === undefined ? [] : [fallback];
    }
    return candidates.filter((strategy) => knownCell(cells[strategy])?.ema === best);
  }

  return {
    policy,
    emaAlpha: alpha,

    choose({ regime, candidates: given, cells, rng }: ChooseInput): Choice {
      // A duplicated id would double its share of the exploration mass.
      const candidates = [...new Set(given)];
      if (candidates.length === 0) throw new NoCandidatesError(regime);
      const exploit = exploitArms(candidates, cells);

      const exploring = rng() < epsilon;
      const pool = exploring ? candidates : exploit;
      const strategy = pool[pickIndex(rng(), pool.length)] ?? candidates[0] ?? defaultStrategy;

      const probabilities: Choice['probabilities'] = {};
      const values: Partial<Record<ArmId, ArmValue>> = {};
      for (const candidate of candidates) {
        const exploitShare = exploit.includes(candidate) ? (1 - epsilon) / exploit.length : 0;
        probabilities[candidate] = exploitShare + epsilon / candidates.length;
        const cell = knownCell(cells[candidate]);
        values[candidate] = { value: cell?.ema ?? 0, count: cell?.count ?? 0 };
      }

      const explored = exploring && !exploit.includes(strategy);
      return {
        arm: strategy,
        explored,
        propensity: probabilities[strategy] ?? 0,
        probabilities,
        values,
        reason: explored
          ? `${strategy} drawn to explore (probability ${epsilon} of a uniform draw)`
          : exploit.length === 1 && exploit[0] === defaultStrategy && values[strategy]?.count === 0
            ? `${strategy}: the default while the regime holds too few rewards`
            : `${strategy} has the highest EMA of R (${round(values[strategy]?.value ?? 0)})`,
        policy,
      };
    },
  };
}

function round(value: number): number {
  return Number(value.toFixed(3));
}

/** A cell that holds at least one reward; an empty cell tells nothing. */
function knownCell(cell: CellStats | undefined): CellStats | undefined {
  return cell !== undefined && cell.count > 0 ? cell : undefined;
}

/** Maps a uniform number in [0, 1) to an index below `length`, guarding against an rng returning 1. */
function pickIndex(uniform: number, length: number): number {
  return Math.min(length - 1, Math.floor(uniform * length));
}
