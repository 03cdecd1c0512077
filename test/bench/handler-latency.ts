import { BatchGetCommand, GetCommand, PutCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { createTradeClosedParser } from '../../lib/contract/trade-closed';
import type { Decision, DecisionReward } from '../../lib/decision';
import { INCREMENT_FIELDS } from '../../lib/learners/cell-stats';
import { armCredits, cellIncrements } from '../../lib/reward-credit';
import type { Bar } from '../../lib/simulator';
import type { ArmIncrements } from '../../lib/store/selector-store';
import { armAttribute, keys, poolShard } from '../../lib/store/table';
import {
  CLOSED_AT,
  createHarness,
  type Harness,
  loadEvent,
  type TradeClosedFixture,
  tradeClosedEvent,
} from '../helpers/selector-harness';
import type { HandlerLatencyMeasurement } from './results';
import { rotation, summarize } from './stats';

export interface HandlerLatencyOptions {
  iterations: number;
  warmupIterations: number;
}

/**
 * A close with realizedR and the 12 bars after entry; the harness runs with a 12-bar horizon, so
 * that a full-information policy credits every arm (35 under the default policy).
 */
const REWARD_FIXTURE = 'trade-closed-path.json';
const HORIZON_BARS = '12';

const elapsedMs = (started: bigint) => Number(process.hrtime.bigint() - started) / 1e6;

/**
 * The bare SDK requests the select handler has to make, on the same document client: one
 * BatchGetItem of the (symbol, regime) cell item (with the symbol's total and every pooled shard
 * of the regime when the policy pools), and one conditional PutItem of a decision of the same
 * shape and size.
 */
function bareSelect(h: Harness, template: Decision) {
  const regime = template.regime.name;
  const shards = h.policy.pooling ? h.config.poolShards : 0;
  const cellKeys = [
    keys.cell(template.symbol, regime),
    ...(shards > 0 ? [keys.symbolTotal(template.symbol)] : []),
    ...Array.from({ length: shards }, (_, shard) => keys.pooledCell(regime, shard)),
  ];
  return async (decisionId: string): Promise<void> => {
    await h.clients.documentClient.send(
      new BatchGetCommand({ RequestItems: { [h.tableName]: { Keys: cellKeys, ConsistentRead: false } } }),
    );
    await h.clients.documentClient.send(
      new PutCommand({
        TableName: h.tableName,
        Item: { ...keys.decision(decisionId), type: 'DECISION', ...template, decisionId },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
  };
}

/** An unconditional Update that `ADD`s every arm's increment to a cell item, as the store writes it. */
function cellAdd(tableName: string, key: { pk: string; sk: string }, arms: ArmIncrements, at: number) {
  const names: Record<string, string> = { '#lastUpdate': 'lastUpdate' };
  const values: Record<string, unknown> = { ':lastUpdate': at };
  const adds: string[] = [];
  for (const [arm, increment] of Object.entries(arms)) {
    if (increment === undefined) continue;
    for (const field of INCREMENT_FIELDS) {
      if (increment[field] === 0 && field !== 'n') continue;
      const id = adds.length.toString(36);
      names[`#${id}`] = armAttribute(arm, field);
      values[`:${id}`] = increment[field];
      adds.push(`#${id} :${id}`);
    }
  }
  return {
    Update: {
      TableName: tableName,
      Key: key,
      UpdateExpression: `SET #lastUpdate = :lastUpdate ADD ${adds.join(', ')}`,
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
    },
  };
}

/**
 * The bare SDK requests the reward handler has to make: a consistent GetItem of the decision (and,
 * for a learner that reads the EMA, of its cell), and one TransactWriteItems that closes the
 * decision (if OPEN) and `ADD`s the credits to the (symbol, regime) cell item and, for a pooling
 * policy, to the decision's pooled shard and the symbol's total. What is credited is the use case's own rule
 * (`armCredits`, `cellIncrements`) for the harness's policy, worked out once, outside the timing:
 * the bare path does only the I/O.
 */
function bareReward(h: Harness, template: Decision, path: readonly Bar[] | undefined) {
  const realizedR = 1.35;
  const credits = armCredits(
    { side: template.side, plan: template.plan, arm: template.arm.id },
    realizedR,
    h.policy.fullInformation ? path : undefined,
    h.config.horizonBars,
    h.policy.arms,
  );
  const arms = cellIncrements(credits, template.explored);
  const regime = template.regime.name;
  const readsEma = h.policy.learner.emaAlpha !== undefined;
  const client = h.clients.documentClient;
  return async (decisionId: string, eventId: string): Promise<void> => {
    await client.send(
      new GetCommand({ TableName: h.tableName, Key: keys.decision(decisionId), ConsistentRead: true }),
    );
    if (readsEma) {
      await client.send(
        new GetCommand({
          TableName: h.tableName,
          Key: keys.cell(template.symbol, regime),
          ConsistentRead: true,
        }),
      );
    }
    const at = Date.now();
    const shard = h.policy.pooling ? poolShard(decisionId, h.config.poolShards) : undefined;
    const reward: DecisionReward = {
      realizedR,
      closedAt: CLOSED_AT,
      eventId,
      appliedAt: at,
      cellsUpdated: credits.length * (shard === undefined ? 1 : 3),
      credits,
      ...(shard === undefined ? {} : { pooledShard: shard }),
      pathUsed: credits.length > 1,
    };
    await client.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Update: {
              TableName: h.tableName,
              Key: keys.decision(decisionId),
              UpdateExpression: 'SET #status = :closed, #reward = :reward',
              ConditionExpression: '#status IN (:open, :rejected)',
              ExpressionAttributeNames: { '#status': 'status', '#reward': 'reward' },
              ExpressionAttributeValues: {
                ':open': 'OPEN',
                ':rejected': 'REJECTED',
                ':closed': 'CLOSED',
                ':reward': reward,
              },
              ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
            },
          },
          cellAdd(h.tableName, keys.cell(template.symbol, regime), arms, at),
          ...(shard === undefined
            ? []
            : [
                cellAdd(h.tableName, keys.pooledCell(regime, shard), arms, at),
                cellAdd(h.tableName, keys.symbolTotal(template.symbol), arms, at),
              ]),
        ],
      }),
    );
  };
}

/**
 * The select and reward handlers invoked in process on DynamoDB Local with the realistic events
 * of test/events/ (`select-valid.json`, `trade-closed-path.json`), each round interleaved
 * with the bare SDK requests that handler has to make, in alternating order. Every decision the
 * select handler records is then closed by the reward handler, and every decision the bare
 * select writes is closed by the bare reward. DynamoDB requests per invocation are counted by
 * the harness's SDK middleware (HTTP requests sent, after the SDK's own retries).
 */
export async function measureHandlerLatency(
  endpoint: string,
  options: HandlerLatencyOptions,
): Promise<HandlerLatencyMeasurement> {
  const h = await createHarness(endpoint, 'bench-latency', {
    seed: 8,
    env: { TRADE_HORIZON_BARS: HORIZON_BARS },
  });
  const selectEvent = loadEvent<APIGatewayProxyEventV2>('select-valid.json');

  const invokeSelect = async (): Promise<string> => {
    const response = await h.select(selectEvent);
    if (response.statusCode !== 200)
      throw new Error(`select answered ${response.statusCode}: ${response.body}`);
    return (JSON.parse(response.body) as { decisionId: string }).decisionId;
  };
  const firstId = await invokeSelect();
  const template = await h.store.getDecision(firstId, { consistent: true });
  if (template === undefined) throw new Error('the select handler recorded no decision');
  const rewardFixture = loadEvent<TradeClosedFixture>(REWARD_FIXTURE);
  const runBareSelect = bareSelect(h, template);
  const { path } = createTradeClosedParser(h.config.maxCandles)(rewardFixture.detail);
  const runBareReward = bareReward(h, template, path);

  const handlerSelectMs: number[] = [];
  const bareSelectMs: number[] = [];
  const handlerRewardMs: number[] = [];
  const bareRewardMs: number[] = [];
  const requestsPerSelect: number[] = [];
  const requestsPerReward: number[] = [];
  let selectOperations: string[] = [];
  let rewardOperations: string[] = [];

  const total = options.warmupIterations + options.iterations;
  for (let round = 0; round < total; round++) {
    const measured = round >= options.warmupIterations;
    let handlerDecisionId = '';
    const bareDecisionId = `bench-bare-${round}`;

    const selects = [
      async () => {
        h.counter.reset();
        const started = process.hrtime.bigint();
        handlerDecisionId = await invokeSelect();
        const ms = elapsedMs(started);
        if (!measured) return;
        handlerSelectMs.push(ms);
        requestsPerSelect.push(h.counter.requests.length);
        selectOperations = [...h.counter.requests];
      },
      async () => {
        const started = process.hrtime.bigint();
        await runBareSelect(bareDecisionId);
        if (measured) bareSelectMs.push(elapsedMs(started));
      },
    ];
    const rewards = [
      async () => {
        h.counter.reset();
        const started = process.hrtime.bigint();
        const result = await h.reward(
          tradeClosedEvent(handlerDecisionId, { id: `bench-event-${round}`, fixture: REWARD_FIXTURE }),
        );
        const ms = elapsedMs(started);
        if (result.outcome !== 'applied') throw new Error(`reward was ${result.outcome}, not applied`);
        if (!measured) return;
        handlerRewardMs.push(ms);
        requestsPerReward.push(h.counter.requests.length);
        rewardOperations = [...h.counter.requests];
      },
      async () => {
        const started = process.hrtime.bigint();
        await runBareReward(bareDecisionId, `bench-bare-event-${round}`);
        if (measured) bareRewardMs.push(elapsedMs(started));
      },
    ];
    for (const index of rotation(2, round)) await selects[index]?.();
    for (const index of rotation(2, round)) await rewards[index]?.();
  }

  return {
    iterations: options.iterations,
    select: { handler: summarize(handlerSelectMs), baseline: summarize(bareSelectMs) },
    reward: { handler: summarize(handlerRewardMs), baseline: summarize(bareRewardMs) },
    requestsPerSelect,
    requestsPerReward,
    selectOperations,
    rewardOperations,
  };
}
