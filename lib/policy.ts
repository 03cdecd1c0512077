import type { ArmSpec } from './arms';
import type { Learner } from './learners/learner';
import { candidatesFor } from './profiles';
import type { RegimeDetector } from './regimes/regime-detector';
import type { Liquidity, RegimeName, StrategyId } from './types';

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
  /**
   * Also keep, and read, the regime's cells pooled across all symbols, and each symbol's total
   * over its regimes.
   */
  readonly pooling: boolean;
  /** The arms the learner chooses between and a path credits, the seven profiles first. */
  readonly arms: readonly ArmSpec[];
  /**
   * The strategies the learner may choose from, in profile order, never empty. Absent: the
   * original's per-regime lists with the liquidity filter (`candidatesFor`). Read it through
   * {@link policyCandidates}.
   */
  readonly candidates?: (regime: RegimeName, liquidity?: Liquidity) => StrategyId[];
}

/** The strategies `policy`'s learner chooses from in `regime`, given the bot's liquidity report. */
export function policyCandidates(
  policy: Pick<Policy, 'candidates'>,
  regime: RegimeName,
  liquidity?: Liquidity,
): StrategyId[] {
  return policy.candidates === undefined
    ? candidatesFor(regime, liquidity)
    : policy.candidates(regime, liquidity);
}
