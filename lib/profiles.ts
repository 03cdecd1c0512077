import { type Liquidity, type RegimeName, STRATEGY_IDS, type StrategyId } from './types';

/**
 * The seven exit plans the selector chooses between. Every distance is a multiple of the ATR at
 * entry; every close is a fraction of the original position. The values reproduce the original
 * system's profile table so that learned results stay comparable with it.
 */

export const RISK_LEVELS = ['VERY_LOW', 'LOW', 'MEDIUM', 'HIGH', 'VERY_HIGH'] as const;
export type RiskLevel = (typeof RISK_LEVELS)[number];

/** One take-profit target: its distance from entry in ATR and the fraction of the position it closes. */
export interface TakeProfitSpec {
  readonly atr: number;
  readonly closeFraction: number;
}

export interface StrategyProfile {
  readonly id: StrategyId;
  readonly name: string;
  readonly description: string;
  /** Initial stop distance from entry, in ATR. */
  readonly slAtr: number;
  /** Three targets, nearest first; their close fractions sum to 1. */
  readonly takeProfits: readonly [TakeProfitSpec, TakeProfitSpec, TakeProfitSpec];
  /** Favourable move, in ATR, after which the stop moves to entry. */
  readonly breakEvenAtr: number;
  readonly trailing: {
    /** Favourable move, in ATR, after which the stop starts trailing. */
    readonly activationAtr: number;
    /** Distance, in ATR, the trailing stop keeps from the best price since entry. */
    readonly distanceAtr: number;
  };
  readonly riskLevel: RiskLevel;
  /** Position-size adjustment the bot may apply (1 = its normal risk). */
  readonly riskMultiplier: number;
  /** Lowest signal confidence the profile was meant for. */
  readonly minConfidence: number;
  readonly suits: {
    readonly trend: boolean;
    readonly range: boolean;
    readonly highVol: boolean;
    readonly lowVol: boolean;
  };
  /** The original authors' expectations; documentation only, never used to choose. */
  readonly expected: {
    readonly winRate: number;
    readonly avgR: number;
    readonly rewardRisk: number;
  };
}

const STANDARD_CLOSES = [0.5, 0.3, 0.2] as const;

function targets(
  tpAtr: readonly [number, number, number],
  closes: readonly [number, number, number] = STANDARD_CLOSES,
): StrategyProfile['takeProfits'] {
  return [
    { atr: tpAtr[0], closeFraction: closes[0] },
    { atr: tpAtr[1], closeFraction: closes[1] },
    { atr: tpAtr[2], closeFraction: closes[2] },
  ];
}

function deepFreeze<T extends object>(value: T): T {
  for (const child of Object.values(value)) {
    if (typeof child === 'object' && child !== null) deepFreeze(child);
  }
  return Object.freeze(value);
}

const PROFILE_TABLE: Record<StrategyId, StrategyProfile> = {
  defensive: {
    id: 'defensive',
    name: 'Defensive',
    description: 'Tight stop and early profit taking; for calm or sideways markets.',
    slAtr: 1.0,
    takeProfits: targets([1.5, 2.5, 4.0]),
    breakEvenAtr: 1.0,
    trailing: { activationAtr: 2.5, distanceAtr: 0.8 },
    riskLevel: 'VERY_LOW',
    riskMultiplier: 0.8,
    minConfidence: 0.45,
    suits: { trend: true, range: true, highVol: false, lowVol: true },
    expected: { winRate: 0.55, avgR: 1.8, rewardRisk: 1.8 },
  },
  moderate: {
    id: 'moderate',
    name: 'Moderate',
    description: 'Balanced risk and reward; usable in every market.',
    slAtr: 1.0,
    takeProfits: targets([2.0, 3.5, 5.5]),
    breakEvenAtr: 1.2,
    trailing: { activationAtr: 3.0, distanceAtr: 1.0 },
    riskLevel: 'LOW',
    riskMultiplier: 1.0,
    minConfidence: 0.48,
    suits: { trend: true, range: true, highVol: true, lowVol: true },
    expected: { winRate: 0.52, avgR: 2.3, rewardRisk: 2.3 },
  },
  moderate_aggressive: {
    id: 'moderate_aggressive',
    name: 'Moderate Aggressive',
    description: 'Farther targets than moderate for trending markets.',
    slAtr: 1.0,
    takeProfits: targets([2.5, 4.0, 6.0]),
    breakEvenAtr: 1.5,
    trailing: { activationAtr: 3.5, distanceAtr: 1.0 },
    riskLevel: 'MEDIUM',
    riskMultiplier: 1.1,
    minConfidence: 0.5,
    suits: { trend: true, range: false, highVol: true, lowVol: false },
    expected: { winRate: 0.5, avgR: 3.0, rewardRisk: 3.0 },
  },
  balanced_aggressive: {
    id: 'balanced_aggressive',
    name: 'Balanced Aggressive',
    description: 'Wider stop and large targets for strong trends.',
    slAtr: 1.5,
    takeProfits: targets([4.0, 6.0, 10.0]),
    breakEvenAtr: 2.0,
    trailing: { activationAtr: 5.0, distanceAtr: 1.2 },
    riskLevel: 'HIGH',
    riskMultiplier: 1.2,
    minConfidence: 0.52,
    suits: { trend: true, range: false, highVol: true, lowVol: false },
    expected: { winRate: 0.48, avgR: 4.5, rewardRisk: 4.5 },
  },
  ultra_aggressive: {
    id: 'ultra_aggressive',
    name: 'Ultra Aggressive',
    description: 'Tight stop with far targets; the original system default.',
    slAtr: 1.0,
    takeProfits: targets([3.0, 5.0, 8.0]),
    breakEvenAtr: 1.5,
    trailing: { activationAtr: 4.0, distanceAtr: 1.0 },
    riskLevel: 'VERY_HIGH',
    riskMultiplier: 1.0,
    minConfidence: 0.53,
    suits: { trend: true, range: false, highVol: true, lowVol: false },
    expected: { winRate: 0.45, avgR: 5.0, rewardRisk: 5.0 },
  },
  scalp: {
    id: 'scalp',
    name: 'Scalp',
    description: 'Very tight stop and near targets for range-bound markets.',
    slAtr: 0.8,
    takeProfits: targets([1.2, 1.8, 2.5], [0.6, 0.3, 0.1]),
    breakEvenAtr: 0.6,
    trailing: { activationAtr: 1.5, distanceAtr: 0.6 },
    riskLevel: 'VERY_LOW',
    riskMultiplier: 0.7,
    minConfidence: 0.55,
    suits: { trend: false, range: true, highVol: false, lowVol: true },
    expected: { winRate: 0.6, avgR: 1.3, rewardRisk: 1.5 },
  },
  trend_rider: {
    id: 'trend_rider',
    name: 'Trend Rider',
    description: 'Wide stop and very far targets to ride strong trends.',
    slAtr: 2.0,
    takeProfits: targets([5.0, 8.0, 12.0], [0.3, 0.3, 0.4]),
    breakEvenAtr: 2.5,
    trailing: { activationAtr: 6.0, distanceAtr: 1.5 },
    riskLevel: 'VERY_HIGH',
    riskMultiplier: 1.3,
    minConfidence: 0.6,
    suits: { trend: true, range: false, highVol: true, lowVol: false },
    expected: { winRate: 0.4, avgR: 6.5, rewardRisk: 6.5 },
  },
};

/** Every profile, in profile order (`STRATEGY_IDS`). Frozen: callers share one copy. */
export const PROFILES: readonly StrategyProfile[] = Object.freeze(
  STRATEGY_IDS.map((id) => deepFreeze(PROFILE_TABLE[id])),
);

/** The profile with this id. */
export function getProfile(id: StrategyId): StrategyProfile {
  return PROFILE_TABLE[id];
}

/** Every profile, in profile order. */
export function listProfiles(): readonly StrategyProfile[] {
  return PROFILES;
}

/** True when `value` is one of the seven strategy ids (exact spelling, no case folding). */
export function isStrategyId(value: unknown): value is StrategyId {
  return typeof value === 'string' && (STRATEGY_IDS as readonly string[]).includes(value);
}

/** Limits beyond which the wide-stop, far-target profiles are withheld. */
export interface LiquidityLimits {
  /** A spread above this many basis points filters. Default 10. */
  maxSpreadBps: number;
  /** Order-book depth below this many USD filters. Default 100,000. */
  minDepthUsd: number;
}

export const DEFAULT_LIQUIDITY_LIMITS: Readonly<LiquidityLimits> = Object.freeze({
  maxSpreadBps: 10,
  minDepthUsd: 100_000,
});

const LIQUIDITY_SENSITIVE: ReadonlySet<StrategyId> = new Set<StrategyId>([
  'balanced_aggressive',
  'ultra_aggressive',
  'trend_rider',
]);

const allBut = (excluded: StrategyId): readonly StrategyId[] =>
  Object.freeze(STRATEGY_IDS.filter((id) => id !== excluded));

const REGIME_CANDIDATES: Record<RegimeName, readonly StrategyId[]> = {
  TREND_UP: allBut('scalp'),
  TREND_DOWN: allBut('scalp'),
  RANGE_LOW_VOL: Object.freeze(['defensive', 'moderate', 'scalp'] as const),
  RANGE_HIGH_VOL: Object.freeze(['defensive', 'moderate', 'scalp'] as const),
  HIGH_VOLATILITY: allBut('defensive'),
  ILLIQUID: STRATEGY_IDS,
  UNKNOWN: STRATEGY_IDS,
};

/**
 * True when the liquidity report shows a thin market. A missing field is unknown, not zero, so
 * it never triggers the filter: the original treated missing depth as 0 and misclassified plain
 * requests.
 */
export function isThinMarket(
  liquidity: Liquidity | undefined,
  limits: Partial<LiquidityLimits> = {},
): boolean {
  if (liquidity === undefined) return false;
  const maxSpreadBps = limits.maxSpreadBps ?? DEFAULT_LIQUIDITY_LIMITS.maxSpreadBps;
  const minDepthUsd = limits.minDepthUsd ?? DEFAULT_LIQUIDITY_LIMITS.minDepthUsd;
  const { spreadBps, depthUsd } = liquidity;
  return (
    (spreadBps !== undefined && spreadBps > maxSpreadBps) ||
    (depthUsd !== undefined && depthUsd < minDepthUsd)
  );
}

/**
 * The strategies a learner may choose from in `regime`, in profile order. Trend regimes allow all
 * but scalp; range regimes defensive, moderate and scalp; HIGH_VOLATILITY all but defensive;
 * ILLIQUID and UNKNOWN all seven. In a thin market (see `isThinMarket`) balanced_aggressive,
 * ultra_aggressive and trend_rider are dropped; a limit left out of `limits` keeps its default
 * (spread 10 bps, depth 100,000 USD). Never empty.
 */
export function candidatesFor(
  regime: RegimeName,
  liquidity?: Liquidity,
  limits: Partial<LiquidityLimits> = {},
): StrategyId[] {
  const base = REGIME_CANDIDATES[regime];
  if (!isThinMarket(liquidity, limits)) return [...base];
  return base.filter((id) => !LIQUIDITY_SENSITIVE.has(id));
}
