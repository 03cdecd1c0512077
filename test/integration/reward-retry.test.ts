import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, inject, it } from 'vitest';
import { RewardConflictError } from '../../lib/apply-reward';
import type { DecisionReward } from '../../lib/decision';
import { addToCell, armIncrement, foldEma, totalsOf } from '../../lib/learners/cell-stats';
import type { CellStats } from '../../lib/learners/learner';
import { METRIC } from '../../lib/observability';
import { createLocalDynamoClients } from '../../lib/store/dynamodb-client';
import type { RewardCommit, SelectorStore } from '../../lib/store/selector-store';
import { armAttribute, keys } from '../../lib/store/table';
import {
  CLOSED_AT,
  cellArms,
  createHarness,
  NOW_MS,
  pooledArms,
  recordOpenDecision,
  tradeClosedEvent,
  transactedPartitions,
} from '../helpers/selector-harness';

const endpoint = inject('dynamoEndpoint');

/** What a commit records on its decision: one real reward of `realizedR` on the scalp arm. */
const reward = (decisionId: string, realizedR: number): DecisionReward => ({
  realizedR,
  closedAt: CLOSED_AT,
  eventId: `event-${decisionId}`,
  appliedAt: NOW_MS,
  cellsUpdated: 1,
  credits: [{ arm: 'scalp', realizedR, counterfactual: false }],
  pathUsed: false,
});

/** A commit that closes `decisionId` and adds one real reward to the scalp arm of (REP, RANGE_LOW_VOL). */
const commitOf = (decisionId: string, realizedR: number, ema?: RewardCommit['own']['ema']): RewardCommit => ({
  decisionId,
  reward: reward(decisionId, realizedR),
  at: NOW_MS,
  own: {
    symbol: 'REP',
    regime: 'RANGE_LOW_VOL',
    arms: { scalp: armIncrement(realizedR, false, false) },
    ...(ema === undefined ? {} : { ema }),
  },
});

/** A store's methods bound to it, so that a wrapper can replace one of them. */
function bind(store: SelectorStore): SelectorStore {
  return {
    readSelectionCells: store.readSelectionCells.bind(store),
    recordDecision: store.recordDecision.bind(store),
    getDecision: store.getDecision.bind(store),
    readCell: store.readCell.bind(store),
    commitReward: store.commitReward.bind(store),
    rejectReward: store.rejectReward.bind(store),
    listSymbolCells: store.listSymbolCells.bind(store),
  };
}

describe('a reward commit on DynamoDB Local (the store port)', () => {
  it('commits once; a second commit of the closed decision reports it as it is now (ALL_OLD) and adds nothing', async () => {
    const h = await createHarness(endpoint, 'commit-closed');
    await recordOpenDecision(h.store, {
      decisionId: 'once',
      symbol: 'REP',
      regime: 'RANGE_LOW_VOL',
      strategy: 'scalp',
    });

    expect(await h.store.commitReward(commitOf('once', 1.5))).toEqual({ outcome: 'committed' });
    const again = await h.counter.during(() => h.store.commitReward(commitOf('once', -1)));

    expect(again.requests).toEqual(['TransactWriteItems']);
    expect(again.result).toMatchObject({
      outcome: 'decision-not-open',
      current: { decisionId: 'once', status: 'CLOSED', reward: { realizedR: 1.5, eventId: 'event-once' } },
    });
    expect(totalsOf((await cellArms(h.store, 'REP', 'RANGE_LOW_VOL')).scalp)).toEqual(
      armIncrement(1.5, false, false),
    );
  });

  it('reports an unknown decision with no state, and creates no cell', async () => {
    const h = await createHarness(endpoint, 'commit-unknown');

    const result = await h.store.commitReward(commitOf('never-recorded', 1));

    expect(result).toEqual({ outcome: 'decision-not-open', current: undefined });
    expect(await h.itemCount()).toBe(0);
  });

  it('refuses an EMA computed from a count the arm no longer holds (reason ema), writing nothing', async () => {
    const h = await createHarness(endpoint, 'commit-ema');
    for (const decisionId of ['first', 'second']) {
      await recordOpenDecision(h.store, {
        decisionId,
        symbol: 'REP',
        regime: 'RANGE_LOW_VOL',
        strategy: 'scalp',
      });
    }
    const first = await h.store.commitReward(
      commitOf('first', 2, { arm: 'scalp', expectedCount: 0, ema: 2 }),
    );
    expect(first).toEqual({ outcome: 'committed' });

    // Computed as if the arm had never been rewarded; it has been, once.
    const stale = await h.store.commitReward(
      commitOf('second', -1, { arm: 'scalp', expectedCount: 0, ema: -1 }),
    );

    expect(stale).toEqual({ outcome: 'conflict', reason: 'ema' });
    expect((await h.store.getDecision('second', { consistent: true }))?.status).toBe('OPEN');
    const arm = (await cellArms(h.store, 'REP', 'RANGE_LOW_VOL')).scalp;
    expect(totalsOf(arm)).toEqual(armIncrement(2, false, false));
    expect(arm?.ema).toBe(2);
  });
});

describe('a reward whose transaction collides on DynamoDB Local', () => {
  it('sends the same commit again after a transaction conflict, reading nothing again', async () => {
    // DynamoDB Local cannot be made to produce a TransactionConflict on cue (it serializes
    // transactions), so the store port is wrapped to answer one conflict before the real commit.
    const commits: RewardCommit[] = [];
    let conflicted = false;
    const h = await createHarness(endpoint, 'retry-conflict', {
      seed: 7,
      retry: { maxAttempts: 5, baseDelayMs: 1, maxDelayMs: 2 },
      wrapStore: (store) => ({
        ...bind(store),
        commitReward: async (commit) => {
          commits.push(structuredClone(commit));
          if (!conflicted) {
            conflicted = true;
            return { outcome: 'conflict', reason: 'transaction' };
          }
          return store.commitReward(commit);
        },
      }),
    });
    const decision = await recordOpenDecision(h.store, {
      decisionId: 'retried',
      symbol: 'RETRY',
      regime: 'TREND_DOWN',
      strategy: 'moderate',
    });

    const { result, requests, inputs } = await h.counter.during(() =>
      h.reward(tradeClosedEvent(decision.decisionId, { detail: { realizedR: 2 } })),
    );

    expect(result).toEqual({ outcome: 'applied', decisionId: 'retried' });
    // The decision read once, then only the one transaction that reached the engine.
    expect(requests).toEqual(['GetItem', 'TransactWriteItems']);
    // With pooling: the decision, the cell, one shard and the symbol's total.
    expect(transactedPartitions(inputs[1])).toHaveLength(h.policy.pooling ? 4 : 2);
    expect(commits).toHaveLength(2);
    expect(commits[1]).toEqual(commits[0]);
    expect(h.recorder.total(METRIC.rewardConflicts)).toBe(1);
    expect(h.recorder.logs.at(-1)?.attributes).toMatchObject({ attempts: 2 });
    expect(totalsOf((await cellArms(h.store, 'RETRY', 'TREND_DOWN')).moderate)).toEqual(
      armIncrement(2, false, false),
    );
    if (h.policy.pooling) {
      expect(totalsOf((await pooledArms(h, 'TREND_DOWN')).moderate)).toEqual(armIncrement(2, false, false));
    }
  });
});

describe('the seed learner’s EMA on DynamoDB Local (LEARNER=seed)', () => {
  it('folds sequential rewards in order, exactly as foldEma does, reading the cell once per reward', async () => {
    const h = await createHarness(endpoint, 'seed-ema', { env: { LEARNER: 'seed' } });
    const alpha = h.policy.learner.emaAlpha;
    if (alpha === undefined) throw new Error('the seed learner reads an EMA');
    const rs = [2.4, -1, 0.5, 1.2, -0.3, 0.8];
    let expected: CellStats | undefined;

    for (const [i, realizedR] of rs.entries()) {
      const decisionId = `seed-${i}`;
      await recordOpenDecision(h.store, {
        decisionId,
        symbol: 'EMA',
        regime: 'TREND_UP',
        strategy: 'moderate',
      });

      const { result, requests, inputs } = await h.counter.during(() =>
        h.reward(tradeClosedEvent(decisionId, { id: `event-${i}`, detail: { realizedR } })),
      );

      expect(result.outcome).toBe('applied');
      // The decision, the cell's EMA, and the transaction: the seed policy does not pool.
      expect(requests).toEqual(['GetItem', 'GetItem', 'TransactWriteItems']);
      expect(transactedPartitions(inputs[2])).toEqual([
        keys.decision(decisionId).pk,
        keys.cell('EMA', 'TREND_UP').pk,
      ]);
      const ema = foldEma(expected, realizedR, alpha);
      expected = { ...addToCell(expected, armIncrement(realizedR, false, false), NOW_MS), ema };
      const stored = (await cellArms(h.store, 'EMA', 'TREND_UP')).moderate;
      expect(stored?.ema).toBe(ema);
      expect(totalsOf(stored)).toEqual(totalsOf(expected));
      expect((await h.store.getDecision(decisionId, { consistent: true }))?.reward?.emaCount).toBe(i + 1);
    }
    expect(await pooledArms(h, 'TREND_UP')).toEqual({});
  });

  it('applies 12 simultaneous rewards on one arm, each once: the EMA is foldEma over them in commit order (emaCount)', async () => {
    const h = await createHarness(endpoint, 'seed-burst', { env: { LEARNER: 'seed' }, seed: 12 });
    const alpha = h.policy.learner.emaAlpha;
    if (alpha === undefined) throw new Error('the seed learner reads an EMA');
    const rs = Array.from({ length: 12 }, (_, i) => Math.round((((i * 7) % 12) / 4 - 1) * 1e6) / 1e6);
    await Promise.all(
      rs.map((_, i) =>
        recordOpenDecision(h.store, {
          decisionId: `burst-${i}`,
          symbol: 'BURST',
          regime: 'TREND_UP',
          strategy: 'moderate',
        }),
      ),
    );

    const results = await Promise.all(
      rs.map((realizedR, i) =>
        h.reward(tradeClosedEvent(`burst-${i}`, { id: `burst-event-${i}`, detail: { realizedR } })),
      ),
    );

    expect(results.map((r) => r.outcome)).toEqual(rs.map(() => 'applied'));
    const closed = await Promise.all(
      rs.map((_, i) => h.store.getDecision(`burst-${i}`, { consistent: true })),
    );
    const inCommitOrder = closed
      .map((decision) => ({
        emaCount: decision?.reward?.emaCount ?? 0,
        realizedR: decision?.reward?.realizedR ?? 0,
      }))
      .sort((a, b) => a.emaCount - b.emaCount);
    // Every reward committed on the count it read: the counts are 1…12, each once.
    expect(inCommitOrder.map((reward) => reward.emaCount)).toEqual(rs.map((_, i) => i + 1));
    let replayed: CellStats | undefined;
    for (const { realizedR } of inCommitOrder) {
      const ema = foldEma(replayed, realizedR, alpha);
      replayed = { ...addToCell(replayed, armIncrement(realizedR, false, false), NOW_MS), ema };
    }
    const stored = (await cellArms(h.store, 'BURST', 'TREND_UP')).moderate;
    expect(totalsOf(stored)).toEqual(totalsOf(replayed));
    expect(stored?.ema).toBe(replayed?.ema);
    console.info(
      `12 concurrent seed rewards on one arm: ${h.recorder.total(METRIC.rewardConflicts)} EMA conflicts re-read`,
    );
  });

  it('gives up with RewardConflictError at the retry bound while another writer keeps moving the arm’s count, writing nothing', async () => {
    // A real conditional failure on the real engine, made deterministic: just before every reward
    // transaction, a competing writer adds 1 to the traded arm's count (a conditional UpdateItem
    // on a second client), so the EMA's condition on that count always fails.
    const h = await createHarness(endpoint, 'seed-conflict', {
      env: { LEARNER: 'seed' },
      retry: { maxAttempts: 5, baseDelayMs: 1, maxDelayMs: 2 },
    });
    const ref = { symbol: 'HOT', regime: 'RANGE_LOW_VOL', strategy: 'scalp' } as const;
    // A first reward creates the arm (count 1, EMA 1.5).
    await recordOpenDecision(h.store, { decisionId: 'first', ...ref });
    expect(
      (await h.reward(tradeClosedEvent('first', { id: 'first-event', detail: { realizedR: 1.5 } }))).outcome,
    ).toBe('applied');
    const decision = await recordOpenDecision(h.store, { decisionId: 'conflicted', ...ref });

    const competitor = createLocalDynamoClients(endpoint).documentClient;
    let bumps = 0;
    h.clients.client.middlewareStack.add(
      (next) => async (args) => {
        const headers = (args.request as { headers?: Record<string, string> }).headers ?? {};
        if (headers['x-amz-target']?.endsWith('.TransactWriteItems')) {
          await competitor.send(
            new UpdateCommand({
              TableName: h.tableName,
              Key: keys.cell(ref.symbol, ref.regime),
              UpdateExpression: 'ADD #n :one',
              ConditionExpression: 'attribute_exists(#n)',
              ExpressionAttributeNames: { '#n': armAttribute(ref.strategy, 'n') },
              ExpressionAttributeValues: { ':one': 1 },
            }),
          );
          bumps++;
        }
        return next(args);
      },
      { step: 'finalizeRequest', name: 'competingWriter' },
    );
    const exhaustedBefore = h.recorder.total(METRIC.rewardConflictsExhausted);

    const { result: failure, requests } = await h.counter.during(() =>
      h
        .reward(tradeClosedEvent(decision.decisionId, { detail: { realizedR: -1 } }))
        .catch((error: unknown) => error),
    );

    expect(failure).toBeInstanceOf(RewardConflictError);
    expect(failure).toMatchObject({ attempts: 5, conflicts: 5 });
    // Each failed attempt reads the EMA again before the next; the last gives up without reading.
    expect(requests).toEqual([
      'GetItem',
      'GetItem',
      ...Array.from({ length: 4 }, () => ['TransactWriteItems', 'GetItem']).flat(),
      'TransactWriteItems',
    ]);
    expect(bumps).toBe(5);
    expect((await h.store.getDecision('conflicted', { consistent: true }))?.status).toBe('OPEN');
    // The arm holds the first reward and the competitor's five counts; nothing of this reward.
    const arm = (await cellArms(h.store, ref.symbol, ref.regime)).scalp;
    expect(totalsOf(arm)).toEqual({ ...armIncrement(1.5, false, false), n: 1 + bumps });
    expect(arm?.ema).toBe(1.5);
    expect(h.recorder.total(METRIC.rewardConflictsExhausted) - exhaustedBefore).toBe(1);
    expect(h.recorder.logs.at(-1)?.level).toBe('error');
  });
});
