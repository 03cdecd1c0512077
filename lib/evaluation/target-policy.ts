import { isStrategyId } from '../profiles';
import type { StrategyId } from '../types';
import type { LoggedDecision } from './logged-decision';

/**
 * A policy to evaluate on logged decisions: the probability it would have given each strategy,
 * from what the logging policy saw (its candidates and the values it showed).
 */
export interface TargetPolicy {
  /** As given on the command line, e.g. `static:trend_rider`, `egreedy:0.05`. */
  readonly name: string;
  probability(decision: LoggedDecision, strategy: StrategyId): number;
}

/** A `--policy` that names no policy the evaluator knows. */
export class UnknownTargetPolicyError extends Error {
  override readonly name = 'UnknownTargetPolicyError';

  constructor(readonly spec: string) {
    super(
      `unknown policy '${spec}': use static:<strategy>, greedy, egreedy:<epsilon in [0, 1]>, uniform or logged`,
    );
  }
}

/** The candidates whose shown value is the highest; all of them when none shows a value. */
function greedyArms(decision: LoggedDecision): StrategyId[] {
  let best = Number.NEGATIVE_INFINITY;
  for (const candidate of decision.candidates) {
    const value = decision.values[candidate]?.value;
    if (value !== undefined && value > best) best = value;
  }
  const arms = decision.candidates.filter((candidate) => decision.values[candidate]?.value === best);
  return arms.length > 0 ? arms : decision.candidates;
}

function epsilonGreedy(name: string, epsilon: number): TargetPolicy {
  return {
    name,
    probability(decision, strategy) {
      if (!decision.candidates.includes(strategy)) return 0;
      const arms = greedyArms(decision);
      const exploit = arms.includes(strategy) ? (1 - epsilon) / arms.length : 0;
      return exploit + epsilon / decision.candidates.length;
    },
  };
}

/**
 * Parses a policy specification:
 * - `static:<strategy>`: always that strategy (even where the logging policy did not offer it,
 *   which then simply never matches);
 * - `greedy`: the highest value the logging policy showed, ties split;
 * - `egreedy:<ε>`: ε-greedy over those values (ε spread uniformly over the candidates);
 * - `uniform`: uniform over the candidates;
 * - `logged`: the logging policy itself (its propensity), whose estimate is the realized mean.
 * @throws UnknownTargetPolicyError for anything else.
 */
export function parseTargetPolicy(spec: string): TargetPolicy {
  const [kind, argument] = spec.split(':', 2);
  if (kind === 'static' && argument !== undefined && isStrategyId(argument)) {
    return { name: spec, probability: (_decision, strategy) => (strategy === argument ? 1 : 0) };
  }
  if (kind === 'greedy' && argument === undefined) return epsilonGreedy(spec, 0);
  if (kind === 'uniform' && argument === undefined) return epsilonGreedy(spec, 1);
  if (kind === 'egreedy' && argument !== undefined && argument.trim() !== '') {
    const epsilon = Number(argument);
    if (epsilon >= 0 && epsilon <= 1) return epsilonGreedy(spec, epsilon);
  }
  if (kind === 'logged' && argument === undefined) {
    return {
      name: spec,
      probability: (decision, strategy) => (strategy === decision.strategy ? decision.propensity : 0),
    };
  }
  throw new UnknownTargetPolicyError(spec);
}
