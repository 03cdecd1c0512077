/**
 * The service's configuration: one schema over the environment, parsed once at cold start.
 * This is the only module that reads `process.env`; the CDK stack and the local stack set a
 * function's environment from `ENV_DEFAULTS`, and the table in docs/operations.md is checked against
 * `CONFIG_VARIABLES`, so every variable is defined here and nowhere else.
 *
 * `zod/mini` rather than the full build because it is a Lambda's cold-start cost: a handler importing
 * only this module bundles (esbuild, minified) to 29 kB with `zod/mini`, 98 kB with the same
 * schema on `import * as z from 'zod'`, and ~450 kB when full zod is imported as `{ z }`.
 */
import * as z from 'zod/mini';
import { ARM_SET_NAMES, type ArmSetName } from './arms';
import type { PlausibilitySettings } from './plausibility';
import { STRATEGY_IDS, type StrategyId } from './types';

export const POLICY_NAMES = ['default', 'seed', 'anchored'] as const;
export type PolicyName = (typeof POLICY_NAMES)[number];
export const REGIME_MODES = ['relative', 'classic'] as const;
export type RegimeMode = (typeof REGIME_MODES)[number];

export interface Config {
  /** When false, the selector bypasses the learner and answers `learner.defaultStrategy`. */
  enabled: boolean;
  learner: {
    epsilon: number;
    alpha: number;
    defaultStrategy: StrategyId;
  };
  /** Field names match the regime detector's thresholds so that this can be spread into them. */
  regime: {
    trendAdx: number;
    highVolAtrPct: number;
    extremeVolAtrPct: number;
    illiquidVolume24hUsd: number;
    illiquidDepthUsd: number;
    illiquidSpreadBps: number;
  };
  /** The policy the functions run and the settings of the `default` one. */
  policy: {
    /** `default`: the project's learner; `seed`: the original's ε-greedy EMA, kept as the baseline. */
    name: PolicyName;
    /** Regime rules of the `default` policy: relative to the instrument, or the original's absolute ones. */
    regimeMode: RegimeMode;
    confidenceZ: number;
    minEvidenceTrades: number;
    poolPriorTrades: number;
    symbolPriorTrades: number;
    /** The arms the default learner chooses between. */
    armSet: ArmSetName;
    /** True when bots send `path` with TradeClosed (then the default learner never explores). */
    pathFeedback: boolean;
    exploreRiskyRegimes: boolean;
  };
  /** Thresholds of the relative regime rules (field names match the relative detector's). */
  relativeRegime: {
    volatilityLookbackBars: number;
    highVolPercentile: number;
    extremeVolPercentile: number;
    trendAtr: number;
  };
  /** Optional here so that pure code and tests can load a config; functions that store assert it. */
  tableName?: string;
  eventSource: string;
  decisionTtlDays: number;
  horizonBars: number;
  maxCandles: number;
  /** What select and reward accept as plausible (`lib/plausibility.ts`). */
  plausibility: PlausibilitySettings;
  /** Pooled cells of each regime are spread over this many items, summed on read. */
  poolShards: number;
}

/** Documentation of one environment variable (the table in docs/operations.md is checked against these). */
export interface ConfigVariable {
  name: string;
  /** The default as the environment would spell it; undefined when the variable has none. */
  default: string | undefined;
  /** What the variable accepts, as the error message words it ("a number between 0 and 1"). */
  accepts: string;
  meaning: string;
}

/** One rejected variable. */
export interface ConfigIssue {
  variable: string;
  /** The raw value found in the environment, undefined when unset. */
  received: string | undefined;
  /** A full sentence naming the variable, what it accepts and what it got. */
  message: string;
}

/** The environment does not satisfy the schema; `issues` names every bad variable at once. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly issues: readonly ConfigIssue[];

  constructor(issues: readonly ConfigIssue[]) {
    super(`Invalid configuration: ${issues.map((issue) => issue.message).join('; ')}`);
    this.issues = issues;
  }
}

type Variable = Omit<ConfigVariable, 'name'> & { schema: z.core.$ZodType };

/**
 * A variable read as text. Every way `schema` can fail yields the same message, "must be
 * <accepts>", so an operator reads one rule per variable, not zod's internals.
 */
function variable<T>(
  spec: { default: string; accepts: string; meaning: string },
  build: (error: string) => z.core.$ZodType<T>,
) {
  return { ...spec, schema: z.prefault(build(`must be ${spec.accepts}`), spec.default) };
}

/** Text to number; blank text becomes NaN rather than JavaScript's 0 so that it is rejected. */
function numberText(error: string) {
  return z.pipe(
    z.string({ error }),
    z.transform((text: string) => (text.trim() === '' ? Number.NaN : Number(text))),
  );
}

function decimal(error: string, ...checks: z.core.$ZodCheck<number>[]) {
  return z.pipe(numberText(error), z.number({ error }).check(...checks));
}

function positiveInteger(error: string) {
  return z.pipe(numberText(error), z.int({ error }).check(z.positive({ error })));
}

function nonEmptyText(error: string) {
  return z.string({ error }).check(z.refine((text) => text.trim() !== '', { error }));
}

const ATR_FRACTION = 'a number greater than 0 and at most 1 (a fraction of price: 0.04 = 4%)';

const VARIABLES = {
  META_STRATEGY_ENABLED: variable(
    {
      default: 'true',
      accepts: 'one of true, false, 1, 0',
      meaning: 'When false, the learner is bypassed and every signal gets DEFAULT_STRATEGY.',
    },
    (error) => z.stringbool({ truthy: ['true', '1'], falsy: ['false', '0'], error }),
  ),
  META_STRATEGY_EPSILON: variable(
    {
      default: '0.10',
      accepts: 'a number between 0 and 1',
      meaning: "Exploration rate: the probability of a uniform draw among the regime's candidates.",
    },
    (error) => decimal(error, z.gte(0, { error }), z.lte(1, { error })),
  ),
  META_STRATEGY_ALPHA: variable(
    {
      default: '0.20',
      accepts: 'a number greater than 0 and at most 1',
      meaning: "Weight of the newest reward in a cell's exponential moving average (its value).",
    },
    (error) => decimal(error, z.gt(0, { error }), z.lte(1, { error })),
  ),
  REGIME_TREND_ADX_THRESHOLD: variable(
    {
      default: '25',
      accepts: 'a number between 0 and 100',
      meaning: 'ADX at or above which a directional market counts as a trend.',
    },
    (error) => decimal(error, z.gte(0, { error }), z.lte(100, { error })),
  ),
  REGIME_HIGH_VOL_ATR_PCT: variable(
    {
      default: '0.04',
      accepts: ATR_FRACTION,
      meaning: 'ATR as a fraction of price at or above which a range is RANGE_HIGH_VOL.',
    },
    (error) => decimal(error, z.gt(0, { error }), z.lte(1, { error })),
  ),
  REGIME_EXTREME_VOL_ATR_PCT: variable(
    {
      default: '0.06',
      accepts: ATR_FRACTION,
      meaning:
        'ATR as a fraction of price at or above which the market is HIGH_VOLATILITY; above REGIME_HIGH_VOL_ATR_PCT.',
    },
    (error) => decimal(error, z.gt(0, { error }), z.lte(1, { error })),
  ),
  REGIME_ILLIQUID_VOLUME_USD: variable(
    {
      default: '2000000',
      accepts: 'a number of at least 0',
      meaning: '24h volume (USD) below which volume counts toward ILLIQUID (two of three signs needed).',
    },
    (error) => decimal(error, z.gte(0, { error })),
  ),
  REGIME_ILLIQUID_DEPTH_USD: variable(
    {
      default: '50000',
      accepts: 'a number of at least 0',
      meaning: 'Order-book depth (USD) below which depth counts toward ILLIQUID.',
    },
    (error) => decimal(error, z.gte(0, { error })),
  ),
  REGIME_ILLIQUID_SPREAD_BPS: variable(
    {
      default: '10',
      accepts: 'a number of at least 0',
      meaning: 'Spread (basis points) above which the spread counts toward ILLIQUID.',
    },
    (error) => decimal(error, z.gte(0, { error })),
  ),
  DEFAULT_STRATEGY: variable(
    {
      default: 'ultra_aggressive',
      accepts: `one of ${STRATEGY_IDS.join(', ')}`,
      meaning: 'Strategy used when the learner is disabled or a regime has too little evidence.',
    },
    (error) => z.enum(STRATEGY_IDS, { error }),
  ),
  TABLE_NAME: {
    default: undefined,
    accepts: 'a non-empty string',
    meaning: 'DynamoDB table of decisions and learner cells; set by the stack, required by every function.',
    schema: z.optional(nonEmptyText('must be a non-empty string')),
  },
  EVENT_SOURCE: variable(
    {
      default: 'trading.bot',
      accepts: 'a non-empty string',
      meaning: 'EventBridge `source` of the TradeClosed events the reward rule matches.',
    },
    nonEmptyText,
  ),
  DECISION_TTL_DAYS: variable(
    {
      default: '30',
      accepts: 'a positive integer',
      meaning: 'Days a decision is kept before DynamoDB TTL removes it.',
    },
    positiveInteger,
  ),
  TRADE_HORIZON_BARS: variable(
    {
      default: '48',
      accepts: 'a positive integer',
      meaning: 'Bars after entry after which a simulated trade exits the rest at the close.',
    },
    positiveInteger,
  ),
  MAX_CANDLES: variable(
    {
      default: '1000',
      accepts: 'a positive integer',
      meaning: 'Most candles a select request may send; more is HTTP 400.',
    },
    positiveInteger,
  ),
  LEARNER: variable(
    {
      default: 'default',
      accepts: `one of ${POLICY_NAMES.join(', ')}`,
      meaning:
        "Policy the functions run: `default` (relative regimes, the paired learner over ARM_SET from every trade's path, pooling), `anchored` (the previous default: unpaired bounds over the seven profiles) or `seed` (the original's classic regimes and ε-greedy EMA).",
    },
    (error) => z.enum(POLICY_NAMES, { error }),
  ),
  REGIME_MODE: variable(
    {
      default: 'relative',
      accepts: `one of ${REGIME_MODES.join(', ')}`,
      meaning:
        "Regime rules of the `default` policy: `relative` (volatility as a rank of the instrument's own recent ATR%, trend in ATRs) or `classic` (absolute ATR% thresholds).",
    },
    (error) => z.enum(REGIME_MODES, { error }),
  ),
  REGIME_VOL_LOOKBACK_BARS: variable(
    {
      default: '100',
      accepts: 'a positive integer',
      meaning: 'Relative regimes: bars of ATR% (the latest included) the current ATR% is ranked among.',
    },
    positiveInteger,
  ),
  REGIME_HIGH_VOL_PERCENTILE: variable(
    {
      default: '0.5',
      accepts: 'a number between 0 and 1',
      meaning:
        'Relative regimes: ATR% rank at or above which a range is RANGE_HIGH_VOL (0 = calmest, 1 = wildest of the lookback).',
    },
    (error) => decimal(error, z.gte(0, { error }), z.lte(1, { error })),
  ),
  REGIME_EXTREME_VOL_PERCENTILE: variable(
    {
      default: '0.95',
      accepts: 'a number between 0 and 1',
      meaning:
        'Relative regimes: ATR% rank at or above which the market is HIGH_VOLATILITY; above REGIME_HIGH_VOL_PERCENTILE.',
    },
    (error) => decimal(error, z.gte(0, { error }), z.lte(1, { error })),
  ),
  REGIME_TREND_ATR: variable(
    {
      default: '1.5',
      accepts: 'a number greater than 0',
      meaning:
        'Relative regimes: trend strength in ATRs (mean of close − SMA20, close − SMA50 and EMA12 − EMA26, over the ATR) at or above which the market is a trend.',
    },
    (error) => decimal(error, z.gt(0, { error })),
  ),
  LEARNER_CONFIDENCE_Z: variable(
    {
      default: '1.5',
      accepts: 'a number of at least 0',
      meaning:
        "Default learner: standard errors below an arm's mean lead over trend_rider (paired on the same paths) at which its lower bound must still be above 0 for it to replace trend_rider.",
    },
    (error) => decimal(error, z.gte(0, { error })),
  ),
  LEARNER_MIN_EVIDENCE_TRADES: variable(
    {
      default: '20',
      accepts: 'a number of at least 0',
      meaning:
        'Default learner: trades of paired evidence (own plus the pooled and other-regime priors) an arm needs before it may replace trend_rider.',
    },
    (error) => decimal(error, z.gte(0, { error })),
  ),
  LEARNER_POOL_PRIOR_TRADES: variable(
    {
      default: '50',
      accepts: 'a number of at least 0',
      meaning:
        "Default learner: most trades the same regime on the other symbols counts as in a cell's evidence, so a new symbol starts from it and its own trades take over.",
    },
    (error) => decimal(error, z.gte(0, { error })),
  ),
  LEARNER_SYMBOL_PRIOR_TRADES: variable(
    {
      default: '30',
      accepts: 'a number of at least 0',
      meaning: "Default learner: most trades the same symbol's other regimes count as in a cell's evidence.",
    },
    (error) => decimal(error, z.gte(0, { error })),
  ),
  ARM_SET: variable(
    {
      default: 'family',
      accepts: `one of ${ARM_SET_NAMES.join(', ')}`,
      meaning:
        'Arms the default learner chooses between: `family` (the seven profiles, and trend_rider and scalp with the stop × 0.5–2 and the targets × 0.5–2: 35 arms) or `seven` (the profiles alone).',
    },
    (error) => z.enum(ARM_SET_NAMES as [ArmSetName, ...ArmSetName[]], { error }),
  ),
  LEARNER_PATH_FEEDBACK: variable(
    {
      default: 'true',
      accepts: 'one of true, false, 1, 0',
      meaning:
        'Bots send `path` with TradeClosed, so one trade teaches every arm and the default learner never explores. Set false when they do not: the default then runs the anchored learner over the seven, exploring with META_STRATEGY_EPSILON.',
    },
    (error) => z.stringbool({ truthy: ['true', '1'], falsy: ['false', '0'], error }),
  ),
  LEARNER_EXPLORE_RISKY_REGIMES: variable(
    {
      default: 'false',
      accepts: 'one of true, false, 1, 0',
      meaning:
        'Let the default learner explore in HIGH_VOLATILITY and ILLIQUID too (it never does by default).',
    },
    (error) => z.stringbool({ truthy: ['true', '1'], falsy: ['false', '0'], error }),
  ),
  ENTRY_MAX_DISTANCE_ATR: variable(
    {
      default: '10',
      accepts: 'a number greater than 0',
      meaning:
        "Select: `entryPrice` must lie within this many ATRs of the last candle's close; farther is a 400 naming entryPrice.",
    },
    (error) => decimal(error, z.gt(0, { error })),
  ),
  REWARD_MAX_ABS_R: variable(
    {
      default: '20',
      accepts: 'a number greater than 0 and at most 1000',
      meaning:
        'Reward: a realized R beyond ±this is implausible (the decision is marked REJECTED, no learner cell changes).',
    },
    (error) => decimal(error, z.gt(0, { error }), z.lte(1000, { error })),
  ),
  REWARD_GAP_ALLOWANCE_ATR: variable(
    {
      default: '3',
      accepts: 'a number of at least 0',
      meaning:
        "Reward: slippage and gaps allowed beyond the plan's reach (−1 R at the stop, every target filled at the top), in ATRs of price; beyond it a reward is implausible.",
    },
    (error) => decimal(error, z.gte(0, { error })),
  ),
  REWARD_CLOCK_SKEW_SECONDS: variable(
    {
      default: '300',
      accepts: 'a number of at least 0',
      meaning:
        "Reward: how far `closedAt` may lie before the decision or after the reward function's clock before the reward is implausible.",
    },
    (error) => decimal(error, z.gte(0, { error })),
  ),
  POOL_SHARDS: variable(
    {
      default: '16',
      accepts: 'an integer between 1 and 99',
      meaning:
        "Items each regime's pooled cells are spread over (a reward adds to one, select reads and sums all). Raise it for more concurrent rewards; lowering it hides the pooled sums of the shards dropped.",
    },
    (error) => z.pipe(numberText(error), z.int({ error }).check(z.gte(1, { error }), z.lte(99, { error }))),
  ),
} satisfies Record<string, Variable>;

/**
 * Variables of the local stack (`npm start`, `npm run demo`) only. Kept apart from `VARIABLES`
 * so that they never reach `ENV_DEFAULTS`, and so never a function's environment in AWS.
 */
const LOCAL_VARIABLES = {
  PORT: variable(
    {
      default: '3000',
      accepts: 'an integer between 0 and 65535',
      meaning:
        'Local only: the port `npm start` serves the HTTP API and PutEvents on (0 picks a free one), and where `npm run demo` looks for it.',
    },
    (error) =>
      z.pipe(numberText(error), z.int({ error }).check(z.gte(0, { error }), z.lte(65535, { error }))),
  ),
} satisfies Record<string, Variable>;

type VariableName = keyof typeof VARIABLES;

const environmentSchema = z
  .object({
    META_STRATEGY_ENABLED: VARIABLES.META_STRATEGY_ENABLED.schema,
    META_STRATEGY_EPSILON: VARIABLES.META_STRATEGY_EPSILON.schema,
    META_STRATEGY_ALPHA: VARIABLES.META_STRATEGY_ALPHA.schema,
    REGIME_TREND_ADX_THRESHOLD: VARIABLES.REGIME_TREND_ADX_THRESHOLD.schema,
    REGIME_HIGH_VOL_ATR_PCT: VARIABLES.REGIME_HIGH_VOL_ATR_PCT.schema,
    REGIME_EXTREME_VOL_ATR_PCT: VARIABLES.REGIME_EXTREME_VOL_ATR_PCT.schema,
    REGIME_ILLIQUID_VOLUME_USD: VARIABLES.REGIME_ILLIQUID_VOLUME_USD.schema,
    REGIME_ILLIQUID_DEPTH_USD: VARIABLES.REGIME_ILLIQUID_DEPTH_USD.schema,
    REGIME_ILLIQUID_SPREAD_BPS: VARIABLES.REGIME_ILLIQUID_SPREAD_BPS.schema,
    DEFAULT_STRATEGY: VARIABLES.DEFAULT_STRATEGY.schema,
    TABLE_NAME: VARIABLES.TABLE_NAME.schema,
    EVENT_SOURCE: VARIABLES.EVENT_SOURCE.schema,
    DECISION_TTL_DAYS: VARIABLES.DECISION_TTL_DAYS.schema,
    TRADE_HORIZON_BARS: VARIABLES.TRADE_HORIZON_BARS.schema,
    MAX_CANDLES: VARIABLES.MAX_CANDLES.schema,
    LEARNER: VARIABLES.LEARNER.schema,
    REGIME_MODE: VARIABLES.REGIME_MODE.schema,
    REGIME_VOL_LOOKBACK_BARS: VARIABLES.REGIME_VOL_LOOKBACK_BARS.schema,
    REGIME_HIGH_VOL_PERCENTILE: VARIABLES.REGIME_HIGH_VOL_PERCENTILE.schema,
    REGIME_EXTREME_VOL_PERCENTILE: VARIABLES.REGIME_EXTREME_VOL_PERCENTILE.schema,
    REGIME_TREND_ATR: VARIABLES.REGIME_TREND_ATR.schema,
    LEARNER_CONFIDENCE_Z: VARIABLES.LEARNER_CONFIDENCE_Z.schema,
    LEARNER_MIN_EVIDENCE_TRADES: VARIABLES.LEARNER_MIN_EVIDENCE_TRADES.schema,
    LEARNER_POOL_PRIOR_TRADES: VARIABLES.LEARNER_POOL_PRIOR_TRADES.schema,
    LEARNER_SYMBOL_PRIOR_TRADES: VARIABLES.LEARNER_SYMBOL_PRIOR_TRADES.schema,
    ARM_SET: VARIABLES.ARM_SET.schema,
    LEARNER_PATH_FEEDBACK: VARIABLES.LEARNER_PATH_FEEDBACK.schema,
    LEARNER_EXPLORE_RISKY_REGIMES: VARIABLES.LEARNER_EXPLORE_RISKY_REGIMES.schema,
    ENTRY_MAX_DISTANCE_ATR: VARIABLES.ENTRY_MAX_DISTANCE_ATR.schema,
    REWARD_MAX_ABS_R: VARIABLES.REWARD_MAX_ABS_R.schema,
    REWARD_GAP_ALLOWANCE_ATR: VARIABLES.REWARD_GAP_ALLOWANCE_ATR.schema,
    REWARD_CLOCK_SKEW_SECONDS: VARIABLES.REWARD_CLOCK_SKEW_SECONDS.schema,
    POOL_SHARDS: VARIABLES.POOL_SHARDS.schema,
  } satisfies Record<VariableName, unknown>)
  .check(
    z.superRefine(
      (vars, ctx) => {
        if (vars.REGIME_HIGH_VOL_ATR_PCT >= vars.REGIME_EXTREME_VOL_ATR_PCT) {
          ctx.addIssue({
            code: 'custom',
            path: ['REGIME_HIGH_VOL_ATR_PCT'],
            message: `must be less than REGIME_EXTREME_VOL_ATR_PCT, which is ${vars.REGIME_EXTREME_VOL_ATR_PCT}`,
          });
        }
      },
      // Run alongside other variables' failures, so one error lists everything; skip only when
      // one of the two compared values is itself invalid.
      {
        when: (payload) =>
          !(payload.issues ?? []).some(
            (issue) =>
              issue.path?.[0] === 'REGIME_HIGH_VOL_ATR_PCT' ||
              issue.path?.[0] === 'REGIME_EXTREME_VOL_ATR_PCT',
          ),
      },
    ),
    z.superRefine(
      (vars, ctx) => {
        if (vars.REGIME_HIGH_VOL_PERCENTILE >= vars.REGIME_EXTREME_VOL_PERCENTILE) {
          ctx.addIssue({
            code: 'custom',
            path: ['REGIME_HIGH_VOL_PERCENTILE'],
            message: `must be less than REGIME_EXTREME_VOL_PERCENTILE, which is ${vars.REGIME_EXTREME_VOL_PERCENTILE}`,
          });
        }
      },
      {
        when: (payload) =>
          !(payload.issues ?? []).some(
            (issue) =>
              issue.path?.[0] === 'REGIME_HIGH_VOL_PERCENTILE' ||
              issue.path?.[0] === 'REGIME_EXTREME_VOL_PERCENTILE',
          ),
      },
    ),
  );

/** Every variable, in the order docs/operations.md lists them. */
export const CONFIG_VARIABLES: readonly ConfigVariable[] = Object.freeze(
  Object.entries(VARIABLES).map(([name, { default: defaultValue, accepts, meaning }]) =>
    Object.freeze({ name, default: defaultValue, accepts, meaning }),
  ),
);

/** The local stack's variables, in the order docs/operations.md lists them after `CONFIG_VARIABLES`. */
export const LOCAL_CONFIG_VARIABLES: readonly ConfigVariable[] = Object.freeze(
  Object.entries(LOCAL_VARIABLES).map(([name, { default: defaultValue, accepts, meaning }]) =>
    Object.freeze({ name, default: defaultValue, accepts, meaning }),
  ),
);

/**
 * Each variable's default as the environment spells it (variables without a default, such as
 * TABLE_NAME, are absent). Passing this to `loadConfig` yields the default configuration.
 */
export const ENV_DEFAULTS: Readonly<Record<string, string>> = Object.freeze(
  Object.fromEntries(
    CONFIG_VARIABLES.flatMap((v) => (v.default === undefined ? [] : [[v.name, v.default] as const])),
  ),
);

/**
 * Parses an environment into a `Config`. Pure and uncached (tests pass their own environment).
 * Unset variables take their defaults; a set but empty variable is an error, not a default.
 * @throws ConfigError naming every invalid variable, what it accepts and what it got.
 */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const parsed = environmentSchema.safeParse(env);
  if (!parsed.success) throw configError(parsed.error.issues, env);
  const vars = parsed.data;
  return {
    enabled: vars.META_STRATEGY_ENABLED,
    learner: {
      epsilon: vars.META_STRATEGY_EPSILON,
      alpha: vars.META_STRATEGY_ALPHA,
      defaultStrategy: vars.DEFAULT_STRATEGY,
    },
    regime: {
      trendAdx: vars.REGIME_TREND_ADX_THRESHOLD,
      highVolAtrPct: vars.REGIME_HIGH_VOL_ATR_PCT,
      extremeVolAtrPct: vars.REGIME_EXTREME_VOL_ATR_PCT,
      illiquidVolume24hUsd: vars.REGIME_ILLIQUID_VOLUME_USD,
      illiquidDepthUsd: vars.REGIME_ILLIQUID_DEPTH_USD,
      illiquidSpreadBps: vars.REGIME_ILLIQUID_SPREAD_BPS,
    },
    policy: {
      name: vars.LEARNER,
      regimeMode: vars.REGIME_MODE,
      confidenceZ: vars.LEARNER_CONFIDENCE_Z,
      minEvidenceTrades: vars.LEARNER_MIN_EVIDENCE_TRADES,
      poolPriorTrades: vars.LEARNER_POOL_PRIOR_TRADES,
      symbolPriorTrades: vars.LEARNER_SYMBOL_PRIOR_TRADES,
      armSet: vars.ARM_SET,
      pathFeedback: vars.LEARNER_PATH_FEEDBACK,
      exploreRiskyRegimes: vars.LEARNER_EXPLORE_RISKY_REGIMES,
    },
    relativeRegime: {
      volatilityLookbackBars: vars.REGIME_VOL_LOOKBACK_BARS,
      highVolPercentile: vars.REGIME_HIGH_VOL_PERCENTILE,
      extremeVolPercentile: vars.REGIME_EXTREME_VOL_PERCENTILE,
      trendAtr: vars.REGIME_TREND_ATR,
    },
    ...(vars.TABLE_NAME === undefined ? {} : { tableName: vars.TABLE_NAME }),
    eventSource: vars.EVENT_SOURCE,
    decisionTtlDays: vars.DECISION_TTL_DAYS,
    horizonBars: vars.TRADE_HORIZON_BARS,
    maxCandles: vars.MAX_CANDLES,
    plausibility: {
      entryMaxDistanceAtr: vars.ENTRY_MAX_DISTANCE_ATR,
      rewardMaxAbsR: vars.REWARD_MAX_ABS_R,
      rewardGapAllowanceAtr: vars.REWARD_GAP_ALLOWANCE_ATR,
      clockSkewMs: vars.REWARD_CLOCK_SKEW_SECONDS * 1000,
    },
    poolShards: vars.POOL_SHARDS,
  };
}

function configError(
  issues: readonly z.core.$ZodIssue[],
  env: Record<string, string | undefined>,
): ConfigError {
  return new ConfigError(
    issues.map((issue) => {
      const variable = String(issue.path[0] ?? 'environment');
      const received = env[variable];
      const got = received === undefined ? 'unset' : `got '${received}'`;
      return { variable, received, message: `${variable} ${issue.message} (${got})` };
    }),
  );
}

/** Settings of the local stack that are not a function's: read by `npm start` and `npm run demo`. */
export interface LocalStackConfig {
  port: number;
}

const localEnvironmentSchema = z.object({ PORT: LOCAL_VARIABLES.PORT.schema });

/**
 * Parses the local stack's variables (see `LOCAL_CONFIG_VARIABLES`). Pure, like `loadConfig`.
 * @throws ConfigError naming every invalid variable.
 */
export function loadLocalConfig(env: Record<string, string | undefined> = process.env): LocalStackConfig {
  const parsed = localEnvironmentSchema.safeParse(env);
  if (!parsed.success) throw configError(parsed.error.issues, env);
  return { port: parsed.data.PORT };
}

let cached: Config | undefined;

/**
 * The process's configuration, parsed from `process.env` on first use and kept for the life of
 * the execution environment. Call it at module scope in a handler so that a bad environment
 * fails the cold start loudly instead of the first request.
 * @throws ConfigError as `loadConfig` does (and again on every call until the environment is fixed).
 */
export function getConfig(): Config {
  cached ??= loadConfig(process.env);
  return cached;
}
