import { BatchGetCommand, GetCommand, PutCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { armCredits, rewardCellRefs } from '../../lib/apply-reward';
import { createTradeClosedParser } from '../../lib/contract/trade-closed';
import type { Decision } from '../../lib/decision';
import type { Bar } from '../../lib/simulator';
import type { CellRef } from '../../lib/store/selector-store';
import { keys } from '../../lib/store/table';
import {
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

type Item = Record<string, unknown>;

/** A close with realizedR and the 12 bars after entry, so a full-information policy credits every profile. */
const REWARD_FIXTURE = 'trade-closed-path.json';

const elapsedMs = (started: bigint) => Number(process.hrtime.bigint() - started) / 1e6;

/**
 * The bare SDK requests the select handler has to make, on the same document client: one
 * BatchGetItem of the regime's candidates' cells (the pooled ones too when the policy pools), and
 * one conditional PutItem of a decision of the same shape and size.
 */
function bareSelect(h: Harness, template: Decision) {
  const owners: (string | null)[] = h.policy.pooling ? [template.symbol, null] : [template.symbol];
  const cellKeys = template.candidates.flatMap((strategy) =>
    owners.map((symbol) => cellKey({ symbol, regime: template.regime.name, strategy })),
  );
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

/** The key of a cell: the (symbol, regime, strategy) cell, or the regime's pooled one. */
function cellKey(ref: CellRef) {
  return ref.symbol === null
    ? keys.pooledCell(ref.regime, ref.strategy)
    : keys.cell(ref.symbol, ref.regime, ref.strategy);
}

/**
 * The bare SDK requests the reward handler has to make: a consistent GetItem of the decision, a
 * consistent BatchGetItem of the cells the reward credits, and one TransactWriteItems that
 * closes the decision (if OPEN) and puts each cell (if still at the version read). Which cells is
 * the use case's own rule (`armCredits`, `rewardCellRefs`) for the harness's policy, worked out
 * once, outside the timing: the bare path does only the I/O.
 */
function bareReward(h: Harness, template: Decision, path: readonly Bar[] | undefined) {
  const credits = armCredits(template, 1, h.policy.fullInformation ? path : undefined, h.config.horizonBars);
  const refs = rewardCellRefs(template, credits, h.policy.pooling);
  const client = h.clients.documentClient;
  return async (decisionId: string, eventId: string): Promise<void> => {
    await client.send(
      new GetCommand({ TableName: h.tableName, Key: keys.decision(decisionId), ConsistentRead: true }),
    );
    const read = await client.send(
      new BatchGetCommand({
        RequestItems: { [h.tableName]: { Keys: refs.map(cellKey), ConsistentRead: true } },
      }),
    );
    const found = read.Responses?.[h.tableName] ?? [];
    const cellPuts = refs.map((ref) => {
      const key = cellKey(ref);
      const current: Item | undefined = found.find((item) => item.pk === key.pk && item.sk === key.sk);
      const version = typeof current?.version === 'number' ? current.version : 0;
      const count = typeof current?.count === 'number' ? current.count : 0;
      return {
        Put: {
          TableName: h.tableName,
          Item: {
            ...key,
            type: 'CELL',
            ...(ref.symbol === null ? { pooled: true } : { symbol: ref.symbol }),
            regime: ref.regime,
            strategy: ref.strategy,
            ...current,
            version: version + 1,
            count: count + 1,
          },
          ...(version === 0
            ? { ConditionExpression: 'attribute_not_exists(pk)' }
            : {
                ConditionExpression: '#version = :expected',
                ExpressionAttributeNames: { '#version': 'version' },
                ExpressionAttributeValues: { ':expected': version },
              }),
        },
      };
    });
    await client.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Update: {
              TableName: h.tableName,
              Key: keys.decision(decisionId),
              UpdateExpression: 'SET #status = :closed, #reward = :reward',
              ConditionExpression: '#status = :open',
              ExpressionAttributeNames: { '#status': 'status', '#reward': 'reward' },
              ExpressionAttributeValues: {
                ':open': 'OPEN',
                ':closed': 'CLOSED',
                ':reward': { realizedR: 1.35, closedAt: '2024-03-12T13:15:00Z', eventId, cellVersion: 1 },
              },
              ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
            },
          },
          ...cellPuts,
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
  const h = await createHarness(endpoint, 'bench-latency', { seed: 8 });
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
