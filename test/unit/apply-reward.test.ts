import { describe, expect, it } from 'vitest';
import { createRewardApplier, RewardConflictError } from '../../lib/apply-reward';
import type { Decision } from '../../lib/decision';
import { buildExitPlan } from '../../lib/exit-plan';
import { emptyCellStats } from '../../lib/learners/cell-stats';
import { createEpsilonGreedyLearner } from '../../lib/learners/epsilon-greedy';
import { getProfile } from '../../lib/profiles';
import type { RewardCommit, RewardCommitResult, RewardStore } from '../../lib/store/selector-store';

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
  plan: buildExitPlan({ side: 'LONG', entry: 100_000, atr: 500, profile: getProfile('moderate') }),
  candidates: ['moderate'],
  values: {},
  explored: false,
  propensity: 1,
  probabilities: { moderate: 1 },
  policy: 'test',
  createdAt: 0,
  expiresAt: 0,
};

/** A store whose commits answer from a script, recording what was asked. */
function scriptedStore(script: RewardCommitResult[]) {
  const commits: RewardCommit[] = [];
  const store: RewardStore = {
    getDecision: async () => decision,
    readCells: async () => [],
    commitReward: async (commit) => {
      commits.push(commit);
      return script.shift() ?? { outcome: 'committed' };
    },
  };
  return { store, commits };
}

function applier(store: RewardStore, sleeps: number[], maxAttempts = 10) {
  return createRewardApplier({
    store,
    learner: createEpsilonGreedyLearner({ epsilon: 0.1, alpha: 0.2, defaultStrategy: 'moderate' }),
    clock: () => 1_000,
    rng: () => 0.999,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    retry: { maxAttempts, baseDelayMs: 4, maxDelayMs: 20 },
  });
}

const input = { decisionId: 'd1', eventId: 'e1', closedAt: '2024-01-01T00:00:00Z' };

describe('reward use case', () => {
  it('retries conflicts after jittered, exponentially growing, capped waits, then commits', async () => {
    const { store, commits } = scriptedStore([
      { outcome: 'conflict', reason: 'version' },
      { outcome: 'conflict', reason: 'transaction' },
      { outcome: 'conflict', reason: 'version' },
      { outcome: 'conflict', reason: 'version' },
    ]);
    const sleeps: number[] = [];

    const result = await applier(store, sleeps)({ ...input, realizedR: 1 });

    expect(result).toMatchObject({ outcome: 'applied', attempts: 5, conflicts: 4 });
    expect(commits).toHaveLength(5);
    // rng 0.999 × min(20, 4·2^(n−1)): 4, 8, 16, then the cap 20.
    expect(sleeps.map((ms) => Math.round(ms))).toEqual([4, 8, 16, 20]);
  });

  it('retries a throttled commit without counting it as a conflict', async () => {
    const { store } = scriptedStore([{ outcome: 'conflict', reason: 'throttled' }]);
    const result = await applier(store, [])({ ...input, realizedR: 1 });
    expect(result).toMatchObject({ outcome: 'applied', attempts: 2, conflicts: 0 });
  });

  it('throws RewardConflictError once the bound is hit, never swallowing the conflict', async () => {
    const { store, commits } = scriptedStore(
      Array.from({ length: 10 }, () => ({ outcome: 'conflict', reason: 'version' }) as const),
    );
    await expect(applier(store, [], 3)({ ...input, realizedR: 1 })).rejects.toEqual(
      new RewardConflictError('d1', 3, 3),
    );
    expect(commits).toHaveLength(3);
  });

  it('computes R from the exit price, entry and initial stop when realizedR is absent', async () => {
    const { store, commits } = scriptedStore([]);
    // moderate LONG: entry 100,000, stop 99,500 → 1R = 500; exit 99,750 → −0.5 R.
    await applier(store, [])({ ...input, exitPrice: 99_750 });
    expect(commits[0]?.reward.realizedR).toBe(-0.5);
    expect(commits[0]?.cells[0]?.stats).toMatchObject({ count: 1, losses: 1, totalR: -0.5 });
  });

  it('takes realizedR over exitPrice when both are given, and keeps the exit price for audit', async () => {
    const { store, commits } = scriptedStore([]);
    await applier(store, [])({ ...input, realizedR: 2, exitPrice: 99_750 });
    expect(commits[0]?.reward).toMatchObject({ realizedR: 2, exitPrice: 99_750 });
  });

  it('records on the decision the cell version its reward produces', async () => {
    const { store, commits } = scriptedStore([]);
    store.readCells = async () => [
      {
        ref: { symbol: 'BTCUSDT', regime: 'TREND_UP', strategy: 'moderate' },
        stats: { ...emptyCellStats(), count: 6 },
        explorations: 0,
        version: 6,
      },
    ];
    await applier(store, [])({ ...input, realizedR: 1 });
    expect(commits[0]?.cells[0]?.expectedVersion).toBe(6);
    expect(commits[0]?.reward.cellVersion).toBe(7);
  });
});
