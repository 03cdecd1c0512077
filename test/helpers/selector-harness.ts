import { readFileSync } from 'node:fs';
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import type { APIGatewayProxyEventV2, EventBridgeEvent } from 'aws-lambda';
import { buildSelectorRuntime, configuredPolicy } from '../../functions/common/runtime';
import {
  createRuntimeRewardApplier,
  createSelectorFunctions,
  type SelectorFunctions,
} from '../../functions/common/selector-functions';
import type { Log, MetricsSink, Telemetry } from '../../functions/common/telemetry';
import type { ApplyReward, RewardRetryPolicy } from '../../lib/apply-reward';
import { type ArmId, armProfile, getArm, profileArm } from '../../lib/arms';
import { type Config, ENV_DEFAULTS, loadConfig } from '../../lib/config';
import type { Decision } from '../../lib/decision';
import { decisionExpiresAt } from '../../lib/decision';
import { buildExitPlan } from '../../lib/exit-plan';
import type { CellsByArm } from '../../lib/learners/learner';
import type { Policy } from '../../lib/policy';
import { createTable } from '../../lib/store/create-table';
import { DynamoSelectorStore } from '../../lib/store/dynamo-selector-store';
import { createLocalDynamoClients, type DynamoClients } from '../../lib/store/dynamodb-client';
import type { SelectionStore, SelectorStore } from '../../lib/store/selector-store';
import type { RegimeName, Side, StrategyId } from '../../lib/types';

/**
 * The fixed clock of the tests: 2099-03-12T10:05:00Z. Far in the future on purpose: DynamoDB
 * Local runs TTL and deletes items whose `expiresAt` has passed by the real clock, so decisions
 * stamped with a past test clock would vanish in the middle of a test.
 */
export const NOW_MS = Date.UTC(2099, 2, 12, 10, 5, 0);

let tableCounter = 0;

/** A table name no other test file uses (each file creates its own table on the shared engine). */
export function uniqueTableName(prefix: string): string {
  tableCounter++;
  return `${prefix}-${process.pid}-${Date.now().toString(36)}-${tableCounter}`;
}

/**
 * Counts the HTTP requests the SDK sends to DynamoDB, by operation (from the `x-amz-target`
 * header), after the SDK's own retries: what AWS would bill and meter.
 */
export class RequestCounter {
  readonly requests: string[] = [];
  /** Each request's command input (as the SDK marshalled it), in the order of `requests`. */
  readonly inputs: Record<string, unknown>[] = [];

  attach(clients: DynamoClients): void {
    clients.client.middlewareStack.add(
      (next) => async (args) => {
        const request = args.request as { headers?: Record<string, string> };
        const target = request.headers?.['x-amz-target'] ?? 'unknown';
        this.requests.push(target.replace(/^DynamoDB_\d+\./, ''));
        this.inputs.push(args.input as Record<string, unknown>);
        return next(args);
      },
      { step: 'finalizeRequest', priority: 'low', name: 'requestCounter' },
    );
  }

  reset(): void {
    this.requests.length = 0;
    this.inputs.length = 0;
  }

  /** The requests made while `action` ran (nothing else may run concurrently), with their inputs. */
  async during<T>(
    action: () => Promise<T>,
  ): Promise<{ result: T; requests: string[]; inputs: Record<string, unknown>[] }> {
    this.reset();
    const result = await action();
    return { result, requests: [...this.requests], inputs: [...this.inputs] };
  }
}

/** The partition key of each item a TransactWriteItems input writes, in its order. */
export function transactedPartitions(input: Record<string, unknown> | undefined): string[] {
  type Pk = string | { S?: string } | undefined;
  const items = (input?.TransactItems ?? []) as {
    Update?: { Key?: { pk?: Pk } };
    Put?: { Item?: { pk?: Pk } };
  }[];
  return items.map((item) => {
    const pk = item.Update?.Key?.pk ?? item.Put?.Item?.pk;
    return (typeof pk === 'string' ? pk : pk?.S) ?? 'unknown';
  });
}

/** Records log lines and metrics instead of printing them. */
export function recordingTelemetry() {
  const logs: { level: 'info' | 'warn' | 'error'; message: string; attributes: Record<string, unknown> }[] =
    [];
  const metrics: { name: string; unit: string; value: number; dimensions?: Record<string, string> }[] = [];
  const log: Log = {
    info: (message, attributes = {}) => logs.push({ level: 'info', message, attributes }),
    warn: (message, attributes = {}) => logs.push({ level: 'warn', message, attributes }),
    error: (message, attributes = {}) => logs.push({ level: 'error', message, attributes }),
  };
  const sink: MetricsSink = {
    add: (name, unit, value, dimensions) =>
      metrics.push({ name, unit, value, ...(dimensions === undefined ? {} : { dimensions }) }),
    flush: () => {},
  };
  const telemetry: Telemetry = { log, metrics: sink };
  const total = (name: string) => metrics.filter((m) => m.name === name).reduce((sum, m) => sum + m.value, 0);
  return { telemetry, logs, metrics, total };
}

export interface HarnessOptions {
  /** Environment overrides on top of the defaults (e.g. META_STRATEGY_ENABLED=false). */
  env?: Record<string, string>;
  seed?: number;
  retry?: RewardRetryPolicy;
  /** Replaces the store the use cases see (e.g. a wrapper injecting a fault). */
  wrapStore?: (store: SelectorStore) => SelectorStore;
  /** Adjusts the configuration's policy (e.g. turns pooling on, or records what the learner is given). */
  adjustPolicy?: (policy: Policy) => Policy;
  /** Default: `dec-<prefix>-00001`, `…-00002`, … */
  newDecisionId?: () => string;
}

/** A table on DynamoDB Local and the three handlers wired to it as in Lambda, with deterministic deps. */
export interface Harness {
  config: Config;
  clients: DynamoClients;
  tableName: string;
  /** What the use cases see (the real store unless `wrapStore` replaced it). */
  store: SelectorStore;
  /** The policy the handlers run: the configuration's, unless `adjustPolicy` changed it. */
  policy: Policy;
  counter: RequestCounter;
  recorder: ReturnType<typeof recordingTelemetry>;
  clock: { now: number };
  select: SelectorFunctions['select'];
  reward: SelectorFunctions['reward'];
  stats: SelectorFunctions['stats'];
  applyReward: ApplyReward;
  itemCount(): Promise<number>;
}

/**
 * Creates a uniquely named table and wires the handlers to it with `buildSelectorRuntime` and
 * `createSelectorFunctions`, the production wiring, overriding only the store, telemetry, clock,
 * decision ids and seed.
 */
export async function createHarness(
  endpoint: string,
  prefix: string,
  options: HarnessOptions = {},
): Promise<Harness> {
  const config = loadConfig({ ...ENV_DEFAULTS, ...options.env });
  const clients = createLocalDynamoClients(endpoint);
  const tableName = uniqueTableName(prefix);
  await createTable(clients.client, tableName);
  const counter = new RequestCounter();
  counter.attach(clients);
  const realStore: SelectorStore = new DynamoSelectorStore(clients.documentClient, tableName);
  const store = options.wrapStore?.(realStore) ?? realStore;
  const recorder = recordingTelemetry();
  const clock = { now: NOW_MS };
  let nextId = 0;
  const configured = configuredPolicy(config);
  const runtime = buildSelectorRuntime(config, {
    store,
    policy: options.adjustPolicy?.(configured) ?? configured,
    telemetry: () => recorder.telemetry,
    seed: options.seed ?? 42,
    clock: () => clock.now,
    newDecisionId: options.newDecisionId ?? (() => `dec-${prefix}-${String(++nextId).padStart(5, '0')}`),
    ...(options.retry === undefined ? {} : { retry: options.retry }),
  });
  const functions = createSelectorFunctions(runtime);
  return {
    config,
    clients,
    tableName,
    store,
    policy: runtime.policy,
    counter,
    recorder,
    clock,
    ...functions,
    applyReward: createRuntimeRewardApplier(runtime),
    itemCount: async () => {
      let count = 0;
      let startKey: Record<string, import('@aws-sdk/client-dynamodb').AttributeValue> | undefined;
      do {
        const page = await clients.client.send(
          new ScanCommand({ TableName: tableName, Select: 'COUNT', ExclusiveStartKey: startKey }),
        );
        count += page.Count ?? 0;
        startKey = page.LastEvaluatedKey;
      } while (startKey !== undefined);
      return count;
    },
  };
}

const EVENTS_DIR = new URL('../events/', import.meta.url);

/** A fixture from test/events/, parsed fresh on every call so that tests may modify it. */
export function loadEvent<T = unknown>(name: string): T {
  return JSON.parse(readFileSync(new URL(name, EVENTS_DIR), 'utf8')) as T;
}

export type TradeClosedFixture = EventBridgeEvent<'TradeClosed', Record<string, unknown>>;

/** The select fixture with its JSON body replaced by `body`. */
export function selectEvent(body: unknown, base = 'select-valid.json'): APIGatewayProxyEventV2 {
  const event = loadEvent<APIGatewayProxyEventV2>(base);
  return { ...event, body: typeof body === 'string' ? body : JSON.stringify(body) };
}

/** A GET for the stats function, as API Gateway sends it for `routeKey` (built on a stats fixture). */
export function httpGetEvent(
  routeKey: string,
  rawPath: string,
  extra: Partial<APIGatewayProxyEventV2> = {},
): APIGatewayProxyEventV2 {
  const event = loadEvent<APIGatewayProxyEventV2>('stats-strategies.json');
  const query = (extra.queryStringParameters ?? {}) as Record<string, string>;
  return {
    ...event,
    ...extra,
    routeKey,
    rawPath,
    rawQueryString: new URLSearchParams(query).toString(),
    requestContext: {
      ...event.requestContext,
      routeKey,
      http: { ...event.requestContext.http, path: rawPath },
    },
  };
}

/** The valid select fixture's body, parsed. */
export function validSelectBody(): Record<string, unknown> & { candles: Record<string, number>[] } {
  const event = loadEvent<APIGatewayProxyEventV2>('select-valid.json');
  return JSON.parse(event.body ?? '{}');
}

/** When the tests' trades close: a minute before the test clock, after every decision they record. */
export const CLOSED_AT = new Date(NOW_MS - 60_000).toISOString();

/**
 * A TradeClosed fixture pointed at `decisionId`, with its id and detail overridden. The fixture's
 * close time (and the event's time) move to the tests' clock, `CLOSED_AT`, unless `detail` names
 * one: a close long before a decision is implausible.
 */
export function tradeClosedEvent(
  decisionId: string,
  overrides: { id?: string; detail?: Record<string, unknown>; fixture?: string } = {},
): TradeClosedFixture {
  const event = loadEvent<TradeClosedFixture>(overrides.fixture ?? 'trade-closed-realized-r.json');
  return {
    ...event,
    time: CLOSED_AT,
    ...(overrides.id === undefined ? {} : { id: overrides.id }),
    detail: { ...event.detail, closedAt: CLOSED_AT, decisionId, ...overrides.detail },
  };
}

/** The arms of a (symbol, regime) cell as stored, strongly consistent. */
export function cellArms(store: SelectorStore, symbol: string, regime: RegimeName): Promise<CellsByArm> {
  return store.readCell(symbol, regime);
}

/** The arms of a regime's pooled cells, every shard summed (`POOL_SHARDS` of `config`). */
export async function pooledArms(
  h: Pick<Harness, 'store' | 'config'>,
  regime: RegimeName,
): Promise<CellsByArm> {
  // Any symbol will do: only the pooled half of the read is used.
  const { pooled } = await h.store.readSelectionCells('POOL-READER', regime, {
    poolShards: h.config.poolShards,
  });
  return pooled;
}

/**
 * An OPEN decision written straight to the store, so that reward tests can place many decisions
 * on chosen cells without depending on what the learner would pick.
 */
export async function recordOpenDecision(
  store: SelectionStore,
  spec: {
    decisionId: string;
    symbol: string;
    regime: RegimeName;
    strategy: StrategyId;
    /** The arm traded (default: the profile itself); its base must be `strategy`. */
    arm?: ArmId;
    side?: Side;
    entry?: number;
    atr?: number;
    explored?: boolean;
    createdAt?: number;
    lastCandleAt?: number;
  },
): Promise<Decision> {
  const side = spec.side ?? 'LONG';
  const arm = spec.arm === undefined ? profileArm(spec.strategy) : getArm(spec.arm);
  if (arm.base !== spec.strategy) throw new RangeError(`arm ${arm.id} is not a variant of ${spec.strategy}`);
  const createdAt = spec.createdAt ?? NOW_MS - 3_600_000;
  const decision: Decision = {
    decisionId: spec.decisionId,
    status: 'OPEN',
    symbol: spec.symbol,
    side,
    regime: {
      name: spec.regime,
      confidence: 0.8,
      features: { atr: spec.atr ?? 100, atrPct: 0.001, adx: 30, trendStrength: 0.4 },
    },
    strategy: spec.strategy,
    arm,
    plan: buildExitPlan({
      side,
      entry: spec.entry ?? 100_000,
      atr: spec.atr ?? 100,
      profile: armProfile(arm),
    }),
    candidates: [arm.id],
    values: { [arm.id]: { value: 0, count: 0 } },
    reason: `${arm.id}: placed by the test`,
    explored: spec.explored ?? false,
    propensity: 1,
    probabilities: { [arm.id]: 1 },
    policy: 'test:fixed',
    createdAt,
    expiresAt: decisionExpiresAt(createdAt, 30),
    ...(spec.lastCandleAt === undefined ? {} : { lastCandleAt: spec.lastCandleAt }),
  };
  await store.recordDecision(decision);
  return decision;
}
