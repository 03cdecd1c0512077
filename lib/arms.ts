import { getProfile, type StrategyProfile } from './profiles';
import { STRATEGY_IDS, type StrategyId } from './types';

/**
 * The arms a learner chooses between: the seven profiles, and variants of them with scaled
 * distances. A trade's path after entry prices any exit plan, not just seven, so the selector
 * can learn the exit geometry that suits a bot's signal (a wider stop for a weak trend signal, a
 * tight one for mean reversion) from the very trades it already sees.
 */

/** A stable arm id: a profile id, or `<profile>@sl<slScale>xtg<targetScale>` for a variant. */
export type ArmId = string;

export interface ArmSpec {
  id: ArmId;
  /** The profile the arm scales; the contract's `strategy`. */
  base: StrategyId;
  /** Multiplies the stop distance. */
  slScale: number;
  /** Multiplies every target, the break-even trigger, the trailing activation and trailing distance. */
  targetScale: number;
}

/**
 * Every arm's outcome is compared, trade by trade, with this one's: the paired learner's
 * incumbent and the cold-start choice (its long targets and trailing stop let its path reveal
 * the most of every other arm's).
 */
export const REFERENCE_ARM: ArmId = 'trend_rider';

export function armId(base: StrategyId, slScale: number, targetScale: number): ArmId {
  return slScale === 1 && targetScale === 1 ? base : `${base}@sl${slScale}xtg${targetScale}`;
}

/** The arm of one profile, unscaled. */
export function profileArm(base: StrategyId): ArmSpec {
  return { id: base, base, slScale: 1, targetScale: 1 };
}

/** The profile an arm trades: its base with the distances scaled (closes and risk fields unchanged). */
export function armProfile(arm: ArmSpec): StrategyProfile {
  const profile = getProfile(arm.base);
  if (arm.slScale === 1 && arm.targetScale === 1) return profile;
  const { slScale, targetScale } = arm;
  const [tp1, tp2, tp3] = profile.takeProfits;
  const scaled = (tp: typeof tp1) => ({ atr: tp.atr * targetScale, closeFraction: tp.closeFraction });
  return {
    ...profile,
    slAtr: profile.slAtr * slScale,
    takeProfits: [scaled(tp1), scaled(tp2), scaled(tp3)],
    breakEvenAtr: profile.breakEvenAtr * targetScale,
    trailing: {
      activationAtr: profile.trailing.activationAtr * targetScale,
      distanceAtr: profile.trailing.distanceAtr * targetScale,
    },
  };
}

/** The seven profiles as arms, in profile order. */
export const SEVEN_ARMS: readonly ArmSpec[] = Object.freeze(STRATEGY_IDS.map(profileArm));

export const STOP_SCALES = [0.5, 0.75, 1, 1.5, 2] as const;
export const TARGET_SCALES = [0.5, 1, 2] as const;

/** The seven, then `base` scaled by every stop × target scale but (1, 1). */
function withVariants(bases: readonly StrategyId[]): ArmSpec[] {
  const arms = [...SEVEN_ARMS];
  for (const base of bases) {
    for (const slScale of STOP_SCALES) {
      for (const targetScale of TARGET_SCALES) {
        if (slScale !== 1 || targetScale !== 1)
          arms.push({ id: armId(base, slScale, targetScale), base, slScale, targetScale });
      }
    }
  }
  return arms;
}

/**
 * The arm sets a deployment may run (`ARM_SET`):
 * - `seven`: the seven profiles;
 * - `family`: the seven, and trend_rider and scalp each with the stop × {0.5, 0.75, 1, 1.5, 2} and
 *   the targets × {0.5, 1, 2}: 35 arms. trend_rider's variants serve trend and breakout signals,
 *   scalp's serve mean reversion; variants of the other profiles measured no better
 *   (docs/learning.md).
 */
export const ARM_SETS = {
  seven: SEVEN_ARMS,
  family: Object.freeze(withVariants(['trend_rider', 'scalp'])),
} as const satisfies Record<string, readonly ArmSpec[]>;

export type ArmSetName = keyof typeof ARM_SETS;
export const ARM_SET_NAMES = Object.keys(ARM_SETS) as ArmSetName[];

const BY_ID = new Map<ArmId, ArmSpec>(
  Object.values(ARM_SETS).flatMap((set) => set.map((arm) => [arm.id, arm])),
);

/** The arm with this id, from any set. @throws RangeError for an unknown id. */
export function getArm(id: ArmId): ArmSpec {
  const arm = BY_ID.get(id);
  if (arm === undefined) throw new RangeError(`unknown arm ${id}`);
  return arm;
}
