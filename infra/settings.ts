import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Node } from 'constructs';
import { ENV_DEFAULTS, loadConfig } from '../lib/config';

/**
 * Everything an operator can choose at deploy time, read from CDK context (`-c key=value` or the
 * `context` block of cdk.json). Defaults make `npx cdk deploy` with no flags a production stack.
 */
export interface StackSettings {
  /** Dev stack: the table, queues and log groups are destroyed with the stack instead of retained. */
  dev: boolean;
  /** Active X-Ray tracing on the functions. */
  tracing: boolean;
  logRetention: RetentionDays;
  /** Steady-state requests per second allowed on the HTTP API's default stage. */
  throttleRateLimit: number;
  /** Burst of requests allowed on the HTTP API's default stage. */
  throttleBurstLimit: number;
  /**
   * Name of the bus to create; `default` uses the account's default bus instead of creating one;
   * undefined creates a bus with a generated name.
   */
  eventBusName: string | undefined;
  /**
   * Reserved concurrency of the reward function, unset by default: a few keeps rewards racing for
   * one cell few (docs/design.md, "Benchmarks"), but it is taken from the account's concurrency quota.
   */
  rewardConcurrency: number | undefined;
  /** Where alarm notifications go; no SNS topic is created without it. */
  alarmEmail: string | undefined;
  /** The functions' configuration environment (every variable of lib/config.ts, defaults applied). */
  functionEnvironment: Record<string, string>;
}

/** The context keys this app reads, besides one key per configuration variable (e.g. `-c META_STRATEGY_EPSILON=0.05`). */
export const CONTEXT_KEYS = {
  dev: 'dev',
  tracing: 'tracing',
  logRetentionDays: 'logRetentionDays',
  throttleRateLimit: 'throttleRateLimit',
  throttleBurstLimit: 'throttleBurstLimit',
  eventBusName: 'eventBusName',
  rewardConcurrency: 'rewardConcurrency',
  alarmEmail: 'alarmEmail',
} as const;

/** Bus name meaning "the account's default bus" rather than one the stack creates. */
export const DEFAULT_EVENT_BUS = 'default';

/**
 * The throttle absorbs a candle close: a fleet selecting for 500 symbols sends 500 requests
 * within a second or two, so the bucket holds 1,000 (that burst twice over, or two fleets) and
 * refills at 500 a second (the next timeframe's close, or retries, a few seconds later). Both
 * stay far below the Region's account limit (10,000/s, burst 5,000) that all APIs share; see
 * docs/operations.md, "API throttling".
 */
const DEFAULTS = {
  logRetentionDays: 30,
  throttleRateLimit: 500,
  throttleBurstLimit: 1000,
} as const;

export class SettingsError extends Error {
  override readonly name = 'SettingsError';
}

/**
 * Reads the stack settings from the construct tree's context and validates them, so that a typo
 * fails `cdk synth` with a sentence naming the key rather than deploying a surprise.
 * Configuration variables are validated with the functions' own schema (lib/config.ts).
 * @throws SettingsError or ConfigError naming the offending key.
 */
export function readSettings(node: Node): StackSettings {
  const functionEnvironment: Record<string, string> = {};
  for (const [name, fallback] of Object.entries(ENV_DEFAULTS)) {
    functionEnvironment[name] = text(node, name) ?? fallback;
  }
  loadConfig(functionEnvironment);

  return {
    dev: flag(node, CONTEXT_KEYS.dev, false),
    tracing: flag(node, CONTEXT_KEYS.tracing, true),
    logRetention: retention(number(node, CONTEXT_KEYS.logRetentionDays, DEFAULTS.logRetentionDays)),
    throttleRateLimit: number(node, CONTEXT_KEYS.throttleRateLimit, DEFAULTS.throttleRateLimit),
    throttleBurstLimit: Math.trunc(
      number(node, CONTEXT_KEYS.throttleBurstLimit, DEFAULTS.throttleBurstLimit),
    ),
    eventBusName: text(node, CONTEXT_KEYS.eventBusName),
    rewardConcurrency: wholeNumber(node, CONTEXT_KEYS.rewardConcurrency),
    alarmEmail: email(text(node, CONTEXT_KEYS.alarmEmail)),
    functionEnvironment,
  };
}

/** Context from the command line is text; from cdk.json it may be a boolean or a number. */
function text(node: Node, key: string): string | undefined {
  const value: unknown = node.tryGetContext(key);
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value.trim() === '' ? undefined : value.trim();
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw new SettingsError(
    `context ${key} must be a string, number or boolean (got ${JSON.stringify(value)})`,
  );
}

function flag(node: Node, key: string, fallback: boolean): boolean {
  const value = text(node, key);
  if (value === undefined) return fallback;
  if (value === 'true' || value === '1') return true;
  if (value === 'false' || value === '0') return false;
  throw new SettingsError(`context ${key} must be one of true, false, 1, 0 (got '${value}')`);
}

function number(node: Node, key: string, fallback: number): number {
  const value = text(node, key);
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed <= 0) {
    throw new SettingsError(`context ${key} must be a positive number (got '${value}')`);
  }
  return parsed;
}

function wholeNumber(node: Node, key: string): number | undefined {
  const value = text(node, key);
  if (value === undefined) return undefined;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed <= 0) {
    throw new SettingsError(`context ${key} must be a whole number above 0 (got '${value}')`);
  }
  return parsed;
}

function retention(days: number): RetentionDays {
  const allowed = Object.values(RetentionDays).filter((value): value is number => typeof value === 'number');
  const match = allowed.find((value) => value === days);
  if (match === undefined) {
    throw new SettingsError(
      `context ${CONTEXT_KEYS.logRetentionDays} must be one of ${allowed.join(', ')} (got ${days})`,
    );
  }
  return match;
}

function email(value: string | undefined): string | undefined {
  if (value !== undefined && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(value)) {
    throw new SettingsError(`context ${CONTEXT_KEYS.alarmEmail} must be an email address (got '${value}')`);
  }
  return value;
}
