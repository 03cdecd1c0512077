import { ARM_SETS, SEVEN_ARMS } from './arms';
import type { Config } from './config';
import { createAnchoredLearner, DEFAULT_ANCHORED_OPTIONS } from './learners/anchored-learner';
import { createEpsilonGreedyLearner } from './learners/epsilon-greedy';
import type { Learner } from './learners/learner';
import { createPairedLearner, DEFAULT_PAIRED_OPTIONS } from './learners/paired-learner';
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
    arms: SEVEN_ARMS,
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
        arm: strategy,
        explored: false,
        propensity: 1,
        probabilities: { [strategy]: 1 },
        values: { [strategy]: { value: cell?.mean ?? 0, count: cell?.count ?? 0 } },
        reason: `${strategy}: a static policy always answers it`,
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
    arms: SEVEN_ARMS,
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
 * The project's best policy, as measured (docs/learning.md): regimes relative to the instrument
 * (or the classic rules, `REGIME_MODE=classic`), the paired learner over the arm set `ARM_SET`
 * (the seven profiles and scaled variants; `seven` for the profiles alone) restricted to the
 * liquid profiles, full-information updates from each trade's path, and cells pooled across
 * symbols. The paired learner learns only from paths; when bots send none
 * (`LEARNER_PATH_FEEDBACK=false`) the policy falls back to the anchored learner over the seven,
 * exploring with ε = META_STRATEGY_EPSILON (never in HIGH_VOLATILITY or ILLIQUID unless allowed).
 */
export function createDefaultPolicy(config: DefaultPolicyConfig): Policy {
  const settings = config.policy;
  if (settings?.pathFeedback === false) return { ...createAnchoredPolicy(config), name: 'default' };
  return {
    name: 'default',
    detector: defaultPolicyDetector(config),
    learner: createPairedLearner({
      confidenceT: settings?.confidenceZ ?? DEFAULT_PAIRED_OPTIONS.confidenceT,
      minEvidenceTrades: settings?.minEvidenceTrades ?? DEFAULT_PAIRED_OPTIONS.minEvidenceTrades,
      poolTrades: settings?.poolPriorTrades ?? DEFAULT_PAIRED_OPTIONS.poolTrades,
      symbolTrades: settings?.symbolPriorTrades ?? DEFAULT_PAIRED_OPTIONS.symbolTrades,
    }),
    fullInformation: true,
    pooling: true,
    arms: ARM_SETS[settings?.armSet ?? 'family'],
    candidates: everyLiquidCandidate,
  };
}

/**
 * The previous default, kept for comparison (`LEARNER=anchored`): the anchored learner over the
 * seven profiles with unpaired bounds, full information and pooling; ε-greedy exploration only
 * without path feedback.
 */
export function createAnchoredPolicy(config: DefaultPolicyConfig): Policy {
  const settings = config.policy;
  return {
    name: 'anchored',
    detector: defaultPolicyDetector(config),
    learner: createAnchoredLearner({
      epsilon: (settings?.pathFeedback ?? true) ? 0 : config.learner.epsilon,
      noExplorationRegimes: settings?.exploreRiskyRegimes
        ? []
        : DEFAULT_ANCHORED_OPTIONS.noExplorationRegimes,
    }),
    fullInformation: true,
    pooling: true,
    arms: SEVEN_ARMS,
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
  switch (config.policy?.name) {
    case 'seed':
      return createSeedPolicy(config);
    case 'anchored':
      return createAnchoredPolicy(config);
    default:
      return createDefaultPolicy(config);
  }
}
