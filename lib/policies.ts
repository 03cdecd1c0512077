import type { Config } from './config';
import { createAnchoredLearner, DEFAULT_ANCHORED_OPTIONS } from './learners/anchored-learner';
import { createEpsilonGreedyLearner } from './learners/epsilon-greedy';
import type { Learner } from './learners/learner';
import type { Policy } from './policy';
import { candidatesFor } from './profiles';
import { createClassicDetector, DEFAULT_CLASSIC_THRESHOLDS } from './regimes/classic-detector';
import { createRelativeDetector, DEFAULT_RELATIVE_THRESHOLDS } from './regimes/relative-detector';
import type { SeriesRegimeDetector } from './regimes/series-regime-detector';
import type { RegimeName, StrategyId } from './types';

/** The original system's behaviour, kept unchanged as the baseline: classic regimes, ε-greedy EMA, bandit feedback only. */
export function createSeedPolicy(config: Pick<Config, 'learner' | 'regime'>): Policy {
  return {
    name: 'seed',
    detector: createClassicDetector({ ...DEFAULT_CLASSIC_THRESHOLDS, ...config.regime }),
    learner: createEpsilonGreedyLearner(config.learner),
    fullInformation: false,
    pooling: false,
    candidates: candidatesFor,
  };
}

/** A learner that always answers one strategy, whatever the regime's candidates (propensity 1). */
export function createStaticLearner(strategy: StrategyId): Learner {
  return {
    policy: `static:${strategy}`,
    choose: ({ cells }) => {
      const cell = cells[strategy];
      return {
        strategy,
        explored: false,
        propensity: 1,
        probabilities: { [strategy]: 1 },
        values: { [strategy]: { value: cell?.mean ?? 0, count: cell?.count ?? 0 } },
        policy: `static:${strategy}`,
      };
    },
  };
}

/** Always the same exit plan: the yardstick a learner has to beat. */
export function createStaticPolicy(strategy: StrategyId, config: Pick<Config, 'learner' | 'regime'>): Policy {
  return {
    name: `static:${strategy}`,
    detector: createClassicDetector({ ...DEFAULT_CLASSIC_THRESHOLDS, ...config.regime }),
    learner: createStaticLearner(strategy),
    fullInformation: false,
    pooling: false,
  };
}

/** The configuration the `default` policy reads; the newer sections fall back to their defaults. */
export type DefaultPolicyConfig = Pick<Config, 'learner' | 'regime'> &
  Partial<Pick<Config, 'policy' | 'relativeRegime'>>;

/**
 * Every profile the liquidity filter lets through, whatever the regime. The original's per-regime
 * lists were a hand-made prior; with every arm learned from every path the evidence decides. On
 * the bundled data they would forbid the best profile (trend_rider) on the ~60% of signals that
 * fall in a range regime, which alone costs the default policy 0.2 R per trade.
 */
export function everyLiquidCandidate(_regime: RegimeName, liquidity?: Parameters<typeof candidatesFor>[1]) {
  // UNKNOWN's list is every profile, so this applies the liquidity filter and nothing else.
  return candidatesFor('UNKNOWN', liquidity);
}

/**
 * The project's best policy, as measured (docs/learning.md, "Learning"): regimes relative to the instrument
 * (or the classic rules, `REGIME_MODE=classic`), the anchored learner over every liquid profile,
 * full-information updates from each trade's path, and cells pooled across symbols. It explores
 * (ε = META_STRATEGY_EPSILON, never in HIGH_VOLATILITY or ILLIQUID unless allowed) only when bots
 * send no path (`LEARNER_PATH_FEEDBACK=false`), since a path already teaches every arm.
 */
export function createDefaultPolicy(config: DefaultPolicyConfig): Policy {
  const settings = config.policy;
  return {
    name: 'default',
    detector: defaultPolicyDetector(config),
    learner: createAnchoredLearner({
      confidenceZ: settings?.confidenceZ ?? DEFAULT_ANCHORED_OPTIONS.confidenceZ,
      minEvidenceTrades: settings?.minEvidenceTrades ?? DEFAULT_ANCHORED_OPTIONS.minEvidenceTrades,
      poolPriorTrades: settings?.poolPriorTrades ?? DEFAULT_ANCHORED_OPTIONS.poolPriorTrades,
      epsilon: (settings?.pathFeedback ?? true) ? 0 : config.learner.epsilon,
      noExplorationRegimes: settings?.exploreRiskyRegimes
        ? []
        : DEFAULT_ANCHORED_OPTIONS.noExplorationRegimes,
    }),
    fullInformation: true,
    pooling: true,
    candidates: everyLiquidCandidate,
  };
}

function defaultPolicyDetector(config: DefaultPolicyConfig): SeriesRegimeDetector {
  if (config.policy?.regimeMode === 'classic') {
    return createClassicDetector({ ...DEFAULT_CLASSIC_THRESHOLDS, ...config.regime });
  }
  const { illiquidVolume24hUsd, illiquidDepthUsd, illiquidSpreadBps } = config.regime;
  return createRelativeDetector({
    ...DEFAULT_RELATIVE_THRESHOLDS,
    ...config.relativeRegime,
    illiquidVolume24hUsd,
    illiquidDepthUsd,
    illiquidSpreadBps,
  });
}

/** The policy the configuration names (`LEARNER`): what the select and reward functions run. */
export function createConfiguredPolicy(config: DefaultPolicyConfig): Policy {
  return config.policy?.name === 'seed' ? createSeedPolicy(config) : createDefaultPolicy(config);
}
