import { describe, expect, it } from 'vitest';
import { createRewardApplier, RewardConflictError } from '../../lib/apply-reward';
import { counterfactualOutcomes } from '../../lib/counterfactual';
import type { Decision } from '../../lib/decision';
import { buildExitPlan } from '../../lib/exit-plan';
import { emptyCellStats } from '../../lib/learners/cell-stats';
import { createEpsilonGreedyLearner } from '../../lib/learners/epsilon-greedy';
import { getProfile } from '../../lib/profiles';
import type { RewardCommit, RewardCommitResult, RewardStore } from '../../lib/store/selector-store';
import { STRATEGY_IDS } from '../../lib/types';

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
    readRewardCells: async (refs) => ({ cells: await store.readCells(refs), lastTurn: 0 }),
    // No queue: these rewards back off.
    takeTurn: async () => undefined,
  };
  return { store, commits };
}

const learner = createEpsilonGreedyLearner({ epsilon: 0.1, alpha: 0.2, defaultStrategy: 'moderate' });

function applier(
  store: RewardStore,
  sleeps: number[],
  maxAttempts = 10,
  evidence: { fullInformation: boolean; pooling: boolean } = { fullInformation: false, pooling: false },
) {
  return createRewardApplier({
    store,
    policy: { learner, ...evidence },
    horizonBars: 48,
    clock: () => 1_000,
    rng: () => 0.999,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    retry: { maxAttempts, baseDelayMs: 4, maxDelayMs: 20, turnMs: 10 },
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

describe('reward use case with a path', () => {
  // Entry 100,000, ATR 500 (the decision above): a rally of 3 ATR, then a fall through the entry.
  const path = [
    { t: 1, o: 100_000, h: 100_600, l: 99_900, c: 100_500 },
    { t: 2, o: 100_500, h: 101_600, l: 100_400, c: 101_500 },
    { t: 3, o: 101_500, h: 101_550, l: 100_200, c: 100_300 },
    { t: 4, o: 100_300, h: 100_350, l: 99_000, c: 99_100 },
  ];
  const simulated = counterfactualOutcomes({ side: 'LONG', entry: 100_000, atr: 500, path, horizonBars: 48 });
  const full = { fullInformation: true, pooling: false };

  it('credits the traded strategy its real R and every other profile the R the simulator gives on the path', async () => {
    const { store, commits } = scriptedStore([]);

    await applier(store, [], 10, full)({ ...input, realizedR: 0.8, path });

    const cells = commits[0]?.cells ?? [];
    expect(cells.map((c) => c.ref.strategy)).toEqual([
      'moderate',
      ...STRATEGY_IDS.filter((s) => s !== 'moderate'),
    ]);
    expect(cells[0]?.stats).toMatchObject({ lastReward: 0.8, realCount: 1, counterfactualCount: 0 });
    for (const cell of cells.slice(1)) {
      expect(cell.ref).toMatchObject({ symbol: 'BTCUSDT', regime: 'TREND_UP' });
      expect(cell.stats).toMatchObject({
        count: 1,
        realCount: 0,
        counterfactualCount: 1,
        lastReward: simulated[cell.ref.strategy].realizedR,
      });
    }
    expect(commits[0]?.reward).toMatchObject({ cellsUpdated: 7, pathUsed: true, cellVersion: 1 });
  });

  it('folds a reward of −0 as 0, since DynamoDB stores no negative zero', async () => {
    const { store, commits } = scriptedStore([]);
    await applier(store, [], 10, full)({ ...input, realizedR: -0, path });
    expect(Object.is(commits[0]?.cells[0]?.stats.lastReward, 0)).toBe(true);
    expect(Object.is(commits[0]?.cells[0]?.stats.sum, 0)).toBe(true);
  });

  it('ignores the path for a policy without full information', async () => {
    const { store, commits } = scriptedStore([]);
    await applier(store, [])({ ...input, realizedR: 0.8, path });
    expect(commits[0]?.cells.map((c) => c.ref.strategy)).toEqual(['moderate']);
    expect(commits[0]?.reward).toMatchObject({ cellsUpdated: 1, pathUsed: false });
  });

  it('teaches only the traded strategy when the path is empty (closed on its entry bar)', async () => {
    const { store, commits } = scriptedStore([]);
    await applier(store, [], 10, full)({ ...input, realizedR: 0.8, path: [] });
    expect(commits[0]?.cells).toHaveLength(1);
    expect(commits[0]?.reward).toMatchObject({ cellsUpdated: 1, pathUsed: false });
  });

  it('credits the regime’s pooled cells with the same rewards when the policy pools', async () => {
    const { store, commits } = scriptedStore([]);
    await applier(store, [], 10, { fullInformation: true, pooling: true })({
      ...input,
      realizedR: 0.8,
      path,
    });

    const cells = commits[0]?.cells ?? [];
    expect(cells).toHaveLength(14);
    const pooled = cells.filter((c) => c.ref.symbol === null);
    expect(pooled.map((c) => c.ref.strategy)).toEqual(cells.slice(0, 7).map((c) => c.ref.strategy));
    for (const [i, cell] of pooled.entries()) expect(cell.stats).toEqual(cells[i]?.stats);
    expect(commits[0]?.reward.cellsUpdated).toBe(14);
  });

  it('pools only the traded strategy without a path', async () => {
    const { store, commits } = scriptedStore([]);
    await applier(store, [], 10, { fullInformation: true, pooling: true })({ ...input, realizedR: 0.8 });
    expect(commits[0]?.cells.map((c) => [c.ref.symbol, c.ref.strategy])).toEqual([
      ['BTCUSDT', 'moderate'],
      [null, 'moderate'],
    ]);
  });

  it('counts an exploration draw only on the traded strategy’s cells', async () => {
    const { store, commits } = scriptedStore([]);
    store.getDecision = async () => ({ ...decision, explored: true });
    await applier(store, [], 10, { fullInformation: true, pooling: true })({
      ...input,
      realizedR: 0.8,
      path,
    });
    const explored = commits[0]?.cells.filter((c) => c.explorations === 1).map((c) => c.ref);
    expect(explored).toEqual([
      { symbol: 'BTCUSDT', regime: 'TREND_UP', strategy: 'moderate' },
      { symbol: null, regime: 'TREND_UP', strategy: 'moderate' },
    ]);
  });

  it('recomputes every cell from the cells read again after a conflict', async () => {
    const { store, commits } = scriptedStore([{ outcome: 'conflict', reason: 'version' }]);
    let reads = 0;
    store.readCells = async (refs) => {
      reads++;
      // The second read finds every cell moved on by another reward (version 3, EMA 1).
      return reads === 1
        ? []
        : refs.map((ref) => ({
            ref,
            stats: { ...emptyCellStats(), count: 3, sum: 3, mean: 1, ema: 1 },
            explorations: 0,
            version: 3,
          }));
    };

    await applier(store, [], 10, full)({ ...input, realizedR: 0.8, path });

    expect(commits).toHaveLength(2);
    expect(commits[0]?.cells.every((c) => c.expectedVersion === 0 && c.stats.count === 1)).toBe(true);
    expect(commits[1]?.cells.every((c) => c.expectedVersion === 3 && c.stats.count === 4)).toBe(true);
    // EMA 1 moved by alpha 0.2 toward defensive's simulated R.
    expect(commits[1]?.cells[1]?.stats.ema).toBeCloseTo(0.8 * 1 + 0.2 * simulated.defensive.realizedR, 12);
    expect(commits[1]?.reward.cellVersion).toBe(4);
  });
});

describe('reward retry after a failed commit', () => {
  const moved = (commit: RewardCommit | undefined, index: number, version: number, ema: number) => {
    const ref = commit?.cells[index]?.ref;
    if (ref === undefined) throw new Error(`commit has no cell ${index}`);
    return {
      state: 'moved',
      cell: { ref, stats: { ...emptyCellStats(), count: version, ema }, explorations: 0, version },
    } as const;
  };

  /** A store whose first commit fails with the reports `after` builds from it, counting reads. */
  function failingOnce(after: (commit: RewardCommit) => RewardCommitResult) {
    const commits: RewardCommit[] = [];
    const reads: string[][] = [];
    const store: RewardStore = {
      getDecision: async () => decision,
      readCells: async (refs) => {
        reads.push(refs.map((ref) => `${ref.symbol}/${ref.strategy}`));
        return [];
      },
      commitReward: async (commit) => {
        commits.push(commit);
        return commits.length === 1 ? after(commit) : { outcome: 'committed' };
      },
      readRewardCells: async (refs) => ({ cells: await store.readCells(refs), lastTurn: 0 }),
      takeTurn: async () => undefined,
    };
    return { store, commits, reads };
  }

  it('recomputes from the cells the failed commit reports, without reading them again', async () => {
    const { store, commits, reads } = failingOnce((commit) => ({
      outcome: 'conflict',
      reason: 'version',
      cells: [moved(commit, 0, 5, 1)],
    }));

    const result = await applier(store, [])({ ...input, realizedR: 2 });

    expect(result).toMatchObject({ outcome: 'applied', attempts: 2, conflicts: 1 });
    expect(reads).toHaveLength(1);
    expect(commits[1]?.cells[0]).toMatchObject({ expectedVersion: 5, stats: { count: 6 } });
    expect(commits[1]?.cells[0]?.stats.ema).toBeCloseTo(0.8 * 1 + 0.2 * 2, 12);
    expect(commits[1]?.reward.cellVersion).toBe(6);
  });

  it('reads again, in one request, only the cells whose state the failure left unknown', async () => {
    const { store, commits, reads } = failingOnce((commit) => ({
      outcome: 'conflict',
      reason: 'transaction',
      cells: [
        moved(commit, 0, 3, 1),
        { state: 'unknown' },
        ...commit.cells.slice(2).map(() => ({ state: 'as-expected' }) as const),
      ],
    }));
    const evidence = { fullInformation: true, pooling: false };
    const path = [{ t: 1, o: 100_000, h: 100_600, l: 99_900, c: 100_500 }];

    await applier(store, [], 10, evidence)({ ...input, realizedR: 1, path });

    const [, second] = commits;
    expect(reads).toEqual([
      ['BTCUSDT/moderate', ...STRATEGY_IDS.filter((s) => s !== 'moderate').map((s) => `BTCUSDT/${s}`)],
      [`BTCUSDT/${second?.cells[1]?.ref.strategy}`],
    ]);
    expect(second?.cells.map((c) => c.expectedVersion)).toEqual([3, 0, 0, 0, 0, 0, 0]);
  });

  it('reads every cell again when the failure reports nothing about them', async () => {
    const { store, reads } = failingOnce(() => ({ outcome: 'conflict', reason: 'transaction' }));
    await applier(store, [])({ ...input, realizedR: 1 });
    expect(reads).toEqual([['BTCUSDT/moderate'], ['BTCUSDT/moderate']]);
  });
});

describe('reward use case on a contended cell: waiting its turn', () => {
  const lead = { symbol: 'BTCUSDT', regime: 'TREND_UP', strategy: 'moderate' } as const;
  const leadAt = (version: number) => ({
    ref: lead,
    stats: { ...emptyCellStats(), count: version },
    explorations: 0,
    version,
  });

  /**
   * A store whose lead cell reads at the versions in `reads` (one per readCells call), whose
   * commits answer from `script`, and whose queue hands out `place`; the elapsed time is the sum
   * of the waits, so the pace the use case measures is the one this script sets.
   */
  function queuedStore(options: {
    first: { version: number; lastTurn: number };
    reads?: number[];
    script?: RewardCommitResult[];
    place: number | undefined;
  }) {
    const commits: RewardCommit[] = [];
    const turns: [string, number][] = [];
    const sleeps: number[] = [];
    const reads = [...(options.reads ?? [])];
    const script = [...(options.script ?? [])];
    const store: RewardStore = {
      getDecision: async () => decision,
      readCells: async () => [leadAt(reads.shift() ?? Number.NaN)],
      readRewardCells: async () => ({
        cells: [leadAt(options.first.version)],
        lastTurn: options.first.lastTurn,
      }),
      commitReward: async (commit) => {
        commits.push(commit);
        return script.shift() ?? { outcome: 'committed' };
      },
      takeTurn: async (ref, seenVersion) => {
        turns.push([`${ref.symbol}/${ref.regime}/${ref.strategy}`, seenVersion]);
        return options.place;
      },
    };
    const apply = createRewardApplier({
      store,
      policy: { learner, fullInformation: false, pooling: false },
      horizonBars: 48,
      clock: () => 1_000,
      rng: () => 0.5,
      sleep: async (ms) => {
        sleeps.push(ms);
      },
      elapsedMs: () => sleeps.reduce((total, ms) => total + ms, 0),
      retry: { maxAttempts: 10, baseDelayMs: 4, maxDelayMs: 200, turnMs: 10 },
    });
    return { apply, commits, turns, sleeps };
  }

  const lostTo = (version: number): RewardCommitResult => ({
    outcome: 'conflict',
    reason: 'version',
    cells: [{ state: 'moved', cell: leadAt(version) }],
  });

  it('takes a place after losing a race and waits for the rewards before it at the pace they commit', async () => {
    // Lost to version 6; place 10: versions 7, 8 and 9 belong to the rewards before it.
    const { apply, commits, turns, sleeps } = queuedStore({
      first: { version: 5, lastTurn: 0 },
      script: [lostTo(6)],
      reads: [8, 9],
      place: 10,
    });

    const result = await apply({ ...input, realizedR: 1 });

    expect(result).toMatchObject({ outcome: 'applied', attempts: 2, conflicts: 1 });
    expect(turns).toEqual([['BTCUSDT/TREND_UP/moderate', 6]]);
    // 3 ahead × 0.5 × 10 ms = 15 ms; two commits came in it (7.5 ms a turn); 1 ahead: 0.5 turn.
    expect(sleeps).toEqual([15, 3.75]);
    expect(commits[1]?.cells[0]?.expectedVersion).toBe(9);
    expect(commits[1]?.reward.cellVersion).toBe(10);
  });

  it('queues before its first attempt when others already wait for the cell', async () => {
    const { apply, commits, turns, sleeps } = queuedStore({
      first: { version: 4, lastTurn: 7 },
      reads: [7],
      place: 8,
    });

    const result = await apply({ ...input, realizedR: 1 });

    expect(result).toMatchObject({ outcome: 'applied', attempts: 1, conflicts: 0 });
    expect(turns).toEqual([['BTCUSDT/TREND_UP/moderate', 4]]);
    expect(sleeps).toEqual([15]);
    expect(commits).toHaveLength(1);
    expect(commits[0]?.cells[0]?.expectedVersion).toBe(7);
  });

  it('goes anyway when the queue ahead of it does not move for two waits', async () => {
    const { apply, commits, sleeps } = queuedStore({
      first: { version: 4, lastTurn: 7 },
      reads: [4, 4],
      place: 8,
    });

    await apply({ ...input, realizedR: 1 });

    expect(sleeps).toEqual([15, 15]);
    expect(commits.map((commit) => commit.cells[0]?.expectedVersion)).toEqual([4]);
  });

  it('caps a single wait, so that a long queue at a slow pace still looks again', async () => {
    const { apply, sleeps } = queuedStore({
      first: { version: 0, lastTurn: 500 },
      reads: [500],
      place: 501,
    });
    await apply({ ...input, realizedR: 1 });
    expect(sleeps).toEqual([500]);
  });

  it('loses again at its turn: waits a jitter of up to one turn, takes no second place', async () => {
    const { apply, commits, turns, sleeps } = queuedStore({
      first: { version: 5, lastTurn: 0 },
      script: [lostTo(6), lostTo(7)],
      place: 7,
    });

    const result = await apply({ ...input, realizedR: 1 });

    expect(result).toMatchObject({ outcome: 'applied', attempts: 3, conflicts: 2 });
    expect(turns).toHaveLength(1);
    // rng 0.5 × 10 ms, after each lost race at (or past) its turn.
    expect(sleeps).toEqual([5, 5]);
    expect(commits.map((commit) => commit.cells[0]?.expectedVersion)).toEqual([5, 6, 7]);
  });
});
