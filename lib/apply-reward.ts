import { type Decision, type DecisionRejection, type DecisionReward, decisionArm } from './decision';
import { foldEma, quantizeR } from './learners/cell-stats';
import type { Implausibility, PlausibilitySettings } from './plausibility';
import type { Policy } from './policy';
import { type ArmCredit, cellIncrements, creditClosedTrade } from './reward-credit';
import type { Bar } from './simulator';
import type { EmaWrite, RewardCommit, RewardStore } from './store/selector-store';
import { poolShard } from './store/table';
import type { Clock, Rng } from './types';

/** A TradeClosed event, validated, with the EventBridge id of its delivery. */
export interface RewardInput {
  decisionId: string;
  /** EventBridge event id: redeliveries of one event carry the same id. */
  eventId: string;
  /** ISO-8601: the event's `closedAt`, or its `time` when it gave none. */
  closedAt: string;
  realizedR?: number;
  exitPrice?: number;
  tradeId?: string;
  /** The candles after entry, oldest first, up to the close: they price every profile. */
  path?: readonly (Bar & { t?: number })[];
  /** An operator's reason for crediting a reward the plausibility checks refused. */
  override?: string;
}

export type RewardRejection = 'unknown-decision' | 'closed-by-another-event';

export type RewardOutcome =
  | { outcome: 'applied'; decision: Decision; reward: DecisionReward; attempts: number; conflicts: number }
  /** This event (or an identical republication of it) had already been applied: nothing changed. */
  | { outcome: 'duplicate'; decision: Decision; conflicts: number }
  /** Nothing changed: the decision does not exist (or expired), or another event closed it. */
  | { outcome: 'rejected'; reason: RewardRejection; decision?: Decision; conflicts: number }
  /** The reward is implausible for its decision: it is marked REJECTED with the reason; no cell changed. */
  | { outcome: 'implausible'; implausibility: Implausibility; decision: Decision; conflicts: number };

/** The retry bound was hit: other rewards kept the items busy. The event must be retried later. */
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

/** How a reward whose transaction collided with another waits before sending it again. */
export interface RewardRetryPolicy {
  /** Commit attempts before giving up. */
  maxAttempts: number;
  /** Full-jitter exponential backoff: uniform in [0, min(maxDelayMs, baseDelayMs·2^(attempt−1))). */
  baseDelayMs: number;
  maxDelayMs: number;
}

/**
 * Transactions on one item collide only while they overlap, and nothing has to be re-read before
 * resending, so short jittered waits suffice: 256 simultaneous rewards over one regime's pooled
 * shards all commit within a few attempts on DynamoDB Local (`npm run bench`), far inside the bound.
 */
export const DEFAULT_REWARD_RETRY: Readonly<RewardRetryPolicy> = Object.freeze({
  maxAttempts: 20,
  baseDelayMs: 5,
  maxDelayMs: 160,
});

/** What of a policy the reward reads: how it learns and which evidence it keeps. */
export type RewardPolicy = Pick<Policy, 'learner' | 'fullInformation' | 'pooling' | 'arms'>;

export interface ApplyRewardDeps {
  store: RewardStore;
  policy: RewardPolicy;
  /** Bars after entry after which a simulated profile exits at the close (the backtest's horizon). */
  horizonBars: number;
  plausibility: PlausibilitySettings;
  /** Pooled shards of each regime (`POOL_SHARDS`). */
  poolShards: number;
  clock: Clock;
  /** Jitter for the backoff. */
  rng: Rng;
  sleep: (ms: number) => Promise<void>;
  retry?: RewardRetryPolicy;
}

export type ApplyReward = (input: RewardInput) => Promise<RewardOutcome>;

/**
 * The reward use case: credit a closed trade's R to its decision's cells, exactly once.
 *
 * The decision is read (consistently). A closed one makes this event a duplicate or a rejection.
 * Otherwise the trade is judged (`creditClosedTrade`): an implausible one marks the decision
 * REJECTED with its reason and changes no cell. A plausible one's credits (the traded arm's
 * R and, with a path and a full-information policy, every other profile's) go in one transaction
 * that closes the decision (if still OPEN or REJECTED) and `ADD`s them to the (symbol, regime)
 * cell and, for a pooling policy, to one pooled shard chosen by the decision id. Adds commute, so
 * a transaction that collides with another is sent again unchanged after a jittered wait, up to
 * `retry.maxAttempts` times: no cell is read, nothing is recomputed. Only the seed policy, whose
 * EMA depends on order, reads its cell and writes the EMA on the condition that the arm's count
 * has not moved, reading again when it has.
 *
 * @throws RewardConflictError when the retry bound is hit.
 */
export function createRewardApplier(deps: ApplyRewardDeps): ApplyReward {
  const retry = deps.retry ?? DEFAULT_REWARD_RETRY;
  const { policy } = deps;
  return async (input) => {
    const decision = await deps.store.getDecision(input.decisionId, { consistent: true });
    if (decision === undefined) return { outcome: 'rejected', reason: 'unknown-decision', conflicts: 0 };
    if (decision.status === 'CLOSED') return closedOutcome(decision, input, 0);
    // A redelivery of the event that was refused: it was judged already, nothing changes.
    if (decision.status === 'REJECTED' && decision.rejection?.eventId === input.eventId) {
      return { outcome: 'duplicate', decision, conflicts: 0 };
    }

    const judged = creditClosedTrade(
      { ...decision, arm: decisionArm(decision) },
      {
        ...(input.realizedR === undefined ? {} : { realizedR: input.realizedR }),
        ...(input.exitPrice === undefined ? {} : { exitPrice: input.exitPrice }),
        closedAt: Date.parse(input.closedAt),
        ...(input.path === undefined ? {} : { path: input.path }),
      },
      {
        horizonBars: deps.horizonBars,
        arms: policy.arms,
        fullInformation: policy.fullInformation,
        plausibility: deps.plausibility,
        now: deps.clock(),
        override: input.override !== undefined,
      },
    );
    if (!judged.plausible) return reject(deps, decision, input, judged.implausibility);

    const { credits, realizedR } = judged;
    const shard = policy.pooling ? poolShard(decision.decisionId, deps.poolShards) : undefined;
    const reward = (appliedAt: number, ema: EmaWrite | undefined): DecisionReward => ({
      realizedR,
      closedAt: input.closedAt,
      eventId: input.eventId,
      appliedAt,
      cellsUpdated: credits.length * (shard === undefined ? 1 : 3),
      credits,
      ...(shard === undefined ? {} : { pooledShard: shard }),
      pathUsed: credits.some((credit) => credit.counterfactual),
      ...(input.tradeId === undefined ? {} : { tradeId: input.tradeId }),
      ...(input.exitPrice === undefined ? {} : { exitPrice: input.exitPrice }),
      ...(input.override === undefined ? {} : { override: input.override }),
      ...(ema === undefined ? {} : { emaCount: ema.expectedCount + 1 }),
    });
    const arms = cellIncrements(credits, decision.explored);
    const regime = decision.regime.name;
    let conflicts = 0;
    let ema = await emaWrite(deps, decision, credits);
    for (let attempt = 1; ; attempt++) {
      const appliedAt = deps.clock();
      const commit: RewardCommit = {
        decisionId: decision.decisionId,
        reward: reward(appliedAt, ema),
        at: appliedAt,
        own: { symbol: decision.symbol, regime, arms, ...(ema === undefined ? {} : { ema }) },
        ...(shard === undefined ? {} : { pooled: { shard, regime, arms } }),
      };
      const result = await deps.store.commitReward(commit);
      if (result.outcome === 'committed') {
        const closed: Decision = { ...decision, status: 'CLOSED', reward: commit.reward };
        return { outcome: 'applied', decision: closed, reward: commit.reward, attempts: attempt, conflicts };
      }
      if (result.outcome === 'decision-not-open') {
        return result.current === undefined
          ? { outcome: 'rejected', reason: 'unknown-decision', conflicts }
          : closedOutcome(result.current, input, conflicts);
      }
      if (result.reason !== 'throttled') conflicts++;
      if (attempt >= retry.maxAttempts)
        throw new RewardConflictError(decision.decisionId, attempt, conflicts);
      await deps.sleep(deps.rng() * Math.min(retry.maxDelayMs, retry.baseDelayMs * 2 ** (attempt - 1)));
      if (result.reason === 'ema') ema = await emaWrite(deps, decision, credits);
    }
  };
}

/** The seed's EMA write for the traded arm, read from its cell now; none for other learners. */
async function emaWrite(
  deps: Pick<ApplyRewardDeps, 'store' | 'policy'>,
  decision: Decision,
  credits: readonly ArmCredit[],
): Promise<EmaWrite | undefined> {
  const alpha = deps.policy.learner.emaAlpha;
  const traded = credits[0];
  if (alpha === undefined || traded === undefined) return undefined;
  const cell = (await deps.store.readCell(decision.symbol, decision.regime.name))[traded.arm];
  return {
    arm: traded.arm,
    expectedCount: cell?.count ?? 0,
    ema: foldEma(cell, traded.realizedR, alpha),
  };
}

/** Records the refusal on the decision; a decision closed meanwhile makes it a duplicate or a rejection. */
async function reject(
  deps: Pick<ApplyRewardDeps, 'store' | 'clock'>,
  decision: Decision,
  input: RewardInput,
  implausibility: Implausibility,
): Promise<RewardOutcome> {
  const rejection: DecisionRejection = {
    reason: implausibility.reason,
    message: implausibility.message,
    eventId: input.eventId,
    closedAt: input.closedAt,
    reported: {
      ...(input.realizedR === undefined ? {} : { realizedR: String(input.realizedR) }),
      ...(input.exitPrice === undefined ? {} : { exitPrice: String(input.exitPrice) }),
      ...(input.path === undefined ? {} : { pathCandles: input.path.length }),
    },
    ...(input.tradeId === undefined ? {} : { tradeId: input.tradeId }),
    at: deps.clock(),
  };
  const result = await deps.store.rejectReward(decision.decisionId, rejection);
  if (result.outcome === 'decision-not-open') {
    return result.current === undefined
      ? { outcome: 'rejected', reason: 'unknown-decision', conflicts: 0 }
      : closedOutcome(result.current, input, 0);
  }
  return {
    outcome: 'implausible',
    implausibility,
    decision: { ...decision, status: 'REJECTED', rejection },
    conflicts: 0,
  };
}

/**
 * A closed decision met again. The same delivery (same event id) is a duplicate; so is a
 * republication of the same close under a new event id (same trade id, close time and R).
 * Anything else closed it first and this event is rejected.
 */
function closedOutcome(decision: Decision, input: RewardInput, conflicts: number): RewardOutcome {
  const reward = decision.reward;
  if (reward !== undefined && isSameClose(reward, input))
    return { outcome: 'duplicate', decision, conflicts };
  return { outcome: 'rejected', reason: 'closed-by-another-event', decision, conflicts };
}

function isSameClose(reward: DecisionReward, input: RewardInput): boolean {
  if (reward.eventId === input.eventId) return true;
  return (
    reward.tradeId === input.tradeId &&
    Date.parse(reward.closedAt) === Date.parse(input.closedAt) &&
    (input.realizedR === undefined || reward.realizedR === quantizeR(input.realizedR)) &&
    (input.exitPrice === undefined || reward.exitPrice === input.exitPrice)
  );
}
