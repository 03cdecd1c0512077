import type { Decision, DecisionReward } from './decision';
import { realizedRFromExit } from './exit-plan';
import type { Learner } from './learners/learner';
import type { CellRef, CellWrite, RewardStore, StoredCell } from './store/selector-store';
import type { Clock, Rng } from './types';

/** A TradeClosed event, validated, with the EventBridge id of its delivery. */
export interface RewardInput {
  decisionId: string;
  /** EventBridge event id: redeliveries of one event carry the same id. */
  eventId: string;
  /** ISO-8601. */
  closedAt: string;
  realizedR?: number;
  exitPrice?: number;
  tradeId?: string;
}

export type RewardRejection = 'unknown-decision' | 'closed-by-another-event';

export type RewardOutcome =
  | { outcome: 'applied'; decision: Decision; reward: DecisionReward; attempts: number; conflicts: number }
  /** This event (or an identical republication of it) had already been applied: nothing changed. */
  | { outcome: 'duplicate'; decision: Decision; conflicts: number }
  /** Nothing changed: the decision does not exist (or expired), or another event closed it. */
  | { outcome: 'rejected'; reason: RewardRejection; decision?: Decision; conflicts: number };

/** The retry bound was hit: other rewards kept moving the cell. The event must be retried later. */
export class RewardConflictError extends Error {
  override readonly name = 'RewardConflictError';

  constructor(
    readonly decisionId: string,
    readonly attempts: number,
    readonly conflicts: number,
  ) {
    super(`reward for decision ${decisionId} hit ${conflicts} conflicts in ${attempts} attempts; giving up`);
  }
}

/** Jittered exponential backoff between optimistic-concurrency attempts. */
export interface RewardRetryPolicy {
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

/**
 * Bound chosen so that 64 simultaneous rewards on one cell all commit (measured on DynamoDB
 * Local: the last of them needs well under half of it), while a stuck cell still fails within
 * a few seconds, far inside the function's timeout.
 */
export const DEFAULT_REWARD_RETRY: Readonly<RewardRetryPolicy> = Object.freeze({
  maxAttempts: 40,
  baseDelayMs: 4,
  maxDelayMs: 200,
});

export interface ApplyRewardDeps {
  store: RewardStore;
  learner: Learner;
  clock: Clock;
  /** Jitter for the backoff. */
  rng: Rng;
  sleep: (ms: number) => Promise<void>;
  retry?: RewardRetryPolicy;
}

export type ApplyReward = (input: RewardInput) => Promise<RewardOutcome>;

/**
 * The reward use case: credit a closed trade's R to its decision's cell, exactly once.
 *
 * The decision is read (consistently); if open, its cells are read, the learner folds the
 * reward in, and one transaction closes the decision (if still OPEN) and writes the cells (if
 * still at the versions read). When another reward moved a cell first, the cells are read again
 * and the update recomputed, after a jittered, exponentially growing wait, up to
 * `retry.maxAttempts` times.
 *
 * R: `realizedR` when the event gives it (it is authoritative: it can include partial closes an
 * exit price cannot show); otherwise computed from `exitPrice`, the decision's entry and initial stop.
 *
 * @throws RewardConflictError when the retry bound is hit.
 */
export function createRewardApplier(deps: ApplyRewardDeps): ApplyReward {
  const retry = deps.retry ?? DEFAULT_REWARD_RETRY;
  return async (input) => {
    const decision = await deps.store.getDecision(input.decisionId, { consistent: true });
    if (decision === undefined) return { outcome: 'rejected', reason: 'unknown-decision', conflicts: 0 };
    if (decision.status !== 'OPEN') return closedOutcome(decision, input, 0);

    const realizedR = realizedRFor(decision, input);
    let conflicts = 0;
    for (let attempt = 1; ; attempt++) {
      const cells = await deps.store.readCells(cellRefsFor(decision));
      const appliedAt = deps.clock();
      const writes = rewardCellWrites(decision, realizedR, appliedAt, cells, deps.learner);
      const reward: DecisionReward = {
        realizedR,
        closedAt: input.closedAt,
        eventId: input.eventId,
        cellVersion: (writes[0]?.expectedVersion ?? 0) + 1,
        appliedAt,
        ...(input.tradeId === undefined ? {} : { tradeId: input.tradeId }),
        ...(input.exitPrice === undefined ? {} : { exitPrice: input.exitPrice }),
      };
      const result = await deps.store.commitReward({
        decisionId: decision.decisionId,
        reward,
        cells: writes,
      });
      if (result.outcome === 'committed') {
        return {
          outcome: 'applied',
          decision: { ...decision, status: 'CLOSED', reward },
          reward,
          attempts: attempt,
          conflicts,
        };
      }
      if (result.outcome === 'decision-not-open') {
        return result.current === undefined
          ? { outcome: 'rejected', reason: 'unknown-decision', conflicts }
          : closedOutcome(result.current, input, conflicts);
      }
      if (result.reason !== 'throttled') conflicts++;
      if (attempt >= retry.maxAttempts)
        throw new RewardConflictError(decision.decisionId, attempt, conflicts);
      await deps.sleep(backoffMs(attempt, retry, deps.rng));
    }
  };
}

/** The cells a reward touches: the chosen strategy's (symbol, regime) cell. */
export function cellRefsFor(decision: Decision): CellRef[] {
  return [{ symbol: decision.symbol, regime: decision.regime.name, strategy: decision.strategy }];
}

/**
 * The new state of every cell a reward touches, computed from the cells as read. The first
 * write is the chosen strategy's own cell, whose new version is recorded on the decision.
 * Counterfactual updates (other strategies, pooled cells) extend this list.
 */
export function rewardCellWrites(
  decision: Decision,
  realizedR: number,
  at: number,
  cells: readonly StoredCell[],
  learner: Learner,
): CellWrite[] {
  return cellRefsFor(decision).map((ref) => {
    const current = cells.find((cell) => sameCell(cell.ref, ref));
    return {
      ref,
      expectedVersion: current?.version ?? 0,
      stats: learner.update(current?.stats, { realizedR, at, counterfactual: false }),
      explorations: (current?.explorations ?? 0) + (decision.explored ? 1 : 0),
    };
  });
}

function sameCell(a: CellRef, b: CellRef): boolean {
  return a.symbol === b.symbol && a.regime === b.regime && a.strategy === b.strategy;
}

function realizedRFor(decision: Decision, input: RewardInput): number {
  if (input.realizedR !== undefined) return input.realizedR;
  if (input.exitPrice === undefined) throw new TypeError('a reward needs realizedR or exitPrice');
  return realizedRFromExit(decision.plan, decision.side, input.exitPrice);
}

/**
 * A closed decision met again. The same delivery (same event id) is a duplicate; so is a
 * republication of the same close under a new event id (same trade id, close time and R).
 * Anything else closed it first and this event is rejected.
 */
function closedOutcome(decision: Decision, input: RewardInput, conflicts: number): RewardOutcome {
  const reward = decision.reward;
  if (reward !== undefined && isSameClose(reward, input, decision)) {
    return { outcome: 'duplicate', decision, conflicts };
  }
  return { outcome: 'rejected', reason: 'closed-by-another-event', decision, conflicts };
}

function isSameClose(reward: DecisionReward, input: RewardInput, decision: Decision): boolean {
  if (reward.eventId === input.eventId) return true;
  return (
    reward.tradeId === input.tradeId &&
    Date.parse(reward.closedAt) === Date.parse(input.closedAt) &&
    reward.realizedR === realizedRFor(decision, input)
  );
}

/** Full jitter: uniform in [0, min(maxDelay, base·2^(attempt−1))). */
function backoffMs(attempt: number, retry: RewardRetryPolicy, rng: Rng): number {
  return rng() * Math.min(retry.maxDelayMs, retry.baseDelayMs * 2 ** (attempt - 1));
}
