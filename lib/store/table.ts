import type { RegimeName } from '../types';

/**
 * The one table. Its key schema is used by the store adapter, the CDK stack, the local stack
 * and the tests, so it is defined here once.
 *
 * Items:
 * - learner cell:  pk `SYMBOL#<symbol>`  sk `CELL#<regime>`: every arm of (symbol, regime), each
 *                  arm's sums in attributes of its own (`<arm>.n`, `<arm>.sumMicro`, …), added to
 *                  with `ADD`, so a reward touches this one item however many arms it credits
 * - symbol total:  pk `SYMBOL#<symbol>`  sk `TOTAL`: the same sums over every regime of the symbol
 *                  (what the symbol's other regimes teach a cell); not a `CELL#` item
 * - pooled shard:  pk `POOL#<shard>`     sk `CELL#<regime>`: the same sums over all symbols, spread
 *                  over `POOL_SHARDS` items (a reward adds to the one its decision id hashes to),
 *                  summed on read, so that no single item takes every reward of a regime
 * - decision:      pk `DECISION#<id>`    sk `DECISION` (TTL attribute `expiresAt`, epoch seconds)
 */
export const TABLE_DEFINITION = {
  partitionKey: 'pk',
  sortKey: 'sk',
  ttlAttribute: 'expiresAt',
} as const;

/** The partition-key prefixes, one per kind of item (IAM scopes each function's access by them). */
export const PARTITION_PREFIX = {
  symbol: 'SYMBOL#',
  pool: 'POOL#',
  decision: 'DECISION#',
} as const;

/**
 * The partition keys' shapes, as IAM `dynamodb:LeadingKeys` patterns (StringLike): the CDK stack
 * scopes each function's table access to the partitions it touches.
 */
export const PARTITION_PATTERNS = {
  symbol: [`${PARTITION_PREFIX.symbol}*`],
  pool: [`${PARTITION_PREFIX.pool}*`],
  decision: [`${PARTITION_PREFIX.decision}*`],
} as const;

export const keys = {
  cell: (symbol: string, regime: RegimeName) => ({
    pk: `${PARTITION_PREFIX.symbol}${symbol}`,
    sk: `CELL#${regime}`,
  }),
  symbolTotal: (symbol: string) => ({ pk: `${PARTITION_PREFIX.symbol}${symbol}`, sk: 'TOTAL' }),
  pooledCell: (regime: RegimeName, shard: number) => ({
    pk: `${PARTITION_PREFIX.pool}${shard}`,
    sk: `CELL#${regime}`,
  }),
  symbolPartition: (symbol: string) => `${PARTITION_PREFIX.symbol}${symbol}`,
  cellPrefix: (regime?: RegimeName) => (regime ? `CELL#${regime}` : 'CELL#'),
  decision: (decisionId: string) => ({ pk: `${PARTITION_PREFIX.decision}${decisionId}`, sk: 'DECISION' }),
} as const;

/** An arm's statistic as a top-level attribute of its cell item (`ADD` works on top-level attributes only). */
export function armAttribute(arm: string, field: string): string {
  return `${arm}.${field}`;
}

/** The arm and field of an attribute `armAttribute` named; undefined for any other attribute. */
export function parseArmAttribute(name: string): { arm: string; field: string } | undefined {
  const dot = name.lastIndexOf('.');
  return dot <= 0 ? undefined : { arm: name.slice(0, dot), field: name.slice(dot + 1) };
}

/**
 * The pooled shard a decision's reward adds to: FNV-1a of its id, modulo `shards`. Stable, so a
 * redelivered event would pick the same shard (the decision's condition stops it anyway).
 */
export function poolShard(decisionId: string, shards: number): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < decisionId.length; index++) {
    hash = Math.imul(hash ^ decisionId.charCodeAt(index), 0x01000193);
  }
  return (hash >>> 0) % shards;
}
