import type { Learner } from './learners/learner';
import type { RegimeDetector } from './regimes/regime-detector';

/**
 * Everything that decides how a selector behaves: which regime detector it uses, which learner
 * chooses among the regime's candidates, and which evidence the learner is fed. The backtest,
 * the select function and the reward function all build their behaviour from one Policy, so a
 * policy measured in a backtest is the policy that runs in production.
 */
export interface Policy {
  /** Short stable name, e.g. `default`, `seed`, `static:scalp`. */
  readonly name: string;
  readonly detector: RegimeDetector;
  readonly learner: Learner;
  /**
   * When a trade's price path after entry is known, simulate every profile on it and update
   * every arm of the (symbol, regime) cell (marked counterfactual), not only the traded one.
   */
  readonly fullInformation: boolean;
  /** Also keep, and read, the regime's cells pooled across all symbols. */
  readonly pooling: boolean;
}
