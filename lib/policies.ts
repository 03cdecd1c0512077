import type { Config } from './config';
import { updateCellStats } from './learners/cell-stats';
import { createEpsilonGreedyLearner } from './learners/epsilon-greedy';
import type { Learner } from './learners/learner';
import type { Policy } from './policy';
import { createClassicDetector, DEFAULT_CLASSIC_THRESHOLDS } from './regimes/classic-detector';
import type { StrategyId } from './types';

/** The original system's behaviour, kept unchanged as the baseline: classic regimes, ε-greedy EMA, bandit feedback only. */
export function createSeedPolicy(config: Pick<Config, 'learner' | 'regime'>): Policy {
  return {
    name: 'seed',
    detector: createClassicDetector({ ...DEFAULT_CLASSIC_THRESHOLDS, ...config.regime }),
    learner: createEpsilonGreedyLearner(config.learner),
    fullInformation: false,
    pooling: false,
  };
}

/** A learner that always answers one strategy, whatever the regime's candidates (propensity 1). */
export function createStaticLearner(strategy: StrategyId, alpha: number): Learner {
  return {
    policy: `static:${strategy}`,
    choose: ({ cells }) => {
      const cell = cells[strategy];
      return {
        strategy,
        explored: false,
        propensity: 1,
        probabilities: { [strategy]: 1 },
        values: { [strategy]: { value: cell?.ema ?? 0, count: cell?.count ?? 0 } },
        policy: `static:${strategy}`,
      };
    },
    update: (previous, reward) => updateCellStats(previous, reward, alpha),
  };
}

/** Always the same exit plan: the yardstick a learner has to beat. */
export function createStaticPolicy(strategy: StrategyId, config: Pick<Config, 'learner' | 'regime'>): Policy {
  return {
    name: `static:${strategy}`,
    detector: createClassicDetector({ ...DEFAULT_CLASSIC_THRESHOLDS, ...config.regime }),
    learner: createStaticLearner(strategy, config.learner.alpha),
    fullInformation: false,
    pooling: false,
  };
}

/**
 * The project's best policy. Interim definition: the seed's learner fed with full-information
 * (counterfactual) updates; the learning work replaces it with the tuned policy.
 */
export function createDefaultPolicy(config: Pick<Config, 'learner' | 'regime'>): Policy {
  return { ...createSeedPolicy(config), name: 'default', fullInformation: true };
}
