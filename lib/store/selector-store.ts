import type { ArmId } from '../arms';
import type { Decision, DecisionRejection, DecisionReward } from '../decision';
import type { ArmIncrement } from '../learners/cell-stats';
import type { CellStats, CellsByArm } from '../learners/learner';
import type { RegimeName } from '../types';

/**
 * The storage port the use cases depend on. The DynamoDB adapter implements it; nothing here
 * imports the AWS SDK, so the use cases stay pure domain code.
 */

/** One arm of a learner cell. `symbol: null` is the regime's cell pooled across all symbols. */
export interface CellRef {
  symbol: string | null;
  regime: RegimeName;
  arm: ArmId;
}

/** A cell as stored. */
export interface StoredCell {
  ref: CellRef;
  stats: CellStats;
}

/** What one reward adds to the arms of one cell item: every field an `ADD`, so order never matters. */
export type ArmIncrements = Partial<Record<ArmId, ArmIncrement>>;

/**
 * The seed learner's EMA of the traded arm, written only if the arm still holds the count it was
 * computed from: the one order-dependent write, which only the seed policy makes.
 */
export interface EmaWrite {
  arm: ArmId;
  /** The arm's count when the EMA was read (0: the arm had never been rewarded). */
  expectedCount: number;
  ema: number;
}

/** Close a decision with its reward and add its credits to its cells, all or nothing. */
export interface RewardCommit {
  decisionId: string;
  reward: DecisionReward;
  /** Epoch ms, the cells' `lastUpdate`. */
  at: number;
  /** The (symbol, regime) cell. */
  own: { symbol: string; regime: RegimeName; arms: ArmIncrements; ema?: EmaWrite };
  /** The regime's pooled shard and the symbol's total over every regime, when the policy pools. */
  pooled?: { shard: number; regime: RegimeName; arms: ArmIncrements };
}

export type RewardCommitResult =
  | { outcome: 'committed' }
  /** The decision was closed (or removed) after it was read; `current` is its state now. */
  | { outcome: 'decision-not-open'; current: Decision | undefined }
  /**
   * Nothing was written: another transaction held an item (`transaction`), DynamoDB throttled the
   * request (`throttled`), or the seed's EMA moved since it was read (`ema`). The same commit
   * may be sent again (after reading the EMA again, for `ema`).
   */
  | { outcome: 'conflict'; reason: 'transaction' | 'throttled' | 'ema' };

/** What select needs: one read of the regime's cells, one conditional write of the decision. */
export interface SelectionStore {
  /**
   * The (symbol, regime) cell and, with `poolShards` > 0, the regime's pooled shards summed and
   * the symbol's total over every regime, in one request (`pooled` and `symbolTotal` are empty
   * when not asked for).
   */
  readSelectionCells(
    symbol: string,
    regime: RegimeName,
    options?: { poolShards?: number },
  ): Promise<{ cells: CellsByArm; pooled: CellsByArm; symbolTotal: CellsByArm }>;
  /**
   * Records a new decision, in one conditional write. An id whose decision has expired (past
   * `expiresAt`, not yet deleted by TTL) counts as free.
   * @throws DecisionExistsError, carrying the decision already recorded under this id.
   */
  recordDecision(decision: Decision): Promise<void>;
}

/** What reward needs: a consistent read of the decision, one atomic commit, one conditional rejection. */
export interface RewardStore {
  getDecision(decisionId: string, options?: { consistent?: boolean }): Promise<Decision | undefined>;
  /** The (symbol, regime) cell's arms, strongly consistent (the seed's EMA is read here). */
  readCell(symbol: string, regime: RegimeName): Promise<CellsByArm>;
  commitReward(commit: RewardCommit): Promise<RewardCommitResult>;
  /**
   * Marks the decision REJECTED with `rejection` if it is still OPEN or REJECTED (the latest
   * rejection is kept); no cell is touched. `decision-not-open` when it was closed meanwhile.
   */
  rejectReward(
    decisionId: string,
    rejection: DecisionRejection,
  ): Promise<{ outcome: 'recorded' } | { outcome: 'decision-not-open'; current: Decision | undefined }>;
}

/** What the stats endpoints read. */
export interface StatsStore {
  getDecision(decisionId: string, options?: { consistent?: boolean }): Promise<Decision | undefined>;
  /** Every arm of every regime of the symbol. */
  listSymbolCells(symbol: string): Promise<StoredCell[]>;
}

export type SelectorStore = SelectionStore & RewardStore & StatsStore;

/**
 * A decision id was recorded twice: a select retried with its idempotency key (the ids derive
 * from the key), or else a bug (random ids do not collide). `existing` is the decision as stored.
 */
export class DecisionExistsError extends Error {
  override readonly name = 'DecisionExistsError';

  constructor(
    readonly decisionId: string,
    readonly existing?: Decision,
  ) {
    super(`decision ${decisionId} already exists`);
  }
}
