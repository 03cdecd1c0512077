import { describe, expect, it } from 'vitest';
import {
  type ApplyRewardDeps,
  createRewardApplier,
  DEFAULT_REWARD_RETRY,
  RewardConflictError,
  type RewardInput,
  type RewardPolicy,
} from '../../lib/apply-reward';
import { armProfile, profileArm, SEVEN_ARMS } from '../../lib/arms';
import { ENV_DEFAULTS, loadConfig } from '../../lib/config';
import type { Decision, DecisionRejection } from '../../lib/decision';
import { buildExitPlan } from '../../lib/exit-plan';
import { addToCell, armIncrement, quantizeR, toMicroR } from '../../lib/learners/cell-stats';
import { createEpsilonGreedyLearner } from '../../lib/learners/epsilon-greedy';
import type { CellsByArm } from '../../lib/learners/learner';
import { allowanceR, DEFAULT_PLAUSIBILITY, planReach } from '../../lib/plausibility';
import { createDefaultPolicy } from '../../lib/policies';
import { getProfile } from '../../lib/profiles';
import { simulateTrade } from '../../lib/simulator';
import type { RewardCommit, RewardCommitResult, RewardStore } from '../../lib/store/selector-store';
import { poolShard } from '../../lib/store/table';
import { STRATEGY_IDS } from '../../lib/types';

/**
 * The reward use case's own logic, against an in-memory store: a decision that closes when a
 * commit goes through, and scripted commit failures for the races a real table produces only
 * under load. What the store does with a commit (the `ADD`s, the conditions) is proven against
 * DynamoDB Local in the integration tests.
 */

const CREATED = Date.UTC(2024, 0, 1, 12);
const NOW = CREATED + 2 * 3_600_000;
const CLOSED_AT = '2024-01-01T13:00:00Z';

// moderate LONG at 100,000 on ATR 500: stop 99,500 (1R = 500), targets at 2, 3.5 and 5.5 R.
const decision: Decision = {
  decisionId: 'd1',
  status: 'OPEN',
  symbol: 'BTCUSDT',
  side: 'LONG',
  regime: {
    name: 'TREND_UP',
    confidence: 0.8,
    features: { atr: 500, atrPct: 0.005, adx: 30, trendStrength: 0.4 },
  },
  strategy: 'moderate',
  arm: profileArm('moderate'),
  plan: buildExitPlan({ side: 'LONG', entry: 100_000, atr: 500, profile: getProfile('moderate') }),
  candidates: [...STRATEGY_IDS],
  values: {},
  reason: 'moderate: placed by the test',
  explored: false,
  propensity: 1,
  probabilities: { moderate: 1 },
  policy: 'test',
  createdAt: CREATED,
  expiresAt: 0,
  lastCandleAt: CREATED - 3_600_000,
};

// A rally of 3 ATR, then a fall through the entry; hourly, after the decision's last candle.
const path = [
  { t: CREATED, o: 100_000, h: 100_600, l: 99_900, c: 100_500 },
  { t: CREATED + 3_600_000, o: 100_500, h: 101_600, l: 100_400, c: 101_500 },
  { t: CREATED + 7_200_000, o: 101_500, h: 101_550, l: 100_200, c: 100_300 },
  { t: CREATED + 10_800_000, o: 100_300, h: 100_350, l: 99_000, c: 99_100 },
];

const config = loadConfig(ENV_DEFAULTS);
/** The default policy: full information over the 35 arms of the family, pooled, no EMA. */
const POOLED: RewardPolicy = createDefaultPolicy(config);
const BANDIT: RewardPolicy = { ...POOLED, fullInformation: false, pooling: false };
/** The seed's learner: its EMA is folded in commit order. */
const SEED: RewardPolicy = {
  learner: createEpsilonGreedyLearner({ epsilon: 0.1, alpha: 0.2, defaultStrategy: 'moderate' }),
  fullInformation: false,
  pooling: false,
  arms: SEVEN_ARMS,
};

interface MemoryStoreOptions {
  decision?: Decision | undefined;
  /** Results of the first commits; then commits go through (or find the decision closed). */
  script?: RewardCommitResult[];
  /** What each readCell call returns, in turn (then: no cell). */
  cellReads?: CellsByArm[];
}

/** A RewardStore holding one decision in memory, recording every call. */
function memoryStore(options: MemoryStoreOptions = {}) {
  let current = 'decision' in options ? options.decision : decision;
  const script = [...(options.script ?? [])];
  const cellReads = [...(options.cellReads ?? [])];
  const calls = {
    getDecision: [] as { decisionId: string; consistent: boolean | undefined }[],
    readCell: [] as [string, string][],
    commits: [] as RewardCommit[],
    rejections: [] as [string, DecisionRejection][],
  };
  const store: RewardStore = {
    getDecision: async (decisionId, opts) => {
      calls.getDecision.push({ decisionId, consistent: opts?.consistent });
      return current?.decisionId === decisionId ? current : undefined;
    },
    readCell: async (symbol, regime) => {
      calls.readCell.push([symbol, regime]);
      return cellReads.shift() ?? {};
    },
    commitReward: async (commit) => {
      calls.commits.push(structuredClone(commit));
      const scripted = script.shift();
      if (scripted !== undefined) return scripted;
      if (current === undefined || current.status === 'CLOSED')
        return { outcome: 'decision-not-open', current };
      current = { ...current, status: 'CLOSED', reward: commit.reward };
      return { outcome: 'committed' };
    },
    rejectReward: async (decisionId, rejection) => {
      calls.rejections.push([decisionId, rejection]);
      if (current === undefined || current.status === 'CLOSED')
        return { outcome: 'decision-not-open', current };
      current = { ...current, status: 'REJECTED', rejection };
      return { outcome: 'recorded' };
    },
  };
  return { store, calls, current: () => current };
}

/** Numbers handed out in turn, then the last one forever: the backoff's jitter. */
function scriptedRng(values: number[]) {
  let index = 0;
  return () => values[Math.min(index++, values.length - 1)] ?? 0;
}

function applier(
  store: RewardStore,
  overrides: Partial<ApplyRewardDeps> = {},
): { apply: (input: RewardInput) => ReturnType<ReturnType<typeof createRewardApplier>>; sleeps: number[] } {
  const sleeps: number[] = [];
  const apply = createRewardApplier({
    store,
    policy: POOLED,
    horizonBars: 48,
    plausibility: DEFAULT_PLAUSIBILITY,
    poolShards: 16,
    clock: () => NOW,
    rng: () => 0.5,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    retry: { maxAttempts: 10, baseDelayMs: 4, maxDelayMs: 20 },
    ...overrides,
  });
  return { apply, sleeps };
}

const input: RewardInput = { decisionId: 'd1', eventId: 'e1', closedAt: CLOSED_AT };

describe('reward use case: an applied reward', () => {
  it("closes the decision and adds the traded R to its cell, one pooled shard and the symbol's total", async () => {
    const { store, calls, current } = memoryStore();
    const result = await applier(store).apply({ ...input, realizedR: 0.8, tradeId: 't1' });

    const credits = [{ arm: 'moderate', realizedR: 0.8, counterfactual: false }];
    const reward = {
      realizedR: 0.8,
      closedAt: CLOSED_AT,
      eventId: 'e1',
      appliedAt: NOW,
      // The (symbol, regime) cell, the pooled shard and the symbol's total.
      cellsUpdated: 3,
      credits,
      pooledShard: poolShard('d1', 16),
      pathUsed: false,
      tradeId: 't1',
    };
    expect(result).toEqual({
      outcome: 'applied',
      decision: { ...decision, status: 'CLOSED', reward },
      reward,
      attempts: 1,
      conflicts: 0,
    });
    const arms = { moderate: armIncrement(0.8, false, false) };
    expect(calls.commits).toEqual([
      {
        decisionId: 'd1',
        reward,
        at: NOW,
        own: { symbol: 'BTCUSDT', regime: 'TREND_UP', arms },
        pooled: { shard: poolShard('d1', 16), regime: 'TREND_UP', arms },
      },
    ]);
    expect(current()?.status).toBe('CLOSED');
    expect(calls.getDecision).toEqual([{ decisionId: 'd1', consistent: true }]);
  });

  it('picks the pooled shard from the decision id and the number of shards', async () => {
    const shards = new Set<number>();
    for (const decisionId of ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h']) {
      const { store, calls } = memoryStore({ decision: { ...decision, decisionId } });
      await applier(store, { poolShards: 7 }).apply({ ...input, decisionId, realizedR: 1 });
      const shard = calls.commits[0]?.pooled?.shard;
      expect(shard).toBe(poolShard(decisionId, 7));
      expect(calls.commits[0]?.reward.pooledShard).toBe(shard);
      shards.add(shard ?? -1);
    }
    // Spread, not one hot item.
    expect(shards.size).toBeGreaterThan(1);
    const { store, calls } = memoryStore();
    await applier(store, { poolShards: 1 }).apply({ ...input, realizedR: 1 });
    expect(calls.commits[0]?.pooled?.shard).toBe(0);
  });

  /** Each arm of the family planned like the decision, and its outcome on `bars`. */
  const familyOutcomes = (bars: typeof path, horizonBars: number) =>
    POOLED.arms.map((arm) => {
      const plan = buildExitPlan({ side: 'LONG', entry: 100_000, atr: 500, profile: armProfile(arm) });
      return { arm: arm.id, outcome: simulateTrade({ side: 'LONG', plan, bars, horizonBars }) };
    });

  it('credits every other arm the path has closed the R the simulator gives it, paired with trend_rider', async () => {
    const { store, calls } = memoryStore();
    const result = await applier(store).apply({ ...input, realizedR: 0.8, path });

    const commit = calls.commits[0];
    const outcomes = familyOutcomes(path, 48);
    const closed = outcomes.filter(({ outcome }) => outcome.exitReason !== 'end_of_data');
    const open = outcomes.filter(({ outcome }) => outcome.exitReason === 'end_of_data');
    // Four bars at a 48-bar horizon: some arms closed on them (trend_rider at break-even on the
    // fourth), others are still open and wait for their bars.
    expect(closed.map(({ arm }) => arm)).toContain('trend_rider');
    expect(open.length).toBeGreaterThan(0);
    const reference = closed.find(({ arm }) => arm === 'trend_rider')?.outcome.realizedR ?? Number.NaN;
    const credited = closed.filter(({ arm }) => arm !== 'moderate');
    expect(commit?.reward.credits.map((credit) => credit.arm)).toEqual([
      'moderate',
      ...credited.map(({ arm }) => arm),
    ]);
    for (const { arm, outcome } of credited) {
      const pair = arm === 'trend_rider' ? undefined : quantizeR(outcome.realizedR - reference);
      expect(commit?.own.arms[arm]).toEqual(armIncrement(quantizeR(outcome.realizedR), true, false, pair));
    }
    for (const { arm } of open) if (arm !== 'moderate') expect(commit?.own.arms).not.toHaveProperty(arm);
    const moderate = closed.find(({ arm }) => arm === 'moderate')?.outcome.realizedR ?? Number.NaN;
    expect(commit?.own.arms.moderate).toEqual(
      armIncrement(0.8, false, false, quantizeR(moderate - reference)),
    );
    expect(commit?.pooled?.arms).toEqual(commit?.own.arms);
    const cellsUpdated = 3 * (credited.length + 1);
    expect(commit?.reward).toMatchObject({ cellsUpdated, pathUsed: true });
    expect(result).toMatchObject({ outcome: 'applied', reward: { cellsUpdated } });
  });

  it('credits all 35 arms when the path reaches the horizon', async () => {
    const { store, calls } = memoryStore();
    await applier(store, { horizonBars: 4 }).apply({ ...input, realizedR: 0.8, path });
    const commit = calls.commits[0];
    expect(Object.keys(commit?.own.arms ?? {}).sort()).toEqual(POOLED.arms.map((arm) => arm.id).sort());
    for (const { arm, outcome } of familyOutcomes(path, 4)) {
      if (arm !== 'moderate') expect(commit?.own.arms[arm]?.sumMicro).toBe(toMicroR(outcome.realizedR));
      if (arm !== 'trend_rider') expect(commit?.own.arms[arm]?.pairN).toBe(1);
    }
    expect(commit?.reward).toMatchObject({ cellsUpdated: 105, pathUsed: true });
  });

  it('adds nothing pooled for a policy that does not pool, and ignores the path without full information', async () => {
    const { store, calls } = memoryStore();
    await applier(store, { policy: BANDIT }).apply({ ...input, realizedR: 0.8, path });
    const commit = calls.commits[0];
    expect(commit?.pooled).toBeUndefined();
    expect(commit?.reward).not.toHaveProperty('pooledShard');
    expect(Object.keys(commit?.own.arms ?? {})).toEqual(['moderate']);
    expect(commit?.reward).toMatchObject({ cellsUpdated: 1, pathUsed: false });
  });

  it('teaches only the traded strategy when the path is empty (closed on its entry bar)', async () => {
    const { store, calls } = memoryStore();
    await applier(store).apply({ ...input, realizedR: 0.8, path: [] });
    expect(Object.keys(calls.commits[0]?.own.arms ?? {})).toEqual(['moderate']);
    expect(calls.commits[0]?.reward).toMatchObject({ cellsUpdated: 3, pathUsed: false });
  });

  it('counts an exploration draw on the traded arm only, in its cell and its shard', async () => {
    const { store, calls } = memoryStore({ decision: { ...decision, explored: true } });
    await applier(store).apply({ ...input, realizedR: 0.8, path });
    const commit = calls.commits[0];
    for (const arms of [commit?.own.arms, commit?.pooled?.arms]) {
      const explored = Object.entries(arms ?? {}).filter(([, increment]) => increment?.explorations === 1);
      expect(explored.map(([arm]) => arm)).toEqual(['moderate']);
    }
  });

  it('computes R from the exit price when realizedR is absent, and keeps the price for audit', async () => {
    const { store, calls } = memoryStore();
    // (99,750 − 100,000) / 500 = −0.5 R.
    await applier(store).apply({ ...input, exitPrice: 99_750 });
    expect(calls.commits[0]?.reward).toMatchObject({ realizedR: -0.5, exitPrice: 99_750 });
    expect(calls.commits[0]?.own.arms.moderate).toEqual(armIncrement(-0.5, false, false));
  });

  it('takes realizedR over the exit price when both are given', async () => {
    const { store, calls } = memoryStore();
    await applier(store).apply({ ...input, realizedR: 2, exitPrice: 99_750 });
    expect(calls.commits[0]?.reward).toMatchObject({ realizedR: 2, exitPrice: 99_750 });
  });

  it('applies an R at either edge of the plan reach widened by the 3-ATR gap allowance', async () => {
    const reach = planReach(decision.plan);
    const allowance = allowanceR(decision.plan, DEFAULT_PLAUSIBILITY.rewardGapAllowanceAtr);
    expect(allowance).toBe(3);
    // Filled at 98,000: 3 ATRs (1,500) below the stop at 99,500, −4 R.
    for (const [event, realizedR] of [
      [{ exitPrice: 98_000 }, -4],
      [{ realizedR: -1 - allowance }, -4],
      [{ realizedR: Number((reach.maxR + allowance).toFixed(6)) }, 6.15],
    ] as const) {
      const { store, calls } = memoryStore();
      expect(await applier(store).apply({ ...input, ...event })).toMatchObject({
        outcome: 'applied',
        reward: { realizedR },
      });
      expect(calls.commits[0]?.own.arms.moderate).toEqual(armIncrement(realizedR, false, false));
      expect(calls.rejections).toEqual([]);
    }
  });

  it('applies a path that opens 10 ATRs from the entry, the farthest it may', async () => {
    // The path only has to be of this market (one more unit of price is refused, below); R is
    // judged on its own.
    const { store, calls } = memoryStore();
    const gap = [{ t: CREATED, o: 105_000, h: 105_100, l: 104_900, c: 105_000 }];
    const result = await applier(store).apply({ ...input, realizedR: 6, path: gap });
    expect(result).toMatchObject({ outcome: 'applied', reward: { realizedR: 6, pathUsed: true } });
    expect(calls.rejections).toEqual([]);
  });

  it('credits −0 and a tiny R such as 1e-140 as exactly 0', async () => {
    for (const realizedR of [-0, 1e-140, -1e-140]) {
      const { store, calls } = memoryStore();
      await applier(store).apply({ ...input, realizedR });
      expect(Object.is(calls.commits[0]?.reward.realizedR, 0)).toBe(true);
      expect(calls.commits[0]?.own.arms.moderate).toEqual(armIncrement(0, false, false));
    }
  });

  it('closes a decision an earlier implausible event marked REJECTED', async () => {
    const { store, current } = memoryStore();
    const { apply } = applier(store);
    expect(await apply({ ...input, eventId: 'bad', realizedR: 50 })).toMatchObject({
      outcome: 'implausible',
    });
    expect(current()?.status).toBe('REJECTED');
    const closed = await apply({ ...input, eventId: 'good', realizedR: 1 });
    // The closed decision keeps the refusal that came before, for the operator.
    expect(closed).toMatchObject({
      outcome: 'applied',
      decision: { status: 'CLOSED', reward: { eventId: 'good' }, rejection: { reason: 'r-beyond-bound' } },
    });
    expect(current()?.status).toBe('CLOSED');
  });
});

describe('reward use case: duplicates and rejections', () => {
  it('rejects an event for a decision that does not exist, touching nothing', async () => {
    const { store, calls } = memoryStore({ decision: undefined });
    expect(await applier(store).apply({ ...input, realizedR: 1 })).toEqual({
      outcome: 'rejected',
      reason: 'unknown-decision',
      conflicts: 0,
    });
    expect(calls.commits).toEqual([]);
    expect(calls.rejections).toEqual([]);
  });

  it('treats a redelivery of the applied event as a duplicate, without a second commit', async () => {
    const { store, calls } = memoryStore();
    const { apply } = applier(store);
    await apply({ ...input, realizedR: 1 });
    const again = await apply({ ...input, realizedR: 1 });
    expect(again).toMatchObject({ outcome: 'duplicate', conflicts: 0, decision: { status: 'CLOSED' } });
    expect(calls.commits).toHaveLength(1);
  });

  it('treats a republication of the same close under a new event id as a duplicate', async () => {
    const { store, calls } = memoryStore();
    const { apply } = applier(store);
    await apply({ ...input, realizedR: 0.123_456_7, exitPrice: 100_100, tradeId: 't1' });
    // The same close time spelled differently, the same R on the grid.
    const republished = await apply({
      ...input,
      eventId: 'e2',
      closedAt: '2024-01-01T13:00:00.000+00:00',
      realizedR: 0.123_457,
      exitPrice: 100_100,
      tradeId: 't1',
    });
    expect(republished).toMatchObject({ outcome: 'duplicate' });
    // A republication that reports less (no R, no price) is still the same close.
    expect(await apply({ ...input, eventId: 'e3', exitPrice: 100_100, tradeId: 't1' })).toMatchObject({
      outcome: 'duplicate',
    });
    expect(calls.commits).toHaveLength(1);
  });

  it.each([
    ['another R', { realizedR: 2 }],
    ['another trade id', { tradeId: 't2' }],
    ['another close time', { closedAt: '2024-01-01T13:00:01Z' }],
    ['another exit price', { exitPrice: 100_200 }],
  ])('rejects an event with %s once the decision is closed', async (_case, change) => {
    const { store, calls } = memoryStore();
    const { apply } = applier(store);
    await apply({ ...input, realizedR: 1, exitPrice: 100_100, tradeId: 't1' });
    const other = await apply({
      ...input,
      eventId: 'e2',
      realizedR: 1,
      exitPrice: 100_100,
      tradeId: 't1',
      ...change,
    });
    expect(other).toMatchObject({
      outcome: 'rejected',
      reason: 'closed-by-another-event',
      decision: { status: 'CLOSED', reward: { eventId: 'e1' } },
      conflicts: 0,
    });
    expect(calls.commits).toHaveLength(1);
  });

  it('reads a decision closed between its read and its commit as a duplicate or a rejection', async () => {
    const closedBy = (eventId: string): Decision => ({
      ...decision,
      status: 'CLOSED',
      reward: {
        realizedR: 1,
        closedAt: CLOSED_AT,
        eventId,
        appliedAt: NOW,
        cellsUpdated: 2,
        credits: [],
        pathUsed: false,
      },
    });
    const race = async (result: RewardCommitResult) =>
      applier(memoryStore({ script: [{ outcome: 'conflict', reason: 'transaction' }, result] }).store).apply({
        ...input,
        realizedR: 3,
      });
    expect(await race({ outcome: 'decision-not-open', current: closedBy('e1') })).toMatchObject({
      outcome: 'duplicate',
      conflicts: 1,
    });
    expect(await race({ outcome: 'decision-not-open', current: closedBy('other') })).toMatchObject({
      outcome: 'rejected',
      reason: 'closed-by-another-event',
      conflicts: 1,
    });
    expect(await race({ outcome: 'decision-not-open', current: undefined })).toEqual({
      outcome: 'rejected',
      reason: 'unknown-decision',
      conflicts: 1,
    });
  });
});

describe('reward use case: implausible rewards', () => {
  it('marks the decision REJECTED with the reason and what was reported, and commits nothing', async () => {
    const { store, calls, current } = memoryStore();
    const result = await applier(store).apply({
      ...input,
      realizedR: 25,
      exitPrice: 100_100,
      tradeId: 't1',
      path,
    });
    const rejection: DecisionRejection = {
      reason: 'r-beyond-bound',
      message: 'realizedR 25 exceeds the bound of ±20 R',
      eventId: 'e1',
      closedAt: CLOSED_AT,
      reported: { realizedR: '25', exitPrice: '100100', pathCandles: 4 },
      tradeId: 't1',
      at: NOW,
    };
    expect(result).toEqual({
      outcome: 'implausible',
      implausibility: { reason: 'r-beyond-bound', message: rejection.message },
      decision: { ...decision, status: 'REJECTED', rejection },
      conflicts: 0,
    });
    expect(calls.rejections).toEqual([['d1', rejection]]);
    expect(calls.commits).toEqual([]);
    expect(current()?.status).toBe('REJECTED');
  });

  it.each([
    // moderate reaches 3.15 R, and 3 R more with the 3-ATR gap allowance on its 1-ATR stop.
    ['an R beyond the plan', { realizedR: 6.2 }, 'r-beyond-plan-reach'],
    ['an exit price more than 3 ATRs below the stop', { exitPrice: 97_999 }, 'r-beyond-plan-reach'],
    ['an exit price 50× the entry', { exitPrice: 5_000_000 }, 'r-beyond-bound'],
    ['a close in 1970', { realizedR: 1, closedAt: '1970-01-01T00:00:00Z' }, 'closed-before-decision'],
    ['a close in the future', { realizedR: 1, closedAt: '2024-01-02T00:00:00Z' }, 'closed-in-future'],
    [
      'a path from before the decision',
      { realizedR: 1, path: path.map((bar) => ({ ...bar, t: bar.t - 86_400_000 })) },
      'path-before-decision',
    ],
    [
      'a path of another market',
      { realizedR: 1, path: [{ t: CREATED, o: 1000, h: 1000, l: 1000, c: 1000 }] },
      'path-off-market',
    ],
    [
      'a path that opens more than 10 ATRs from the entry',
      { realizedR: 1, path: [{ t: CREATED, o: 105_001, h: 105_100, l: 104_900, c: 105_000 }] },
      'path-off-market',
    ],
  ] as const)('refuses %s, changing no cell', async (_case, event, reason) => {
    const { store, calls } = memoryStore();
    const result = await applier(store).apply({ ...input, ...event });
    expect(result).toMatchObject({ outcome: 'implausible', implausibility: { reason } });
    expect(calls.rejections.map(([, rejection]) => rejection.reason)).toEqual([reason]);
    expect(calls.commits).toEqual([]);
  });

  it('treats a redelivery of the refused event as a duplicate, recording nothing again', async () => {
    const { store, calls, current } = memoryStore();
    const { apply } = applier(store);
    await apply({ ...input, realizedR: 50 });
    const again = await apply({ ...input, realizedR: 50 });
    expect(again).toMatchObject({
      outcome: 'duplicate',
      conflicts: 0,
      decision: { status: 'REJECTED', rejection: { eventId: 'e1' } },
    });
    expect(calls.rejections).toHaveLength(1);
    expect(calls.commits).toEqual([]);
    expect(current()?.status).toBe('REJECTED');
  });

  it('judges another event for a REJECTED decision afresh', async () => {
    const { store, calls } = memoryStore();
    const { apply } = applier(store);
    await apply({ ...input, realizedR: 50 });
    expect(await apply({ ...input, eventId: 'e2', realizedR: 60 })).toMatchObject({
      outcome: 'implausible',
      decision: { rejection: { eventId: 'e2' } },
    });
    expect(calls.rejections.map(([, rejection]) => rejection.eventId)).toEqual(['e1', 'e2']);
  });

  it('keeps a number the store cannot hold as text on the rejection', async () => {
    const { store, calls } = memoryStore();
    await applier(store).apply({ ...input, realizedR: 1e300 });
    expect(calls.rejections[0]?.[1].reported).toEqual({ realizedR: '1e+300' });
  });

  it('reads a decision closed before its rejection could be recorded as a duplicate or a rejection', async () => {
    const { store, calls } = memoryStore();
    const { apply } = applier(store);
    await apply({ ...input, realizedR: 1 });
    store.getDecision = async () => decision; // a stale read: the decision still looks open
    expect(await apply({ ...input, eventId: 'e2', realizedR: 50 })).toMatchObject({
      outcome: 'rejected',
      reason: 'closed-by-another-event',
    });
    expect(calls.rejections).toHaveLength(1);
    expect(calls.commits).toHaveLength(1);
  });

  it('credits an override as reported, skipping the plausibility checks, and records the reason', async () => {
    const { store, calls } = memoryStore();
    const result = await applier(store).apply({
      ...input,
      realizedR: 15,
      closedAt: '1970-01-01T00:00:00Z',
      override: 'gap through the stop on a halted market',
    });
    expect(result).toMatchObject({
      outcome: 'applied',
      reward: { realizedR: 15, override: 'gap through the stop on a halted market' },
    });
    expect(calls.commits[0]?.own.arms.moderate).toEqual(armIncrement(15, false, false));
    expect(calls.rejections).toEqual([]);
  });

  it('never credits an override beyond MAX_CREDITABLE_ABS_R', async () => {
    const { store, calls } = memoryStore();
    const result = await applier(store).apply({ ...input, realizedR: 1e6, override: 'really' });
    expect(result).toMatchObject({ outcome: 'implausible', implausibility: { reason: 'r-beyond-bound' } });
    expect(calls.commits).toEqual([]);
    expect(calls.rejections).toHaveLength(1);
  });
});

describe('reward use case: a commit that collides with another', () => {
  const transaction: RewardCommitResult = { outcome: 'conflict', reason: 'transaction' };
  const throttled: RewardCommitResult = { outcome: 'conflict', reason: 'throttled' };

  it('sends the same commit again after a jittered, growing, capped wait, without reading any cell', async () => {
    const { store, calls } = memoryStore({
      script: [transaction, transaction, transaction, transaction, transaction],
    });
    let clock = NOW;
    const { apply, sleeps } = applier(store, {
      rng: scriptedRng([0.1, 0.9, 0.5, 0.999, 0]),
      clock: () => clock++,
    });

    const result = await apply({ ...input, realizedR: 0.8, path });

    expect(result).toMatchObject({ outcome: 'applied', attempts: 6, conflicts: 5 });
    // rng × min(20, 4·2^(attempt − 1)): 0.1·4, 0.9·8, 0.5·16, 0.999·20, 0·20.
    expect(sleeps).toEqual([0.1 * 4, 0.9 * 8, 0.5 * 16, 0.999 * 20, 0]);
    expect(calls.commits).toHaveLength(6);
    const [first, ...resent] = calls.commits;
    for (const commit of resent) {
      expect(commit.own).toEqual(first?.own);
      expect(commit.pooled).toEqual(first?.pooled);
      expect(commit.reward.credits).toEqual(first?.reward.credits);
    }
    expect(calls.readCell).toEqual([]);
    expect(calls.getDecision).toHaveLength(1);
  });

  it('does not count a throttled commit as a conflict', async () => {
    const { store } = memoryStore({ script: [throttled, throttled, transaction] });
    const { apply, sleeps } = applier(store);
    expect(await apply({ ...input, realizedR: 1 })).toMatchObject({
      outcome: 'applied',
      attempts: 4,
      conflicts: 1,
    });
    expect(sleeps).toHaveLength(3);
  });

  it('gives up with RewardConflictError after maxAttempts, without a last wait', async () => {
    const { store, calls } = memoryStore({ script: Array.from({ length: 10 }, () => transaction) });
    const { apply, sleeps } = applier(store, { retry: { maxAttempts: 3, baseDelayMs: 4, maxDelayMs: 20 } });
    await expect(apply({ ...input, realizedR: 1 })).rejects.toEqual(new RewardConflictError('d1', 3, 3));
    expect(calls.commits).toHaveLength(3);
    expect(sleeps).toHaveLength(2);
  });

  it('reports throttled attempts apart from conflicts when it gives up', async () => {
    const { store } = memoryStore({ script: [throttled, transaction, throttled] });
    const { apply } = applier(store, { retry: { maxAttempts: 3, baseDelayMs: 4, maxDelayMs: 20 } });
    const error = await apply({ ...input, realizedR: 1 }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RewardConflictError);
    expect(error).toMatchObject({ decisionId: 'd1', attempts: 3, conflicts: 1 });
  });

  it('bounds its attempts by DEFAULT_REWARD_RETRY when given no policy', async () => {
    const { store, calls } = memoryStore({ script: Array.from({ length: 30 }, () => transaction) });
    const { apply, sleeps } = applier(store, { retry: undefined, rng: () => 1 });
    await expect(apply({ ...input, realizedR: 1 })).rejects.toBeInstanceOf(RewardConflictError);
    expect(calls.commits).toHaveLength(DEFAULT_REWARD_RETRY.maxAttempts);
    expect(sleeps[0]).toBe(DEFAULT_REWARD_RETRY.baseDelayMs);
    expect(Math.max(...sleeps)).toBe(DEFAULT_REWARD_RETRY.maxDelayMs);
  });
});

describe('reward use case: the seed policy’s EMA', () => {
  /** A seed cell of `count` rewards whose EMA is `ema`. */
  function seedCell(count: number, ema: number): CellsByArm {
    let cell = addToCell(undefined, armIncrement(1, false, false), 0);
    for (let k = 1; k < count; k++) cell = addToCell(cell, armIncrement(1, false, false), k);
    return { moderate: { ...cell, ema } };
  }

  it('reads the traded arm and writes its EMA on the condition that its count has not moved', async () => {
    const { store, calls } = memoryStore({ cellReads: [seedCell(4, 0.5)] });
    await applier(store, { policy: SEED }).apply({ ...input, realizedR: 1 });
    expect(calls.readCell).toEqual([['BTCUSDT', 'TREND_UP']]);
    const ema = calls.commits[0]?.own.ema;
    expect(ema).toMatchObject({ arm: 'moderate', expectedCount: 4 });
    // (1 − 0.2)·0.5 + 0.2·1
    expect(ema?.ema).toBeCloseTo(0.6, 12);
    expect(calls.commits[0]?.own.arms).toEqual({ moderate: armIncrement(1, false, false) });
  });

  it("starts a never-rewarded arm's EMA at the reward, expecting a count of 0", async () => {
    const { store, calls } = memoryStore();
    await applier(store, { policy: SEED }).apply({ ...input, realizedR: 0.123_456_7 });
    expect(calls.commits[0]?.own.ema).toEqual({ arm: 'moderate', expectedCount: 0, ema: 0.123_457 });
  });

  it('reads the arm again after its EMA moved, and writes the EMA folded on what it read', async () => {
    const { store, calls } = memoryStore({
      script: [{ outcome: 'conflict', reason: 'ema' }],
      cellReads: [seedCell(4, 0.5), seedCell(5, 1)],
    });
    const result = await applier(store, { policy: SEED }).apply({ ...input, realizedR: 2 });
    expect(result).toMatchObject({ outcome: 'applied', attempts: 2, conflicts: 1 });
    expect(calls.readCell).toHaveLength(2);
    const [first, second] = calls.commits.map((commit) => commit.own.ema);
    expect(first?.expectedCount).toBe(4);
    expect(first?.ema).toBeCloseTo(0.8 * 0.5 + 0.2 * 2, 12);
    expect(second?.expectedCount).toBe(5);
    expect(second?.ema).toBeCloseTo(0.8 * 1 + 0.2 * 2, 12);
    expect(calls.commits[1]?.own.arms).toEqual(calls.commits[0]?.own.arms);
  });

  it('resends the same EMA after a transaction conflict, without reading again', async () => {
    const { store, calls } = memoryStore({
      script: [{ outcome: 'conflict', reason: 'transaction' }],
      cellReads: [seedCell(4, 0.5)],
    });
    await applier(store, { policy: SEED }).apply({ ...input, realizedR: 2 });
    expect(calls.readCell).toHaveLength(1);
    expect(calls.commits[1]?.own.ema).toEqual(calls.commits[0]?.own.ema);
  });

  it('writes no EMA and reads no cell for a learner that keeps none', async () => {
    const { store, calls } = memoryStore();
    await applier(store, { policy: BANDIT }).apply({ ...input, realizedR: 2 });
    expect(calls.readCell).toEqual([]);
    expect(calls.commits[0]?.own).not.toHaveProperty('ema');
  });

  it('reads no cell for an implausible reward', async () => {
    const { store, calls } = memoryStore();
    await applier(store, { policy: SEED }).apply({ ...input, realizedR: 50 });
    expect(calls.readCell).toEqual([]);
  });
});
