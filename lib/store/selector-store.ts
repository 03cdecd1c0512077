import type { Decision, DecisionReward } from '../decision';
import type { CellStats, CellsByStrategy } from '../learners/learner';
import type { RegimeName, StrategyId } from '../types';

/**
 * The storage port the use cases depend on. The DynamoDB adapter implements it; nothing here
 * imports the AWS SDK, so the use cases stay pure domain code.
 */

/** One learner cell. `symbol: null` is the regime's cell pooled across all symbols. */
export interface CellRef {
  symbol: string | null;
  regime: RegimeName;
  strategy: StrategyId;
}

/** A cell as stored: its statistics, how many of its real rewards were exploration draws, and its version. */
export interface StoredCell {
  ref: CellRef;
  stats: CellStats;
  /** Real rewards credited to this cell whose decision was an exploration draw. */
  explorations: number;
  /** Grows by one with every committed update; 1 after the first. */
  version: number;
}

/** A new state for one cell, written only if the cell is still at `expectedVersion`. */
export interface CellWrite {
  ref: CellRef;
  /** The version read; 0 when the cell did not exist (the write then requires it still not to). */
  expectedVersion: number;
  stats: CellStats;
  explorations: number;
}

/** Close a decision with its reward and update its cells, all or nothing. */
export interface RewardCommit {
  decisionId: string;
  reward: DecisionReward;
  cells: readonly CellWrite[];
}

/**
 * What a failed commit tells about one of its cells, so that the next attempt reads only what it
 * does not know.
 */
export type CellAfterConflict =
  /** Its condition failed and the failure carried the cell as it is now. */
  | { state: 'moved'; cell: StoredCell }
  /** Its condition held: the cell is still at the version the commit expected. */
  | { state: 'as-expected' }
  /** Nothing is known (another transaction held it, it was throttled, or it is gone): read it again. */
  | { state: 'unknown' };

export type RewardCommitResult =
  | { outcome: 'committed' }
  /** The decision was closed (or removed) after it was read; `current` is its state now. */
  | { outcome: 'decision-not-open'; current: Decision | undefined }
  /**
   * A cell moved on (version), another transaction held an item (transaction), or DynamoDB
   * throttled the request. `cells` has one entry per cell of the commit, in its order; without
   * it nothing is known and every cell must be read again.
   */
  | {
      outcome: 'conflict';
      reason: 'version' | 'transaction' | 'throttled';
      cells?: readonly CellAfterConflict[];
    };

/** What select needs: one read of the regime's cells, one conditional write of the decision. */
export interface SelectionStore {
  /**
   * The (symbol, regime) cells of `strategies` and, with `pooled: true`, the regime's pooled
   * cells of the same strategies, in one request (`pooled` is empty when not asked for).
   */
  readSelectionCells(
    symbol: string,
    regime: RegimeName,
    strategies: readonly StrategyId[],
    options?: { pooled?: boolean },
  ): Promise<{ cells: CellsByStrategy; pooled: CellsByStrategy }>;
  /**
   * Records a new decision, in one conditional write. An id whose decision has expired (past
   * `expiresAt`, not yet deleted by TTL) counts as free.
   * @throws DecisionExistsError, carrying the decision already recorded under this id.
   */
  recordDecision(decision: Decision): Promise<void>;
}

/**
 * What reward needs: a consistent read of the decision and its cells, and one atomic commit whose
 * failure reports the cells' current state where it can, so that a retry need not read them again.
 */
export interface RewardStore {
  getDecision(decisionId: string, options?: { consistent?: boolean }): Promise<Decision | undefined>;
  /** Strongly consistent, in one request; cells that do not exist are left out. */
  readCells(refs: readonly CellRef[]): Promise<StoredCell[]>;
  /**
   * `readCells`, and in the same request the last place handed out in the reward queue of
   * `lead` (see `takeTurn`): 0 when it has none, or it is idle at `at` (epoch ms).
   */
  readRewardCells(
    refs: readonly CellRef[],
    lead: CellRef,
    at: number,
  ): Promise<{ cells: StoredCell[]; lastTurn: number }>;
  commitReward(commit: RewardCommit): Promise<RewardCommitResult>;
  /**
   * A place in the queue of rewards waiting for the cell `ref`, for a reward that lost a race on
   * it or found others waiting, and last saw it at `seenVersion`: the cell version this reward should be the one to
   * commit (`seenVersion` + 1 when nobody else waits; one past the last place handed out when
   * others do). A scheduling hint, never a lock: commits stay conditional on the version read,
   * so a wrong or lost place costs time, not correctness. A queue that handed out no place for
   * two seconds before `at` (epoch ms) starts afresh, so places lost with their rewards are
   * soon forgotten. `undefined` when no place could be had (the caller backs off).
   */
  takeTurn(ref: CellRef, seenVersion: number, at: number): Promise<number | undefined>;
}

/** What the stats endpoints read. */
export interface StatsStore {
  getDecision(decisionId: string, options?: { consistent?: boolean }): Promise<Decision | undefined>;
  /** Every cell of the symbol, all regimes. */
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
