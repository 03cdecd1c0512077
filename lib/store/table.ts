import type { RegimeName, StrategyId } from '../types';

/**
 * The one table. Its key schema is used by the store adapter, the CDK stack, the local stack
 * and the tests, so it is defined here once.
 *
 * Items:
 * - learner cell:  pk `SYMBOL#<symbol>`  sk `CELL#<regime>#<strategy>`
 * - pooled cell:   pk `POOL`             sk `CELL#<regime>#<strategy>` (all symbols together)
 * - decision:      pk `DECISION#<id>`    sk `DECISION` (TTL attribute `expiresAt`, epoch seconds)
 * - reward queue:  the cell's pk        sk `TURN#<regime>#<strategy>` (TTL `expiresAt`): the last
 *                  cell version handed to a reward waiting for that cell (see `takeTurn`)
 */
export const TABLE_DEFINITION = {
  partitionKey: 'pk',
  sortKey: 'sk',
  ttlAttribute: 'expiresAt',
} as const;

export const POOL_PARTITION = 'POOL';

/**
 * The partition keys' shapes, as IAM `dynamodb:LeadingKeys` patterns (StringLike): the CDK stack
 * scopes each function's table access to the partitions it touches. The pooled partition is
 * `POOL` today and `POOL#<shard>` once pooled cells are sharded; both patterns are listed.
 */
export const PARTITION_PATTERNS = {
  symbol: ['SYMBOL#*'],
  pool: [POOL_PARTITION, `${POOL_PARTITION}#*`],
  decision: ['DECISION#*'],
} as const;

export const keys = {
  cell: (symbol: string, regime: RegimeName, strategy: StrategyId) => ({
    pk: `SYMBOL#${symbol}`,
    sk: `CELL#${regime}#${strategy}`,
  }),
  pooledCell: (regime: RegimeName, strategy: StrategyId) => ({
    pk: POOL_PARTITION,
    sk: `CELL#${regime}#${strategy}`,
  }),
  /** Beside its cell (same partition); not a cell, so `cellPrefix` queries never see it. */
  turn: (symbol: string | null, regime: RegimeName, strategy: StrategyId) => ({
    pk: (symbol === null ? keys.pooledCell(regime, strategy) : keys.cell(symbol, regime, strategy)).pk,
    sk: `TURN#${regime}#${strategy}`,
  }),
  symbolPartition: (symbol: string) => `SYMBOL#${symbol}`,
  cellPrefix: (regime?: RegimeName) => (regime ? `CELL#${regime}#` : 'CELL#'),
  decision: (decisionId: string) => ({ pk: `DECISION#${decisionId}`, sk: 'DECISION' }),
} as const;
