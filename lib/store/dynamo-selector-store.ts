import {
  type AttributeValue,
  ConditionalCheckFailedException,
  ProvisionedThroughputExceededException,
  TransactionCanceledException,
  TransactionConflictException,
} from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { ArmId } from '../arms';
import type { Decision, DecisionRejection } from '../decision';
import {
  type ArmIncrement,
  addIncrements,
  cellStatsOf,
  INCREMENT_FIELDS,
  totalsOf,
} from '../learners/cell-stats';
import type { CellStats, CellsByArm } from '../learners/learner';
import type { RegimeName } from '../types';
import { decodeItem } from './attribute-value';
import {
  type ArmIncrements,
  DecisionExistsError,
  type RewardCommit,
  type RewardCommitResult,
  type SelectorStore,
  type StoredCell,
} from './selector-store';
import { armAttribute, keys, parseArmAttribute } from './table';

type Key = { pk: string; sk: string };
type Item = Record<string, unknown>;

const DECISION_TYPE = 'DECISION';
const CELL_TYPE = 'CELL';
const TOTAL_TYPE = 'SYMBOL_TOTAL';
/** DynamoDB's limit on one expression string. */
const MAX_EXPRESSION_BYTES = 4096;
/** BatchGetItem takes at most 100 keys per request. */
const BATCH_GET_LIMIT = 100;
const UNPROCESSED_RETRY_LIMIT = 8;
/** The seed's EMA of an arm, beside its sums. */
const EMA_FIELD = 'ema';

export interface DynamoSelectorStoreOptions {
  /** Waits between re-requests of unprocessed batch keys (injected so tests need not sleep). */
  sleep?: (ms: number) => Promise<void>;
}

/**
 * The selector's state in one DynamoDB table (see `table.ts` for the keys). Every write is
 * conditional on the decision: a decision is created only if its id is new, and a reward closes
 * it (if OPEN or REJECTED) and `ADD`s its credits to one (symbol, regime) item and one pooled
 * shard in the same transaction. Adds commute, so cells carry no version and a reward never
 * reads them (but the seed's EMA, whose write is conditional on the arm's count).
 *
 * Requests per operation on the happy path: select = BatchGetItem + PutItem;
 * reward = GetItem + TransactWriteItems (the seed policy: + GetItem of its cell).
 */
export class DynamoSelectorStore implements SelectorStore {
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    options: DynamoSelectorStoreOptions = {},
  ) {
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  async readSelectionCells(
    symbol: string,
    regime: RegimeName,
    options: { poolShards?: number } = {},
  ): Promise<{ cells: CellsByArm; pooled: CellsByArm; symbolTotal: CellsByArm }> {
    const shards = options.poolShards ?? 0;
    if (shards + 2 > BATCH_GET_LIMIT) throw new RangeError(`at most ${BATCH_GET_LIMIT - 2} pool shards`);
    const own = keys.cell(symbol, regime);
    const total = keys.symbolTotal(symbol);
    const shardKeys = Array.from({ length: shards }, (_, shard) => keys.pooledCell(regime, shard));
    const items = await this.batchGet(shards > 0 ? [own, total, ...shardKeys] : [own], false);
    const find = (key: Key) => items.find((item) => item.pk === key.pk && item.sk === key.sk);
    const ownItem = find(own);
    const totalItem = find(total);
    const pooled = new Map<ArmId, { totals: ArmIncrement; lastUpdate: number }>();
    for (const item of items) {
      if (item === ownItem || item === totalItem) continue;
      for (const [arm, totals] of armTotals(item)) {
        const sum = pooled.get(arm);
        pooled.set(arm, {
          totals: sum === undefined ? totals : addIncrements(sum.totals, totals),
          lastUpdate: Math.max(sum?.lastUpdate ?? 0, numberField(item, 'lastUpdate')),
        });
      }
    }
    const pooledCells: CellsByArm = {};
    for (const [arm, { totals, lastUpdate }] of pooled)
      pooledCells[arm] = cellStatsOf(totals, { lastUpdate });
    return {
      cells: ownItem === undefined ? {} : itemArms(ownItem),
      pooled: pooledCells,
      symbolTotal: totalItem === undefined ? {} : itemArms(totalItem),
    };
  }

  async recordDecision(decision: Decision): Promise<void> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...keys.decision(decision.decisionId), type: DECISION_TYPE, ...decision },
          // TTL deletes expired items late; until then an expired decision must not hold its id.
          ConditionExpression: 'attribute_not_exists(pk) OR #expiresAt < :now',
          ExpressionAttributeNames: { '#expiresAt': 'expiresAt' },
          ExpressionAttributeValues: { ':now': Math.floor(decision.createdAt / 1000) },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) {
        const old = error.Item as Record<string, AttributeValue> | undefined;
        throw new DecisionExistsError(
          decision.decisionId,
          old === undefined ? undefined : itemToDecision(decodeItem(old)),
        );
      }
      throw error;
    }
  }

  async getDecision(
    decisionId: string,
    options: { consistent?: boolean } = {},
  ): Promise<Decision | undefined> {
    const result = await this.client.send(
      new GetCommand({
        TableName: this.tableName,
        Key: keys.decision(decisionId),
        ConsistentRead: options.consistent ?? false,
      }),
    );
    return result.Item === undefined ? undefined : itemToDecision(result.Item);
  }

  async readCell(symbol: string, regime: RegimeName): Promise<CellsByArm> {
    const result = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: keys.cell(symbol, regime), ConsistentRead: true }),
    );
    return result.Item === undefined ? {} : itemArms(result.Item);
  }

  async listSymbolCells(symbol: string): Promise<StoredCell[]> {
    const cells: StoredCell[] = [];
    let startKey: Item | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
          ExpressionAttributeValues: { ':pk': keys.symbolPartition(symbol), ':prefix': keys.cellPrefix() },
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of page.Items ?? []) {
        const regime = item.regime as RegimeName;
        for (const [arm, stats] of Object.entries(itemArms(item))) {
          if (stats !== undefined) cells.push({ ref: { symbol, regime, arm }, stats });
        }
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey !== undefined);
    return cells;
  }

  /**
   * One TransactWriteItems: item 0 closes the decision (condition: OPEN or REJECTED, ALL_OLD on
   * failure so the caller learns how it was closed), item 1 adds to the (symbol, regime) cell
   * (conditional only for the seed's EMA), item 2 adds to the pooled shard.
   */
  async commitReward(commit: RewardCommit): Promise<RewardCommitResult> {
    const { own, pooled } = commit;
    const ownUpdate = cellUpdate(keys.cell(own.symbol, own.regime), own.arms, commit.at, {
      type: CELL_TYPE,
      symbol: own.symbol,
      regime: own.regime,
    });
    if (own.ema !== undefined) {
      const count = armAttribute(own.ema.arm, 'n');
      const ema = armAttribute(own.ema.arm, EMA_FIELD);
      ownUpdate.UpdateExpression = ownUpdate.UpdateExpression.replace('SET ', 'SET #ema = :ema, ');
      ownUpdate.ExpressionAttributeNames['#ema'] = ema;
      ownUpdate.ExpressionAttributeNames['#count'] = count;
      ownUpdate.ExpressionAttributeValues[':ema'] = own.ema.ema;
      if (own.ema.expectedCount === 0) {
        ownUpdate.ConditionExpression = 'attribute_not_exists(#count)';
      } else {
        ownUpdate.ConditionExpression = '#count = :expectedCount';
        ownUpdate.ExpressionAttributeValues[':expectedCount'] = own.ema.expectedCount;
      }
    }
    try {
      await this.client.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Update: {
                TableName: this.tableName,
                Key: keys.decision(commit.decisionId),
                UpdateExpression: 'SET #status = :closed, #reward = :reward',
                ConditionExpression: '#status IN (:open, :rejected)',
                ExpressionAttributeNames: { '#status': 'status', '#reward': 'reward' },
                ExpressionAttributeValues: {
                  ':open': 'OPEN',
                  ':rejected': 'REJECTED',
                  ':closed': 'CLOSED',
                  ':reward': commit.reward,
                },
                ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
              },
            },
            { Update: { TableName: this.tableName, ...ownUpdate } },
            ...(pooled === undefined
              ? []
              : [
                  {
                    Update: {
                      TableName: this.tableName,
                      ...cellUpdate(keys.pooledCell(pooled.regime, pooled.shard), pooled.arms, commit.at, {
                        type: CELL_TYPE,
                        regime: pooled.regime,
                        pooled: true,
                      }),
                    },
                  },
                  {
                    Update: {
                      TableName: this.tableName,
                      ...cellUpdate(keys.symbolTotal(own.symbol), pooled.arms, commit.at, {
                        type: TOTAL_TYPE,
                        symbol: own.symbol,
                      }),
                    },
                  },
                ]),
          ],
        }),
      );
      return { outcome: 'committed' };
    } catch (error) {
      return classifyCommitFailure(error);
    }
  }

  async rejectReward(
    decisionId: string,
    rejection: DecisionRejection,
  ): Promise<{ outcome: 'recorded' } | { outcome: 'decision-not-open'; current: Decision | undefined }> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.decision(decisionId),
          UpdateExpression: 'SET #status = :rejected, #rejection = :rejection',
          ConditionExpression: '#status IN (:open, :rejected)',
          ExpressionAttributeNames: { '#status': 'status', '#rejection': 'rejection' },
          ExpressionAttributeValues: { ':open': 'OPEN', ':rejected': 'REJECTED', ':rejection': rejection },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return { outcome: 'recorded' };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      const old = error.Item as Record<string, AttributeValue> | undefined;
      return {
        outcome: 'decision-not-open',
        current: old === undefined ? undefined : itemToDecision(decodeItem(old)),
      };
    }
  }

  /** BatchGetItem, asking again for keys DynamoDB left unprocessed (throttling), with a short backoff. */
  private async batchGet(requestKeys: Key[], consistent: boolean): Promise<Item[]> {
    const items: Item[] = [];
    let pending: Item[] = requestKeys;
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt > UNPROCESSED_RETRY_LIMIT) {
        throw new Error(`BatchGetItem left ${pending.length} keys unprocessed after ${attempt} attempts`);
      }
      if (attempt > 0) await this.sleep(10 * 2 ** attempt);
      const result = await this.client.send(
        new BatchGetCommand({
          RequestItems: { [this.tableName]: { Keys: pending, ConsistentRead: consistent } },
        }),
      );
      items.push(...(result.Responses?.[this.tableName] ?? []));
      pending = result.UnprocessedKeys?.[this.tableName]?.Keys ?? [];
    }
    return items;
  }
}

/**
 * The Update of one cell item: `ADD` every non-zero field of every arm's increment (each a
 * top-level attribute, `<arm>.<field>`), and `SET` the item's descriptive attributes and
 * `lastUpdate`. No condition: adds commute.
 */
function cellUpdate(key: Key, arms: ArmIncrements, at: number, describe: Record<string, unknown>) {
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = {};
  const sets: string[] = [];
  for (const [index, [name, value]] of [...Object.entries(describe), ['lastUpdate', at] as const].entries()) {
    names[`#d${index}`] = name;
    values[`:d${index}`] = value;
    sets.push(`#d${index} = :d${index}`);
  }
  const adds: string[] = [];
  for (const [arm, increment] of Object.entries(arms)) {
    if (increment === undefined) continue;
    for (const field of INCREMENT_FIELDS) {
      if (increment[field] === 0 && field !== 'n') continue;
      // Short placeholders: a 35-arm reward adds about 250 attributes to one item.
      const id = adds.length.toString(36);
      names[`#${id}`] = armAttribute(arm, field);
      values[`:${id}`] = increment[field];
      adds.push(`#${id} :${id}`);
    }
  }
  const expression = `SET ${sets.join(', ')} ADD ${adds.join(', ')}`;
  if (expression.length > MAX_EXPRESSION_BYTES) {
    throw new RangeError(
      `a reward adding to ${Object.keys(arms).length} arms exceeds DynamoDB's 4 KB expression: use fewer arms`,
    );
  }
  return {
    Key: key,
    UpdateExpression: expression,
    ExpressionAttributeNames: names,
    ExpressionAttributeValues: values,
    ConditionExpression: undefined as string | undefined,
  };
}

/** Each arm's integer totals held by a cell item (arms never rewarded are absent). */
function armTotals(item: Item): [ArmId, ArmIncrement][] {
  const arms = new Map<ArmId, ArmIncrement>();
  for (const [name, value] of Object.entries(item)) {
    const parsed = parseArmAttribute(name);
    if (parsed === undefined || typeof value !== 'number') continue;
    const field = parsed.field as keyof ArmIncrement;
    if (!(INCREMENT_FIELDS as readonly string[]).includes(field)) continue;
    const totals = arms.get(parsed.arm) ?? totalsOf(undefined);
    totals[field] = value;
    arms.set(parsed.arm, totals);
  }
  return [...arms].filter(([, totals]) => totals.n > 0);
}

function itemArms(item: Item): CellsByArm {
  const cells: CellsByArm = {};
  const lastUpdate = numberField(item, 'lastUpdate');
  for (const [arm, totals] of armTotals(item)) {
    const stats: CellStats = cellStatsOf(totals, {
      ema: numberField(item, armAttribute(arm, EMA_FIELD)),
      lastUpdate,
    });
    cells[arm] = stats;
  }
  return cells;
}

function itemToDecision(item: Item): Decision {
  const { pk: _pk, sk: _sk, type: _type, ...decision } = item;
  return decision as unknown as Decision;
}

function numberField(item: Item, name: string): number {
  const value = item[name];
  return typeof value === 'number' ? value : 0;
}

/**
 * Turns a failed reward transaction into an outcome. The decision's condition is checked first:
 * if it failed, the decision is no longer open and retrying cannot help. A failed condition on the
 * cell is the seed's EMA having moved; a conflict with another transaction or throttling leaves
 * nothing written, so the same commit may be sent again. Anything else is rethrown.
 */
function classifyCommitFailure(error: unknown): RewardCommitResult {
  if (error instanceof TransactionConflictException) return { outcome: 'conflict', reason: 'transaction' };
  if (error instanceof ProvisionedThroughputExceededException)
    return { outcome: 'conflict', reason: 'throttled' };
  if (!(error instanceof TransactionCanceledException)) throw error;
  const [decisionReason, ownReason, ...rest] = error.CancellationReasons ?? [];
  if (decisionReason?.Code === 'ConditionalCheckFailed') {
    const old = decisionReason.Item as Record<string, AttributeValue> | undefined;
    return {
      outcome: 'decision-not-open',
      current: old === undefined ? undefined : itemToDecision(decodeItem(old)),
    };
  }
  if (ownReason?.Code === 'ConditionalCheckFailed') return { outcome: 'conflict', reason: 'ema' };
  const codes = [decisionReason, ownReason, ...rest].map((reason) => reason?.Code);
  if (codes.includes('TransactionConflict')) return { outcome: 'conflict', reason: 'transaction' };
  if (codes.some((code) => code === 'ThrottlingError' || code === 'ProvisionedThroughputExceeded')) {
    return { outcome: 'conflict', reason: 'throttled' };
  }
  throw error;
}
