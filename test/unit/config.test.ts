import { describe, expect, it } from 'vitest';
import {
  CONFIG_VARIABLES,
  type Config,
  ConfigError,
  ENV_DEFAULTS,
  LOCAL_CONFIG_VARIABLES,
  loadConfig,
  loadLocalConfig,
} from '../../lib/config';

const DEFAULT_CONFIG: Config = {
  enabled: true,
  learner: { epsilon: 0.1, alpha: 0.2, defaultStrategy: 'ultra_aggressive' },
  regime: {
    trendAdx: 25,
    highVolAtrPct: 0.04,
    extremeVolAtrPct: 0.06,
    illiquidVolume24hUsd: 2_000_000,
    illiquidDepthUsd: 50_000,
    illiquidSpreadBps: 10,
  },
  policy: {
    name: 'default',
    regimeMode: 'relative',
    confidenceZ: 1.5,
    minEvidenceTrades: 20,
    poolPriorTrades: 50,
    symbolPriorTrades: 30,
    armSet: 'family',
    pathFeedback: true,
    exploreRiskyRegimes: false,
  },
  relativeRegime: {
    volatilityLookbackBars: 100,
    highVolPercentile: 0.5,
    extremeVolPercentile: 0.95,
    trendAtr: 1.5,
  },
  eventSource: 'trading.bot',
  decisionTtlDays: 30,
  horizonBars: 48,
  maxCandles: 1000,
  plausibility: {
    entryMaxDistanceAtr: 10,
    rewardMaxAbsR: 20,
    rewardGapAllowanceAtr: 3,
    clockSkewMs: 300_000,
  },
  poolShards: 16,
};

/** Runs loadConfig expecting a ConfigError and returns it. */
function configErrorFor(env: Record<string, string | undefined>): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error(`expected a ConfigError for ${JSON.stringify(env)}`);
}

describe('loadConfig', () => {
  it('uses the original defaults when nothing is set', () => {
    expect(loadConfig({})).toEqual(DEFAULT_CONFIG);
  });

  it('ignores variables it does not know', () => {
    expect(loadConfig({ PATH: '/usr/bin', AWS_REGION: 'eu-west-1' })).toEqual(DEFAULT_CONFIG);
  });

  it('reads every variable and maps it into the nested config', () => {
    const config = loadConfig({
      META_STRATEGY_ENABLED: 'false',
      META_STRATEGY_EPSILON: '0',
      META_STRATEGY_ALPHA: '1',
      REGIME_TREND_ADX_THRESHOLD: '30',
      REGIME_HIGH_VOL_ATR_PCT: '0.01',
      REGIME_EXTREME_VOL_ATR_PCT: '0.02',
      REGIME_ILLIQUID_VOLUME_USD: '0',
      REGIME_ILLIQUID_DEPTH_USD: '100000',
      REGIME_ILLIQUID_SPREAD_BPS: '2.5',
      DEFAULT_STRATEGY: 'scalp',
      TABLE_NAME: 'selector-table',
      EVENT_SOURCE: 'bots.fleet-a',
      DECISION_TTL_DAYS: '7',
      TRADE_HORIZON_BARS: '96',
      MAX_CANDLES: '500',
      LEARNER: 'seed',
      REGIME_MODE: 'classic',
      REGIME_VOL_LOOKBACK_BARS: '250',
      REGIME_HIGH_VOL_PERCENTILE: '0.6',
      REGIME_EXTREME_VOL_PERCENTILE: '0.9',
      REGIME_TREND_ATR: '2',
      LEARNER_CONFIDENCE_Z: '2.5',
      LEARNER_MIN_EVIDENCE_TRADES: '30',
      LEARNER_POOL_PRIOR_TRADES: '0',
      LEARNER_SYMBOL_PRIOR_TRADES: '5',
      ARM_SET: 'seven',
      LEARNER_PATH_FEEDBACK: 'false',
      LEARNER_EXPLORE_RISKY_REGIMES: '1',
      ENTRY_MAX_DISTANCE_ATR: '2.5',
      REWARD_MAX_ABS_R: '50',
      REWARD_GAP_ALLOWANCE_ATR: '0.5',
      REWARD_CLOCK_SKEW_SECONDS: '1.5',
      POOL_SHARDS: '64',
    });
    expect(config).toEqual({
      enabled: false,
      learner: { epsilon: 0, alpha: 1, defaultStrategy: 'scalp' },
      regime: {
        trendAdx: 30,
        highVolAtrPct: 0.01,
        extremeVolAtrPct: 0.02,
        illiquidVolume24hUsd: 0,
        illiquidDepthUsd: 100_000,
        illiquidSpreadBps: 2.5,
      },
      policy: {
        name: 'seed',
        regimeMode: 'classic',
        confidenceZ: 2.5,
        minEvidenceTrades: 30,
        poolPriorTrades: 0,
        symbolPriorTrades: 5,
        armSet: 'seven',
        pathFeedback: false,
        exploreRiskyRegimes: true,
      },
      relativeRegime: {
        volatilityLookbackBars: 250,
        highVolPercentile: 0.6,
        extremeVolPercentile: 0.9,
        trendAtr: 2,
      },
      tableName: 'selector-table',
      eventSource: 'bots.fleet-a',
      decisionTtlDays: 7,
      horizonBars: 96,
      maxCandles: 500,
      plausibility: {
        entryMaxDistanceAtr: 2.5,
        rewardMaxAbsR: 50,
        rewardGapAllowanceAtr: 0.5,
        clockSkewMs: 1500,
      },
      poolShards: 64,
    } satisfies Config);
  });

  it.each([
    ['true', true],
    ['false', false],
    ['1', true],
    ['0', false],
    ['TRUE', true],
    ['False', false],
  ])('reads META_STRATEGY_ENABLED=%s as %s', (raw, enabled) => {
    expect(loadConfig({ META_STRATEGY_ENABLED: raw }).enabled).toBe(enabled);
  });

  it('leaves tableName out when TABLE_NAME is unset', () => {
    expect(loadConfig({})).not.toHaveProperty('tableName');
  });

  const badValues: ReadonlyArray<[variable: string, raw: string, accepts: string]> = [
    ['META_STRATEGY_ENABLED', 'yes', 'one of true, false, 1, 0'],
    ['META_STRATEGY_ENABLED', '', 'one of true, false, 1, 0'],
    ['META_STRATEGY_EPSILON', 'abc', 'a number between 0 and 1'],
    ['META_STRATEGY_EPSILON', '1.5', 'a number between 0 and 1'],
    ['META_STRATEGY_EPSILON', '-0.1', 'a number between 0 and 1'],
    ['META_STRATEGY_EPSILON', '', 'a number between 0 and 1'],
    ['META_STRATEGY_EPSILON', '  ', 'a number between 0 and 1'],
    ['META_STRATEGY_ALPHA', '0', 'a number greater than 0 and at most 1'],
    ['META_STRATEGY_ALPHA', '1.01', 'a number greater than 0 and at most 1'],
    ['META_STRATEGY_ALPHA', 'NaN', 'a number greater than 0 and at most 1'],
    ['REGIME_TREND_ADX_THRESHOLD', '101', 'a number between 0 and 100'],
    ['REGIME_TREND_ADX_THRESHOLD', 'twenty', 'a number between 0 and 100'],
    ['REGIME_HIGH_VOL_ATR_PCT', '0', 'a number greater than 0 and at most 1'],
    ['REGIME_HIGH_VOL_ATR_PCT', '4', 'a number greater than 0 and at most 1'],
    ['REGIME_EXTREME_VOL_ATR_PCT', '6%', 'a number greater than 0 and at most 1'],
    ['REGIME_EXTREME_VOL_ATR_PCT', 'Infinity', 'a number greater than 0 and at most 1'],
    ['REGIME_ILLIQUID_VOLUME_USD', '-1', 'a number of at least 0'],
    ['REGIME_ILLIQUID_VOLUME_USD', '2M', 'a number of at least 0'],
    ['REGIME_ILLIQUID_DEPTH_USD', '-50000', 'a number of at least 0'],
    ['REGIME_ILLIQUID_SPREAD_BPS', 'wide', 'a number of at least 0'],
    ['DEFAULT_STRATEGY', 'yolo', 'one of defensive, moderate, moderate_aggressive'],
    ['DEFAULT_STRATEGY', 'ULTRA_AGGRESSIVE', 'one of defensive, moderate'],
    ['TABLE_NAME', '', 'a non-empty string'],
    ['EVENT_SOURCE', '', 'a non-empty string'],
    ['EVENT_SOURCE', '   ', 'a non-empty string'],
    ['DECISION_TTL_DAYS', '0', 'a positive integer'],
    ['DECISION_TTL_DAYS', '1.5', 'a positive integer'],
    ['TRADE_HORIZON_BARS', '-48', 'a positive integer'],
    ['TRADE_HORIZON_BARS', 'forty', 'a positive integer'],
    ['MAX_CANDLES', '1e400', 'a positive integer'],
    ['MAX_CANDLES', '10.5', 'a positive integer'],
    ['LEARNER', 'bandit', 'one of default, seed, anchored'],
    ['REGIME_MODE', 'absolute', 'one of relative, classic'],
    ['REGIME_VOL_LOOKBACK_BARS', '0', 'a positive integer'],
    ['REGIME_HIGH_VOL_PERCENTILE', '50', 'a number between 0 and 1'],
    ['REGIME_EXTREME_VOL_PERCENTILE', '-0.1', 'a number between 0 and 1'],
    ['REGIME_TREND_ATR', '0', 'a number greater than 0'],
    ['LEARNER_CONFIDENCE_Z', '-1', 'a number of at least 0'],
    ['LEARNER_MIN_EVIDENCE_TRADES', 'many', 'a number of at least 0'],
    ['LEARNER_POOL_PRIOR_TRADES', '-5', 'a number of at least 0'],
    ['LEARNER_SYMBOL_PRIOR_TRADES', '-1', 'a number of at least 0'],
    ['ARM_SET', 'all', 'one of seven, family'],
    ['LEARNER_PATH_FEEDBACK', 'sometimes', 'one of true, false, 1, 0'],
    ['LEARNER_EXPLORE_RISKY_REGIMES', 'yes', 'one of true, false, 1, 0'],
    ['ENTRY_MAX_DISTANCE_ATR', '0', 'a number greater than 0'],
    ['ENTRY_MAX_DISTANCE_ATR', '-3', 'a number greater than 0'],
    ['ENTRY_MAX_DISTANCE_ATR', '5%', 'a number greater than 0'],
    ['ENTRY_MAX_DISTANCE_ATR', 'Infinity', 'a number greater than 0'],
    ['REWARD_MAX_ABS_R', '0', 'a number greater than 0 and at most 1000'],
    ['REWARD_MAX_ABS_R', '1000.5', 'a number greater than 0 and at most 1000'],
    ['REWARD_MAX_ABS_R', '1e300', 'a number greater than 0 and at most 1000'],
    ['REWARD_GAP_ALLOWANCE_ATR', '-0.5', 'a number of at least 0'],
    ['REWARD_GAP_ALLOWANCE_ATR', '-0.000001', 'a number of at least 0'],
    ['REWARD_GAP_ALLOWANCE_ATR', 'three', 'a number of at least 0'],
    ['REWARD_GAP_ALLOWANCE_ATR', '3R', 'a number of at least 0'],
    ['REWARD_GAP_ALLOWANCE_ATR', 'Infinity', 'a number of at least 0'],
    ['REWARD_CLOCK_SKEW_SECONDS', '-1', 'a number of at least 0'],
    ['REWARD_CLOCK_SKEW_SECONDS', '5m', 'a number of at least 0'],
    ['POOL_SHARDS', '0', 'an integer between 1 and 99'],
    ['POOL_SHARDS', '100', 'an integer between 1 and 99'],
    ['POOL_SHARDS', '2.5', 'an integer between 1 and 99'],
    ['POOL_SHARDS', 'many', 'an integer between 1 and 99'],
  ];

  it.each(badValues)('rejects %s=%j naming the variable and what it accepts', (variable, raw, accepts) => {
    const error = configErrorFor({ [variable]: raw });
    expect(error.issues).toHaveLength(1);
    expect(error.issues[0]).toMatchObject({ variable, received: raw });
    expect(error.message).toContain(`${variable} must be ${accepts}`);
    expect(error.message).toContain(`(got '${raw}')`);
  });

  it('words the error as the operator reads it', () => {
    expect(configErrorFor({ META_STRATEGY_EPSILON: 'abc' }).message).toBe(
      "Invalid configuration: META_STRATEGY_EPSILON must be a number between 0 and 1 (got 'abc')",
    );
  });

  it('names every bad variable in one error', () => {
    const error = configErrorFor({
      META_STRATEGY_EPSILON: 'abc',
      DEFAULT_STRATEGY: 'yolo',
      MAX_CANDLES: '0',
      META_STRATEGY_ENABLED: 'maybe',
    });
    expect(error.issues.map((issue) => issue.variable).sort()).toEqual([
      'DEFAULT_STRATEGY',
      'MAX_CANDLES',
      'META_STRATEGY_ENABLED',
      'META_STRATEGY_EPSILON',
    ]);
    for (const name of [
      'DEFAULT_STRATEGY',
      'MAX_CANDLES',
      'META_STRATEGY_ENABLED',
      'META_STRATEGY_EPSILON',
    ]) {
      expect(error.message).toContain(`${name} must be`);
    }
  });

  it('rejects a high-volatility threshold that is not below the extreme one', () => {
    const error = configErrorFor({ REGIME_HIGH_VOL_ATR_PCT: '0.07' });
    expect(error.issues).toEqual([
      {
        variable: 'REGIME_HIGH_VOL_ATR_PCT',
        received: '0.07',
        message:
          "REGIME_HIGH_VOL_ATR_PCT must be less than REGIME_EXTREME_VOL_ATR_PCT, which is 0.06 (got '0.07')",
      },
    ]);
    expect(() => loadConfig({ REGIME_HIGH_VOL_ATR_PCT: '0.05', REGIME_EXTREME_VOL_ATR_PCT: '0.05' })).toThrow(
      ConfigError,
    );
  });

  it('reports the cross-field rule together with unrelated bad variables', () => {
    const error = configErrorFor({ REGIME_EXTREME_VOL_ATR_PCT: '0.03', META_STRATEGY_ALPHA: '0' });
    expect(error.issues.map((issue) => issue.variable).sort()).toEqual([
      'META_STRATEGY_ALPHA',
      'REGIME_HIGH_VOL_ATR_PCT',
    ]);
  });

  it('rejects a relative high-volatility rank that is not below the extreme one', () => {
    const error = configErrorFor({ REGIME_HIGH_VOL_PERCENTILE: '0.95' });
    expect(error.issues).toEqual([
      {
        variable: 'REGIME_HIGH_VOL_PERCENTILE',
        received: '0.95',
        message:
          "REGIME_HIGH_VOL_PERCENTILE must be less than REGIME_EXTREME_VOL_PERCENTILE, which is 0.95 (got '0.95')",
      },
    ]);
  });

  it('accepts the plausibility settings at the edges of their ranges', () => {
    const config = loadConfig({
      ENTRY_MAX_DISTANCE_ATR: '0.001',
      REWARD_MAX_ABS_R: '1000',
      REWARD_GAP_ALLOWANCE_ATR: '0',
      REWARD_CLOCK_SKEW_SECONDS: '0',
      POOL_SHARDS: '1',
    });
    expect(config.plausibility).toEqual({
      entryMaxDistanceAtr: 0.001,
      rewardMaxAbsR: 1000,
      rewardGapAllowanceAtr: 0,
      clockSkewMs: 0,
    });
    expect(config.poolShards).toBe(1);
    expect(loadConfig({ POOL_SHARDS: '99' }).poolShards).toBe(99);
  });

  it('reads the clock skew in seconds and keeps it in milliseconds', () => {
    expect(loadConfig({ REWARD_CLOCK_SKEW_SECONDS: '0.25' }).plausibility.clockSkewMs).toBe(250);
    expect(loadConfig({ REWARD_CLOCK_SKEW_SECONDS: '86400' }).plausibility.clockSkewMs).toBe(86_400_000);
  });

  it('words a plausibility setting error as the operator reads it', () => {
    expect(configErrorFor({ REWARD_MAX_ABS_R: '5000' }).message).toBe(
      "Invalid configuration: REWARD_MAX_ABS_R must be a number greater than 0 and at most 1000 (got '5000')",
    );
    expect(configErrorFor({ POOL_SHARDS: '0' }).message).toBe(
      "Invalid configuration: POOL_SHARDS must be an integer between 1 and 99 (got '0')",
    );
  });

  it('does not add the cross-field rule when a compared value is itself invalid', () => {
    const error = configErrorFor({ REGIME_EXTREME_VOL_ATR_PCT: 'high' });
    expect(error.issues.map((issue) => issue.variable)).toEqual(['REGIME_EXTREME_VOL_ATR_PCT']);
  });
});

describe('ENV_DEFAULTS and CONFIG_VARIABLES', () => {
  it('round-trips ENV_DEFAULTS through loadConfig to the default config', () => {
    expect(loadConfig({ ...ENV_DEFAULTS })).toEqual(DEFAULT_CONFIG);
    expect(loadConfig({ ...ENV_DEFAULTS })).toEqual(loadConfig({}));
  });

  it('lists the defaults the stack sets, as strings', () => {
    expect(ENV_DEFAULTS).toEqual({
      META_STRATEGY_ENABLED: 'true',
      META_STRATEGY_EPSILON: '0.10',
      META_STRATEGY_ALPHA: '0.20',
      REGIME_TREND_ADX_THRESHOLD: '25',
      REGIME_HIGH_VOL_ATR_PCT: '0.04',
      REGIME_EXTREME_VOL_ATR_PCT: '0.06',
      REGIME_ILLIQUID_VOLUME_USD: '2000000',
      REGIME_ILLIQUID_DEPTH_USD: '50000',
      REGIME_ILLIQUID_SPREAD_BPS: '10',
      DEFAULT_STRATEGY: 'ultra_aggressive',
      EVENT_SOURCE: 'trading.bot',
      DECISION_TTL_DAYS: '30',
      TRADE_HORIZON_BARS: '48',
      MAX_CANDLES: '1000',
      LEARNER: 'default',
      REGIME_MODE: 'relative',
      REGIME_VOL_LOOKBACK_BARS: '100',
      REGIME_HIGH_VOL_PERCENTILE: '0.5',
      REGIME_EXTREME_VOL_PERCENTILE: '0.95',
      REGIME_TREND_ATR: '1.5',
      LEARNER_CONFIDENCE_Z: '1.5',
      LEARNER_MIN_EVIDENCE_TRADES: '20',
      LEARNER_POOL_PRIOR_TRADES: '50',
      LEARNER_SYMBOL_PRIOR_TRADES: '30',
      ARM_SET: 'family',
      LEARNER_PATH_FEEDBACK: 'true',
      LEARNER_EXPLORE_RISKY_REGIMES: 'false',
      ENTRY_MAX_DISTANCE_ATR: '10',
      REWARD_MAX_ABS_R: '20',
      REWARD_GAP_ALLOWANCE_ATR: '3',
      REWARD_CLOCK_SKEW_SECONDS: '300',
      POOL_SHARDS: '16',
    });
  });

  it('documents every variable the schema reads, with its default and meaning', () => {
    const names = CONFIG_VARIABLES.map((v) => v.name);
    expect(new Set(names).size).toBe(names.length);
    expect(names).toEqual([
      'META_STRATEGY_ENABLED',
      'META_STRATEGY_EPSILON',
      'META_STRATEGY_ALPHA',
      'REGIME_TREND_ADX_THRESHOLD',
      'REGIME_HIGH_VOL_ATR_PCT',
      'REGIME_EXTREME_VOL_ATR_PCT',
      'REGIME_ILLIQUID_VOLUME_USD',
      'REGIME_ILLIQUID_DEPTH_USD',
      'REGIME_ILLIQUID_SPREAD_BPS',
      'DEFAULT_STRATEGY',
      'TABLE_NAME',
      'EVENT_SOURCE',
      'DECISION_TTL_DAYS',
      'TRADE_HORIZON_BARS',
      'MAX_CANDLES',
      'LEARNER',
      'REGIME_MODE',
      'REGIME_VOL_LOOKBACK_BARS',
      'REGIME_HIGH_VOL_PERCENTILE',
      'REGIME_EXTREME_VOL_PERCENTILE',
      'REGIME_TREND_ATR',
      'LEARNER_CONFIDENCE_Z',
      'LEARNER_MIN_EVIDENCE_TRADES',
      'LEARNER_POOL_PRIOR_TRADES',
      'LEARNER_SYMBOL_PRIOR_TRADES',
      'ARM_SET',
      'LEARNER_PATH_FEEDBACK',
      'LEARNER_EXPLORE_RISKY_REGIMES',
      'ENTRY_MAX_DISTANCE_ATR',
      'REWARD_MAX_ABS_R',
      'REWARD_GAP_ALLOWANCE_ATR',
      'REWARD_CLOCK_SKEW_SECONDS',
      'POOL_SHARDS',
    ]);
    for (const v of CONFIG_VARIABLES) {
      expect(v.meaning.length).toBeGreaterThan(10);
      expect(v.accepts.length).toBeGreaterThan(0);
      expect(v.default).toBe(ENV_DEFAULTS[v.name]);
    }
  });

  it('rejects a bad value for every documented variable', () => {
    for (const v of CONFIG_VARIABLES) {
      const error = configErrorFor({ [v.name]: '' });
      expect(error.issues.map((issue) => issue.variable)).toEqual([v.name]);
    }
  });
});

describe('loadLocalConfig', () => {
  it('serves on port 3000 when PORT is unset', () => {
    expect(loadLocalConfig({})).toEqual({ port: 3000 });
  });

  it('reads PORT, and 0 asks for a free port', () => {
    expect(loadLocalConfig({ PORT: '3001' })).toEqual({ port: 3001 });
    expect(loadLocalConfig({ PORT: '0' })).toEqual({ port: 0 });
  });

  it.each(['', 'abc', '3000.5', '-1', '65536'])('rejects PORT=%j naming the variable', (raw) => {
    let error: unknown;
    try {
      loadLocalConfig({ PORT: raw });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).issues).toEqual([
      {
        variable: 'PORT',
        received: raw,
        message: `PORT must be an integer between 0 and 65535 (got '${raw}')`,
      },
    ]);
  });

  it("keeps local variables out of the functions' environment", () => {
    expect(LOCAL_CONFIG_VARIABLES.map((v) => v.name)).toEqual(['PORT']);
    expect(ENV_DEFAULTS).not.toHaveProperty('PORT');
    expect(CONFIG_VARIABLES.map((v) => v.name)).not.toContain('PORT');
  });
});
