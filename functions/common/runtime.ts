import { randomUUID } from 'node:crypto';
import type { RewardRetryPolicy } from '../../lib/apply-reward';
import { type Config, ConfigError } from '../../lib/config';
import { createConfiguredPolicy } from '../../lib/policies';
import type { Policy } from '../../lib/policy';
import { seededRng, systemRng } from '../../lib/random';
import { DynamoSelectorStore } from '../../lib/store/dynamo-selector-store';
import { createDynamoClients } from '../../lib/store/dynamodb-client';
import type { SelectorStore } from '../../lib/store/selector-store';
import type { Clock, Rng } from '../../lib/types';
import { createPowertools, createPowertoolsTelemetry, type Powertools, type Telemetry } from './telemetry';

export type FunctionName = 'select' | 'reward' | 'stats';

/**
 * Everything the three functions are built from: one store, one policy (regime detector,
 * learner, and the evidence it learns from), telemetry, random sources, clock and ids. Lambda's
 * cold start, the local stack and the integration tests all build it with `buildSelectorRuntime`,
 * so they run the same wiring and differ only in what they override.
 */
export interface SelectorRuntime {
  readonly config: Config;
  readonly store: SelectorStore;
  readonly policy: Policy;
  telemetry(functionName: FunctionName): Telemetry;
  /** The learner's draws at select. */
  readonly selectRng: Rng;
  /** The jitter of the reward's conflict backoff. */
  readonly rewardRng: Rng;
  readonly clock: Clock;
  readonly newDecisionId: () => string;
  readonly sleep: (ms: number) => Promise<void>;
  /** The reward's conflict retry bound; the use case's default when absent. */
  readonly retry?: RewardRetryPolicy;
  /**
   * The Powertools behind the default telemetry and the traced DynamoDB client (Lambda);
   * undefined when a host replaced both.
   */
  readonly powertools?: Powertools;
}

/** What a non-Lambda host (local stack, tests) replaces; anything left out is built as in Lambda. */
export interface RuntimeOverrides {
  /** Default: DynamoDB on TABLE_NAME with the default credentials and region. */
  store?: SelectorStore;
  /** Default: the configuration's policy (`configuredPolicy(config)`). */
  policy?: Policy;
  /** Default: Powertools (JSON logs, EMF metrics). */
  telemetry?: (functionName: FunctionName) => Telemetry;
  /** Seeds the select draws (`seed`) and the reward jitter (`seed + 1`). Default: `Math.random`. */
  seed?: number;
  clock?: Clock;
  newDecisionId?: () => string;
  sleep?: (ms: number) => Promise<void>;
  retry?: RewardRetryPolicy;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * The runtime of the selector's functions for `config`. In Lambda, called once per execution
 * environment at cold start with no overrides.
 * @throws ConfigError when no store is given and TABLE_NAME is not set.
 */
export function buildSelectorRuntime(config: Config, overrides: RuntimeOverrides = {}): SelectorRuntime {
  const { seed } = overrides;
  const powertools =
    overrides.telemetry !== undefined && overrides.store !== undefined ? undefined : createPowertools();
  const telemetry = overrides.telemetry ?? (() => createPowertoolsTelemetry(powertools));
  return {
    config,
    store: overrides.store ?? createRuntimeStore(config, powertools),
    policy: overrides.policy ?? configuredPolicy(config),
    telemetry,
    selectRng: seed === undefined ? systemRng : seededRng(seed),
    rewardRng: seed === undefined ? systemRng : seededRng(seed + 1),
    clock: overrides.clock ?? Date.now,
    newDecisionId: overrides.newDecisionId ?? randomUUID,
    sleep: overrides.sleep ?? sleep,
    ...(overrides.retry === undefined ? {} : { retry: overrides.retry }),
    ...(powertools === undefined ? {} : { powertools }),
  };
}

/** The policy the configuration names (`LEARNER`): the one Lambda runs unless a host overrides it. */
export function configuredPolicy(config: Config): Policy {
  return createConfiguredPolicy(config);
}

/**
 * The store every function uses in Lambda: one client per execution environment, created at
 * cold start, on the table named by TABLE_NAME, each request traced as a subsegment when
 * `powertools` is given and tracing is on.
 * @throws ConfigError when TABLE_NAME is not set, so that the cold start fails loudly.
 */
export function createRuntimeStore(config: Config, powertools?: Powertools): DynamoSelectorStore {
  if (config.tableName === undefined) {
    throw new ConfigError([
      {
        variable: 'TABLE_NAME',
        received: undefined,
        message: 'TABLE_NAME must be a non-empty string (unset); every function needs the table',
      },
    ]);
  }
  const tracing =
    powertools === undefined
      ? {}
      : { instrument: <T>(client: T): T => powertools.tracer.captureAWSv3Client(client) };
  return new DynamoSelectorStore(createDynamoClients(tracing).documentClient, config.tableName);
}
