import { counterfactualOutcomes } from './counterfactual';
import type { Decision, DecisionReward } from './decision';
import { realizedRFromExit } from './exit-plan';
import type { Learner } from './learners/learner';
import type { Policy } from './policy';
import type { Bar } from './simulator';
import type { CellAfterConflict, CellRef, CellWrite, RewardStore, StoredCell } from './store/selector-store';
import { type Clock, type Rng, STRATEGY_IDS, type StrategyId } from './types';

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
  /** The candles after entry, oldest first, up to the close: they price every profile. */
  path?: readonly Bar[];
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

/** How a reward that lost a race on its cells waits before trying again. */
export interface RewardRetryPolicy {
  /** Commit attempts before giving up (waiting for a turn is not an attempt). */
  maxAttempts: number;
  /** Jittered exponential backoff, when no place in the cell's queue could be had or DynamoDB throttled. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** The first guess of one turn (a read and a commit) on the cell; then measured from its pace. */
  turnMs: number;
}

/**
 * Bound chosen so that 64 simultaneous rewards on one cell all commit with room to spare
 * (measured on DynamoDB Local), while a stuck cell still fails within a few seconds, far inside
 * the function's timeout.
 */
export const DEFAULT_REWARD_RETRY: Readonly<RewardRetryPolicy> = Object.freeze({
  maxAttempts: 40,
  baseDelayMs: 4,
  maxDelayMs: 200,
  turnMs: 10,
});

/** What of a policy the reward reads: how it learns and which evidence it keeps. */
export type RewardPolicy = Pick<Policy, 'learner' | 'fullInformation' | 'pooling'>;

export interface ApplyRewardDeps {
  store: RewardStore;
  policy: RewardPolicy;
  /** Bars after entry after which a simulated profile exits at the close (the backtest's horizon). */
  horizonBars: number;
  clock: Clock;
  /** Jitter for the backoff. */
  rng: Rng;
  sleep: (ms: number) => Promise<void>;
  /** A monotonic clock in ms that paces the waits for a turn (default `performance.now`); not the business clock. */
  elapsedMs?: () => number;
  retry?: RewardRetryPolicy;
}

export type ApplyReward = (input: RewardInput) => Promise<RewardOutcome>;

/**
 * The reward use case: credit a closed trade's R to its decision's cells, exactly once.
 *
 * The decision is read (consistently); if open, the cells the reward touches are read in one
 * request, the learner folds the rewards in, and one transaction closes the decision (if still
 * OPEN) and writes every cell (each if still at the version read). When another reward moved a
 * cell first, the failed transaction reports the cells as they are now, and every update is
 * recomputed from that, up to `retry.maxAttempts` times; only cells the failure says nothing
 * about are read again. Between attempts the reward waits its turn: it takes a place in the
 * traded cell's reward queue (`RewardStore.takeTurn`) and waits for the rewards before it
 * (`awaitTurn`), so that rewards racing for one cell take turns rather than all retrying at once;
 * a reward that finds others already queued (read with the cells) queues before its first
 * attempt. Without a place (or when throttled) it backs off with full jitter. Neither is the
 * decision read again: it changes only by being closed, which the transaction's condition checks. What a failure reports is a hint,
 * not a guarantee: every write stays conditional on the version it was computed from, so a stale
 * hint costs one more attempt, never a wrong fold. So the decision's close and all its cell
 * updates commit together, once, or not at all, each folded on the cell's state just before it.
 *
 * Which cells: the traded strategy's (symbol, regime) cell gets the trade's R. A full-information
 * policy, given a non-empty `path`, also credits every other profile of that cell with the R it
 * would have made on the path (`counterfactualOutcomes`, planned on the decision's entry, ATR and
 * side, exiting at the horizon or at the path's last close), marked counterfactual. A pooling
 * policy credits the regime's pooled cells (`symbol: null`) with the same rewards.
 *
 * R: `realizedR` when the event gives it (it is authoritative: it can include partial closes an
 * exit price cannot show); otherwise computed from `exitPrice`, the decision's entry and initial stop.
 *
 * @throws RewardConflictError when the retry bound is hit.
 */
export function createRewardApplier(deps: ApplyRewardDeps): ApplyReward {
  const retry = deps.retry ?? DEFAULT_REWARD_RETRY;
  const { policy } = deps;
  return async (input) => {
    const decision = await deps.store.getDecision(input.decisionId, { consistent: true });
    if (decision === undefined) return { outcome: 'rejected', reason: 'unknown-decision', conflicts: 0 };
    if (decision.status !== 'OPEN') return closedOutcome(decision, input, 0);

    const realizedR = realizedRFor(decision, input);
    // The simulation depends only on the decision and the event, never on the cells: done once.
    const credits = armCredits(
      decision,
      realizedR,
      policy.fullInformation ? input.path : undefined,
      deps.horizonBars,
    );
    const refs = rewardCellRefs(decision, credits, policy.pooling);
    // The traded strategy's own cell (the first of `refs`): rewards racing for it queue on it.
    const lead: CellRef = {
      symbol: decision.symbol,
      regime: decision.regime.name,
      strategy: decision.strategy,
    };
    let conflicts = 0;
    const first = await deps.store.readRewardCells(refs, lead, deps.clock());
    let cells = first.cells;
    // The cell version this reward waits to commit, once it has lost a race or found others
    // waiting for the cell (see `awaitTurn`).
    let turn: number | undefined;
    if (first.lastTurn > leadVersion(cells, lead)) {
      // Others already queue for this cell: wait behind them instead of racing them.
      turn = await deps.store.takeTurn(lead, leadVersion(cells, lead), deps.clock());
      if (turn !== undefined) cells = await awaitTurn({ ...deps, retry }, refs, lead, cells, turn);
    }
    for (let attempt = 1; ; attempt++) {
      const appliedAt = deps.clock();
      const writes = rewardCellWrites(decision, credits, refs, appliedAt, cells, policy.learner);
      const reward: DecisionReward = {
        realizedR,
        closedAt: input.closedAt,
        eventId: input.eventId,
        cellVersion: (writes[0]?.expectedVersion ?? 0) + 1,
        appliedAt,
        cellsUpdated: writes.length,
        pathUsed: credits.some((credit) => credit.counterfactual),
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
      cells = await cellsAfterConflict(deps.store, writes, cells, result.cells);
      if (result.reason === 'throttled') {
        await deps.sleep(backoffMs(attempt, retry, deps.rng));
        continue;
      }
      turn ??= await deps.store.takeTurn(lead, leadVersion(cells, lead), deps.clock());
      if (turn === undefined) await deps.sleep(backoffMs(attempt, retry, deps.rng));
      else cells = await awaitTurn({ ...deps, retry }, refs, lead, cells, turn);
    }
  };
}

/** The longest single wait for a turn: a wrong pace estimate must not park a reward for long. */
const MAX_TURN_WAIT_MS = 500;

/**
 * Waits until the rewards queued before this one on the lead cell have committed, so that
 * rewards racing for one cell take turns instead of all retrying at once: each wait is half the
 * turns ahead times one turn's duration (first `retry.turnMs`, then the pace of the commits
 * seen), at least half a turn and at most `MAX_TURN_WAIT_MS`, then the cells are read again
 * (waking early and reading again measured faster on DynamoDB Local than sleeping the whole
 * estimate: one late wake-up at the head of the queue holds up everyone behind it). A queue that
 * does not move for two waits in a row lost a reward (a function stopped) or is slow: this one
 * goes anyway. When its turn has already come (or passed: another reward slipped in) without waiting, its last
 * commit just lost a race: it waits a jitter of up to one turn, so that two rewards that both
 * believe it is their turn do not collide again. Returns the cells as last known; every commit
 * stays conditional on them, so waiting is only ever a matter of speed.
 */
async function awaitTurn(
  deps: Pick<ApplyRewardDeps, 'store' | 'rng' | 'sleep' | 'elapsedMs'> & { retry: RewardRetryPolicy },
  refs: readonly CellRef[],
  lead: CellRef,
  known: StoredCell[],
  turn: number,
): Promise<StoredCell[]> {
  const { retry } = deps;
  let cells = known;
  let seen = leadVersion(cells, lead);
  if (turn - 1 - seen <= 0) {
    await deps.sleep(deps.rng() * retry.turnMs);
    return cells;
  }
  const elapsedMs = deps.elapsedMs ?? (() => performance.now());
  let seenAt = elapsedMs();
  let turnMs = retry.turnMs;
  let stalls = 0;
  while (turn - 1 - seen > 0 && stalls < 2) {
    await deps.sleep(Math.min(MAX_TURN_WAIT_MS, Math.max(0.5, 0.5 * (turn - 1 - seen)) * turnMs));
    cells = await deps.store.readCells(refs);
    const version = leadVersion(cells, lead);
    const now = elapsedMs();
    if (version <= seen) {
      stalls++;
      continue;
    }
    stalls = 0;
    turnMs = Math.min(retry.maxDelayMs, Math.max(1, (now - seenAt) / (version - seen)));
    seen = version;
    seenAt = now;
  }
  return cells;
}

/** The lead cell's version in `cells`; 0 when it does not exist yet. */
function leadVersion(cells: readonly StoredCell[], lead: CellRef): number {
  return cells.find((cell) => sameCell(cell.ref, lead))?.version ?? 0;
}

/** One strategy's reward from one closed trade. */
export interface ArmCredit {
  strategy: StrategyId;
  realizedR: number;
  /** True when simulated on the trade's path rather than traded. */
  counterfactual: boolean;
}

/**
 * What one closed trade teaches: the traded strategy its real R (always first), and, when a
 * non-empty `path` is given, every other profile the R it would have made on that path.
 * An empty path replays nothing, so only the traded strategy learns.
 */
export function armCredits(
  decision: Decision,
  realizedR: number,
  path: readonly Bar[] | undefined,
  horizonBars: number,
): ArmCredit[] {
  const traded: ArmCredit = {
    strategy: decision.strategy,
    realizedR: storable(realizedR),
    counterfactual: false,
  };
  if (path === undefined || path.length === 0) return [traded];
  const outcomes = counterfactualOutcomes({
    side: decision.side,
    entry: decision.plan.entry,
    atr: decision.plan.atr,
    path,
    horizonBars,
  });
  const others = STRATEGY_IDS.filter((strategy) => strategy !== decision.strategy).map((strategy) => ({
    strategy,
    realizedR: storable(outcomes[strategy].realizedR),
    counterfactual: true,
  }));
  return [traded, ...others];
}

/**
 * The cells a reward touches, one per credit in the decision's (symbol, regime), then the same
 * in the regime's pooled cells when the policy pools. The traded strategy's own cell comes first.
 */
export function rewardCellRefs(
  decision: Decision,
  credits: readonly ArmCredit[],
  pooling: boolean,
): CellRef[] {
  const owners: (string | null)[] = pooling ? [decision.symbol, null] : [decision.symbol];
  return owners.flatMap((symbol) =>
    credits.map(({ strategy }) => ({ symbol, regime: decision.regime.name, strategy })),
  );
}

/**
 * The new state of every cell in `refs`, computed from the cells as read: each folds in its
 * strategy's credit. The first write is the traded strategy's own cell, whose new version is
 * recorded on the decision. Exploration draws are counted on the cells of the traded strategy.
 */
export function rewardCellWrites(
  decision: Decision,
  credits: readonly ArmCredit[],
  refs: readonly CellRef[],
  at: number,
  cells: readonly StoredCell[],
  learner: Learner,
): CellWrite[] {
  return refs.map((ref) => {
    const credit = credits.find((c) => c.strategy === ref.strategy);
    if (credit === undefined) throw new Error(`no credit for strategy ${ref.strategy}`);
    const current = cells.find((cell) => sameCell(cell.ref, ref));
    const explored = decision.explored && !credit.counterfactual;
    return {
      ref,
      expectedVersion: current?.version ?? 0,
      stats: learner.update(current?.stats, {
        realizedR: credit.realizedR,
        at,
        counterfactual: credit.counterfactual,
      }),
      explorations: (current?.explorations ?? 0) + (explored ? 1 : 0),
    };
  });
}

/**
 * The cells as the next attempt starts from them, given what the failed commit of `writes`
 * reported: a cell that moved is taken as reported, a cell whose condition held is still as
 * `known`, and the rest (everything, when the failure reported nothing) is read again in one
 * request. A cell read again and not found does not exist.
 */
async function cellsAfterConflict(
  store: Pick<RewardStore, 'readCells'>,
  writes: readonly CellWrite[],
  known: readonly StoredCell[],
  after: readonly CellAfterConflict[] | undefined,
): Promise<StoredCell[]> {
  const next: StoredCell[] = [];
  const unknown: CellRef[] = [];
  for (const [index, write] of writes.entries()) {
    const report = after?.[index] ?? { state: 'unknown' };
    if (report.state === 'moved') next.push(report.cell);
    else if (report.state === 'unknown') unknown.push(write.ref);
    else {
      const cell = known.find((candidate) => sameCell(candidate.ref, write.ref));
      if (cell !== undefined) next.push(cell);
    }
  }
  if (unknown.length > 0) next.push(...(await store.readCells(unknown)));
  return next;
}

/**
 * DynamoDB numbers have no negative zero (a SHORT closed at break-even simulates to −0): fold 0
 * instead, so that the state computed is exactly the state stored and read back.
 */
function storable(realizedR: number): number {
  return realizedR === 0 ? 0 : realizedR;
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
