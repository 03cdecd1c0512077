import type { AttributeValue, CancellationReason } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { Decision } from '../decision';
import type { CellStats, CellsByStrategy } from '../learners/learner';
import type { RegimeName, StrategyId } from '../types';
import { decodeItem } from './attribute-value';
import {
  type CellAfterConflict,
  type CellRef,
  type CellWrite,
  DecisionExistsError,
  type RewardCommit,
  type RewardCommitResult,
  type SelectorStore,
  type StoredCell,
} from './selector-store';
import { keys } from './table';

type Key = { pk: string; sk: string };
type Item = Record<string, unknown>;

const DECISION_TYPE = 'DECISION';
const CELL_TYPE = 'CELL';
/** BatchGetItem takes at most 100 keys per request. */
const BATCH_GET_LIMIT = 100;
const UNPROCESSED_RETRY_LIMIT = 8;
/** Tries to join or start a reward queue before giving up on a place (both lost to a race). */
const TURN_ATTEMPTS = 3;
/**
 * A reward queue that handed out no place for this long is taken as drained: its places were
 * taken by rewards that have all committed since, or gave up (a duplicate, a stopped function).
 */
const TURN_QUEUE_IDLE_MS = 2_000;
/** Idle queues are removed by the table's TTL this long after their last place. */
const TURN_QUEUE_TTL_SECONDS = 3_600;

export interface DynamoSelectorStoreOptions {
  /** Waits between re-requests of unprocessed batch keys (injected so tests need not sleep). */
  sleep?: (ms: number) => Promise<void>;
}

/**
 * The selector's state in one DynamoDB table (see `table.ts` for the keys). Every write is
 * conditional: a decision is created only if its id is new, and a reward closes a decision
 * (still OPEN) and moves its cells (still at the version read) in one transaction.
 *
 * Requests per operation on the happy path: select = BatchGetItem + PutItem;
 * reward = GetItem + BatchGetItem + TransactWriteItems. A reward that loses a race on its cells
 * learns their current state from the failed transaction, so its retry is one more
 * TransactWriteItems, without another read.
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
    strategies: readonly StrategyId[],
    options: { pooled?: boolean } = {},
  ): Promise<{ cells: CellsByStrategy; pooled: CellsByStrategy }> {
    const owners: (string | null)[] = options.pooled === true ? [symbol, null] : [symbol];
    const refs: CellRef[] = strategies.flatMap((strategy) =>
      owners.map((owner) => ({ symbol: owner, regime, strategy })),
    );
    const found = await this.readCellItems(refs, false);
    const cells: CellsByStrategy = {};
    const pooled: CellsByStrategy = {};
    for (const cell of found) {
      if (cell.ref.symbol === null) pooled[cell.ref.strategy] = cell.stats;
      else cells[cell.ref.strategy] = cell.stats;
    }
    return { cells, pooled };
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
      if (errorName(error) === 'ConditionalCheckFailedException') {
        const old = (error as { Item?: Record<string, AttributeValue> }).Item;
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

  readCells(refs: readonly CellRef[]): Promise<StoredCell[]> {
    return this.readCellItems(refs, true);
  }

  async readRewardCells(
    refs: readonly CellRef[],
    lead: CellRef,
    at: number,
  ): Promise<{ cells: StoredCell[]; lastTurn: number }> {
    if (refs.length >= BATCH_GET_LIMIT)
      throw new RangeError(`a reward reads at most ${BATCH_GET_LIMIT - 1} cells`);
    const turnKey = turnQueueKey(lead);
    const items = await this.batchGet([...refs.map(cellKey), turnKey], true);
    const queue = items.find((item) => item.sk === turnKey.sk && item.pk === turnKey.pk);
    const live = queue !== undefined && numberField(queue, 'lastTurnAt') > at - TURN_QUEUE_IDLE_MS;
    return {
      cells: items.filter((item) => item !== queue).map(itemToCell),
      lastTurn: live ? numberField(queue, 'lastTurn') : 0,
    };
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
      for (const item of page.Items ?? []) cells.push(itemToCell(item));
      startKey = page.LastEvaluatedKey;
    } while (startKey !== undefined);
    return cells;
  }

  /**
   * One TransactWriteItems: item 0 closes the decision (condition: still OPEN), items 1..n put
   * each cell's new state (condition: the version read, or absent for a new cell). Every item
   * asks for ALL_OLD: a failed decision condition returns the decision as it is now, and a failed
   * cell condition returns the cell as it is now, so the caller's retry saves a read.
   */
  async commitReward(commit: RewardCommit): Promise<RewardCommitResult> {
    try {
      await this.client.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Update: {
                TableName: this.tableName,
                Key: keys.decision(commit.decisionId),
                UpdateExpression: 'SET #status = :closed, #reward = :reward',
                ConditionExpression: '#status = :open',
                ExpressionAttributeNames: { '#status': 'status', '#reward': 'reward' },
                ExpressionAttributeValues: { ':open': 'OPEN', ':closed': 'CLOSED', ':reward': commit.reward },
                ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
              },
            },
            ...commit.cells.map((cell) => ({ Put: this.cellPut(cell) })),
          ],
        }),
      );
      return { outcome: 'committed' };
    } catch (error) {
      return classifyCommitFailure(error, commit.cells.length);
    }
  }

  /**
   * One conditional UpdateItem creates the cell's reward queue at `seenVersion` + 1, or joins it
   * when it is live and not behind the cell (its last place is at least `seenVersion`); a queue
   * behind the cell or idle for `TURN_QUEUE_IDLE_MS` takes a second one to start afresh at
   * `seenVersion` + 1. Two rewards restarting it at once: one wins, the other joins on its next
   * try. The queue item carries the table's TTL attribute, so idle queues are removed.
   */
  async takeTurn(ref: CellRef, seenVersion: number, at: number): Promise<number | undefined> {
    const Key = turnQueueKey(ref);
    const names = { '#last': 'lastTurn', '#lastAt': 'lastTurnAt', '#expires': 'expiresAt' };
    const values = {
      ':seen': seenVersion,
      ':idleSince': at - TURN_QUEUE_IDLE_MS,
      ':at': at,
      ':expires': Math.floor(at / 1000) + TURN_QUEUE_TTL_SECONDS,
    };
    for (let attempt = 0; attempt < TURN_ATTEMPTS; attempt++) {
      try {
        const joined = await this.client.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key,
            UpdateExpression:
              'SET #last = if_not_exists(#last, :seen) + :one, #lastAt = :at, #expires = :expires',
            ConditionExpression: 'attribute_not_exists(#last) OR (#last >= :seen AND #lastAt > :idleSince)',
            ExpressionAttributeNames: names,
            ExpressionAttributeValues: { ...values, ':one': 1 },
            ReturnValues: 'UPDATED_NEW',
          }),
        );
        const place = joined.Attributes?.lastTurn;
        if (typeof place === 'number') return place;
      } catch (error) {
        if (errorName(error) !== 'ConditionalCheckFailedException') throw error;
      }
      try {
        await this.client.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key,
            UpdateExpression: 'SET #last = :first, #lastAt = :at, #expires = :expires',
            ConditionExpression: '#last < :seen OR #lastAt <= :idleSince',
            ExpressionAttributeNames: names,
            ExpressionAttributeValues: { ...values, ':first': seenVersion + 1 },
          }),
        );
        return seenVersion + 1;
      } catch (error) {
        if (errorName(error) !== 'ConditionalCheckFailedException') throw error;
      }
    }
    return undefined;
  }

  private cellPut(write: CellWrite) {
    const isNew = write.expectedVersion === 0;
    return {
      TableName: this.tableName,
      Item: cellToItem(write),
      ConditionExpression: isNew ? 'attribute_not_exists(pk)' : '#version = :expected',
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const,
      ...(isNew
        ? {}
        : {
            ExpressionAttributeNames: { '#version': 'version' },
            ExpressionAttributeValues: { ':expected': write.expectedVersion },
          }),
    };
  }

  private async readCellItems(refs: readonly CellRef[], consistent: boolean): Promise<StoredCell[]> {
    const cells: StoredCell[] = [];
    for (let start = 0; start < refs.length; start += BATCH_GET_LIMIT) {
      const chunk = refs.slice(start, start + BATCH_GET_LIMIT).map(cellKey);
      for (const item of await this.batchGet(chunk, consistent)) cells.push(itemToCell(item));
    }
    return cells;
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

function cellKey(ref: CellRef): Key {
  return ref.symbol === null
    ? keys.pooledCell(ref.regime, ref.strategy)
    : keys.cell(ref.symbol, ref.regime, ref.strategy);
}

function turnQueueKey(ref: CellRef): Key {
  return keys.turn(ref.symbol, ref.regime, ref.strategy);
}

function cellToItem(write: CellWrite): Item {
  const { ref, stats } = write;
  return {
    ...cellKey(ref),
    type: CELL_TYPE,
    ...(ref.symbol === null ? { pooled: true } : { symbol: ref.symbol }),
    regime: ref.regime,
    strategy: ref.strategy,
    version: write.expectedVersion + 1,
    explorations: write.explorations,
    ...stats,
  };
}

function itemToCell(item: Item): StoredCell {
  const stats: CellStats = {
    count: numberField(item, 'count'),
    realCount: numberField(item, 'realCount'),
    counterfactualCount: numberField(item, 'counterfactualCount'),
    sum: numberField(item, 'sum'),
    mean: numberField(item, 'mean'),
    ema: numberField(item, 'ema'),
    lastReward: numberField(item, 'lastReward'),
    wins: numberField(item, 'wins'),
    losses: numberField(item, 'losses'),
    totalR: numberField(item, 'totalR'),
    lastUpdate: numberField(item, 'lastUpdate'),
  };
  return {
    ref: {
      symbol: typeof item.symbol === 'string' ? item.symbol : null,
      regime: item.regime as RegimeName,
      strategy: item.strategy as StrategyId,
    },
    stats,
    explorations: numberField(item, 'explorations'),
    version: numberField(item, 'version'),
  };
}

function itemToDecision(item: Item): Decision {
  const { pk: _pk, sk: _sk, type: _type, ...decision } = item;
  return decision as unknown as Decision;
}

function numberField(item: Item, name: string): number {
  const value = item[name];
  return typeof value === 'number' ? value : 0;
}

function errorName(error: unknown): string | undefined {
  return error instanceof Error ? error.name : undefined;
}

/**
 * Turns a failed reward transaction into an outcome. The decision's condition is checked first:
 * if it failed, the decision is no longer open and retrying cannot help. A failed cell condition
 * or a transaction conflict means another reward moved first: the caller retries, starting from
 * what the cancellation reasons tell about each of the `cellCount` cells. Anything else is
 * rethrown.
 */
function classifyCommitFailure(error: unknown, cellCount: number): RewardCommitResult {
  const name = errorName(error);
  if (name === 'TransactionConflictException') return { outcome: 'conflict', reason: 'transaction' };
  if (name !== 'TransactionCanceledException') throw error;
  const reasons: CancellationReason[] =
    (error as { CancellationReasons?: CancellationReason[] }).CancellationReasons ?? [];
  const [decisionReason, ...cellReasons] = reasons;
  if (decisionReason?.Code === 'ConditionalCheckFailed') {
    const old = decisionReason.Item as Record<string, AttributeValue> | undefined;
    return {
      outcome: 'decision-not-open',
      current: old === undefined ? undefined : itemToDecision(decodeItem(old)),
    };
  }
  const codes = [decisionReason, ...cellReasons].map((reason) => reason?.Code);
  const cells = Array.from({ length: cellCount }, (_, index) => cellAfterConflict(cellReasons[index]));
  if (codes.includes('ConditionalCheckFailed')) return { outcome: 'conflict', reason: 'version', cells };
  if (codes.includes('TransactionConflict')) return { outcome: 'conflict', reason: 'transaction', cells };
  if (codes.some((code) => code === 'ThrottlingError' || code === 'ProvisionedThroughputExceeded')) {
    return { outcome: 'conflict', reason: 'throttled', cells };
  }
  throw error;
}

/**
 * One cell's cancellation reason read as knowledge: a failed condition with the item (ALL_OLD) is
 * the cell now; `None` means its condition held; anything else (a transaction conflict, a
 * throttled item, a failed condition without an item because the cell is gone) is unknown.
 */
function cellAfterConflict(reason: CancellationReason | undefined): CellAfterConflict {
  if (reason?.Code === 'None') return { state: 'as-expected' };
  if (reason?.Code === 'ConditionalCheckFailed' && reason.Item !== undefined) {
    return {
      state: 'moved',
      cell: itemToCell(decodeItem(reason.Item as Record<string, AttributeValue>)),
    };
  }
  return { state: 'unknown' };
}
