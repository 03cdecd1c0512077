import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { RewardConflictError } from '../../lib/apply-reward';
import { ValidationError } from '../../lib/contract/validation-error';
import { METRIC } from '../../lib/observability';
import type { SelectResponse } from '../../lib/select-strategy';
import { createLocalDynamoClients } from '../../lib/store/dynamodb-client';
import { keys } from '../../lib/store/table';
import type { RegimeName, StrategyId } from '../../lib/types';
import {
  createHarness,
  type Harness,
  loadEvent,
  NOW_MS,
  recordOpenDecision,
  type TradeClosedFixture,
  tradeClosedEvent,
} from '../helpers/selector-harness';

const endpoint = inject('dynamoEndpoint');

describe('reward handler (EventBridge TradeClosed) on DynamoDB Local', () => {
  let h: Harness;
  let seq = 0;
  /** A fresh OPEN decision on its own cell, so that tests do not share state. */
  const openDecision = (spec: Partial<Parameters<typeof recordOpenDecision>[1]> = {}) =>
    recordOpenDecision(h.store, {
      decisionId: `reward-${++seq}`,
      symbol: `SYM${seq}`,
      regime: 'TREND_UP',
      strategy: 'moderate',
      ...spec,
    });
  const cellOf = async (symbol: string, regime: RegimeName = 'TREND_UP', strategy: StrategyId = 'moderate') =>
    (await h.store.readCells([{ symbol, regime, strategy }]))[0];

  beforeAll(async () => {
    h = await createHarness(endpoint, 'reward');
  });

  it('applies the realizedR fixture: closes the decision and updates the cell in three requests', async () => {
    const decision = await openDecision();
    const event = tradeClosedEvent(decision.decisionId);
    h.clock.now = NOW_MS;

    const { result, requests } = await h.counter.during(() => h.reward(event));

    expect(result).toEqual({ outcome: 'applied', decisionId: decision.decisionId });
    expect(requests).toEqual(['GetItem', 'BatchGetItem', 'TransactWriteItems']);
    const closed = await h.store.getDecision(decision.decisionId, { consistent: true });
    expect(closed?.status).toBe('CLOSED');
    expect(closed?.reward).toEqual({
      realizedR: 2.4,
      closedAt: '2024-03-12T14:30:00Z',
      tradeId: 'bot-7-000123',
      eventId: event.id,
      cellVersion: 1,
      appliedAt: NOW_MS,
      // The traded cell, and its pooled cell when the policy pools.
      cellsUpdated: h.policy.pooling ? 2 : 1,
      pathUsed: false,
    });
    const cell = await cellOf(decision.symbol);
    expect(cell?.version).toBe(1);
    expect(cell?.stats).toMatchObject({ count: 1, realCount: 1, ema: 2.4, totalR: 2.4, wins: 1, losses: 0 });
    expect(h.recorder.total(METRIC.rewardsApplied)).toBeGreaterThanOrEqual(1);
    expect(h.recorder.metrics).toContainEqual({
      name: METRIC.rewardLagSeconds,
      unit: 'Seconds',
      value: 3600,
    });
  });

  it('computes R from exitPrice for a LONG: (exit − entry) / (entry − initial stop)', async () => {
    // moderate: stop 1.0 ATR. Entry 100,000, ATR 500 → stop 99,500, 1R = 500.
    const decision = await openDecision({ side: 'LONG', entry: 100_000, atr: 500 });
    const event = tradeClosedEvent(decision.decisionId, { fixture: 'trade-closed-exit-price.json' });
    event.detail.exitPrice = 101_250;

    await h.reward(event);

    const closed = await h.store.getDecision(decision.decisionId, { consistent: true });
    expect(closed?.reward?.realizedR).toBe(2.5); // (101,250 − 100,000) / 500
    expect(closed?.reward?.exitPrice).toBe(101_250);
    expect((await cellOf(decision.symbol))?.stats.totalR).toBe(2.5);
  });

  it('computes R from exitPrice for a SHORT: (entry − exit) / (initial stop − entry)', async () => {
    // trend_rider: stop 2.0 ATR. Entry 2,000, ATR 25 → stop 2,050, 1R = 50.
    const decision = await openDecision({ side: 'SHORT', entry: 2_000, atr: 25, strategy: 'trend_rider' });
    const loss = tradeClosedEvent(decision.decisionId, { fixture: 'trade-closed-exit-price.json' });
    loss.detail.exitPrice = 2_030; // price rose 30 against a short: −0.6 R

    await h.reward(loss);

    const closed = await h.store.getDecision(decision.decisionId, { consistent: true });
    expect(closed?.reward?.realizedR).toBeCloseTo(-0.6, 12);
    const cell = await cellOf(decision.symbol, 'TREND_UP', 'trend_rider');
    expect(cell?.stats).toMatchObject({ count: 1, wins: 0, losses: 1 });
  });

  it('lets realizedR win when an event carries both realizedR and exitPrice', async () => {
    const decision = await openDecision({ entry: 100_000, atr: 500 });
    const event = tradeClosedEvent(decision.decisionId, { detail: { realizedR: 1.75, exitPrice: 101_250 } });

    await h.reward(event);

    const closed = await h.store.getDecision(decision.decisionId, { consistent: true });
    expect(closed?.reward).toMatchObject({ realizedR: 1.75, exitPrice: 101_250 });
  });

  it('applies the path fixture (realizedR with the candles after entry) to every profile', async () => {
    // The fixture's path starts at 72,093.5: an entry there makes its candles the bars after entry.
    const decision = await openDecision({ entry: 72_093.5, atr: 150 });
    const result = await h.reward(
      tradeClosedEvent(decision.decisionId, { fixture: 'trade-closed-path.json' }),
    );
    expect(result.outcome).toBe('applied');
    expect((await cellOf(decision.symbol))?.stats).toMatchObject({ totalR: 1.35, realCount: 1 });
    const closed = await h.store.getDecision(decision.decisionId, { consistent: true });
    expect(closed?.reward).toMatchObject({
      pathUsed: h.policy.fullInformation,
      cellsUpdated: (h.policy.fullInformation ? 7 : 1) * (h.policy.pooling ? 2 : 1),
    });
  });

  it('counts an exploration draw on the cell it rewards', async () => {
    const decision = await openDecision({ explored: true });
    await h.reward(tradeClosedEvent(decision.decisionId));
    expect((await cellOf(decision.symbol))?.explorations).toBe(1);
  });

  it('credits a TradeClosed event delivered five times in sequence once', async () => {
    const decision = await openDecision();
    const event = tradeClosedEvent(decision.decisionId);
    const duplicatesBefore = h.recorder.total(METRIC.rewardDuplicates);

    const outcomes = [];
    for (let i = 0; i < 5; i++) outcomes.push((await h.reward(event)).outcome);

    expect(outcomes).toEqual(['applied', 'duplicate', 'duplicate', 'duplicate', 'duplicate']);
    expect(h.recorder.total(METRIC.rewardDuplicates) - duplicatesBefore).toBe(4);
    const cell = await cellOf(decision.symbol);
    expect(cell?.stats.count).toBe(1);
    expect(cell?.version).toBe(1);
  });

  it('credits a TradeClosed event delivered five times at once once', async () => {
    const decision = await openDecision();
    const event = tradeClosedEvent(decision.decisionId);

    const results = await Promise.all(Array.from({ length: 5 }, () => h.reward(event)));

    const outcomes = results.map((r) => r.outcome).sort();
    expect(outcomes).toEqual(['applied', 'duplicate', 'duplicate', 'duplicate', 'duplicate']);
    const cell = await cellOf(decision.symbol);
    expect(cell?.stats).toMatchObject({ count: 1, totalR: 2.4 });
    expect(cell?.version).toBe(1);
  });

  it('treats the same close republished under a new event id as a duplicate', async () => {
    const decision = await openDecision();
    await h.reward(tradeClosedEvent(decision.decisionId, { id: 'original-delivery' }));
    const again = await h.reward(tradeClosedEvent(decision.decisionId, { id: 'republished-by-the-bot' }));

    expect(again.outcome).toBe('duplicate');
    expect((await cellOf(decision.symbol))?.stats.count).toBe(1);
  });

  it('rejects, without changing anything, an event for a decision another event closed', async () => {
    const decision = await openDecision();
    await h.reward(tradeClosedEvent(decision.decisionId, { id: 'first-close' }));
    const rejectedBefore = h.recorder.total(METRIC.rewardRejected);

    const { result, requests } = await h.counter.during(() =>
      h.reward(tradeClosedEvent(decision.decisionId, { id: 'second-close', detail: { realizedR: -1 } })),
    );

    expect(result).toEqual({
      outcome: 'rejected',
      decisionId: decision.decisionId,
      reason: 'closed-by-another-event',
    });
    expect(requests).toEqual(['GetItem']);
    const closed = await h.store.getDecision(decision.decisionId, { consistent: true });
    expect(closed?.reward?.eventId).toBe('first-close');
    expect((await cellOf(decision.symbol))?.stats).toMatchObject({ count: 1, totalR: 2.4 });
    expect(h.recorder.total(METRIC.rewardRejected) - rejectedBefore).toBe(1);
    expect(h.recorder.logs.at(-1)).toMatchObject({
      level: 'warn',
      attributes: { reason: 'closed-by-another-event', closedByEventId: 'first-close' },
    });
  });

  it('rejects, without writing anything, an event for an unknown decision', async () => {
    const itemsBefore = await h.itemCount();
    const rejectedBefore = h.recorder.total(METRIC.rewardRejected);

    const { result, requests } = await h.counter.during(() =>
      h.reward(loadEvent<TradeClosedFixture>('trade-closed-realized-r.json')),
    );

    expect(result).toMatchObject({ outcome: 'rejected', reason: 'unknown-decision' });
    expect(requests).toEqual(['GetItem']);
    expect(await h.itemCount()).toBe(itemsBefore);
    expect(h.recorder.total(METRIC.rewardRejected) - rejectedBefore).toBe(1);
    expect(h.recorder.logs.at(-1)?.level).toBe('warn');
  });

  it.each([
    ['detail-type is not TradeClosed', (e: TradeClosedFixture) => ({ ...e, 'detail-type': 'TradeOpened' })],
    ['event id missing', (e: TradeClosedFixture) => ({ ...e, id: '' })],
    ['detail missing', (e: TradeClosedFixture) => ({ ...e, detail: undefined })],
    [
      'decisionId missing',
      (e: TradeClosedFixture) => ({ ...e, detail: { ...e.detail, decisionId: undefined } }),
    ],
    [
      'decisionId with a key separator',
      (e: TradeClosedFixture) => ({ ...e, detail: { ...e.detail, decisionId: 'a#b' } }),
    ],
    [
      'neither realizedR nor exitPrice',
      (e: TradeClosedFixture) => ({
        ...e,
        detail: { ...e.detail, realizedR: undefined, exitPrice: undefined },
      }),
    ],
    ['realizedR a string', (e: TradeClosedFixture) => ({ ...e, detail: { ...e.detail, realizedR: '2.4' } })],
    ['exitPrice zero', (e: TradeClosedFixture) => ({ ...e, detail: { ...e.detail, exitPrice: 0 } })],
    [
      'closedAt not ISO-8601',
      (e: TradeClosedFixture) => ({ ...e, detail: { ...e.detail, closedAt: 'yesterday' } }),
    ],
    ['closedAt missing', (e: TradeClosedFixture) => ({ ...e, detail: { ...e.detail, closedAt: undefined } })],
    ['tradeId a number', (e: TradeClosedFixture) => ({ ...e, detail: { ...e.detail, tradeId: 123 } })],
    [
      'path with a bad candle',
      (e: TradeClosedFixture) => ({
        ...e,
        detail: { ...e.detail, path: [{ t: 1, o: 1, h: 0.5, l: 1, c: 1 }] },
      }),
    ],
  ])('throws on a malformed event (%s) and writes nothing', async (_kind, mutate) => {
    const decision = await openDecision();
    const itemsBefore = await h.itemCount();
    const event = mutate(tradeClosedEvent(decision.decisionId)) as TradeClosedFixture;

    await expect(h.reward(event)).rejects.toBeInstanceOf(ValidationError);

    expect(await h.itemCount()).toBe(itemsBefore);
    expect((await h.store.getDecision(decision.decisionId, { consistent: true }))?.status).toBe('OPEN');
    expect(h.recorder.logs.at(-1)?.level).toBe('error');
  });

  it('learns in shadow mode: the default strategy answered is the one credited', async () => {
    const shadow = await createHarness(endpoint, 'reward-shadow', {
      env: { META_STRATEGY_ENABLED: 'false', DEFAULT_STRATEGY: 'defensive' },
    });
    const selected = JSON.parse((await shadow.select(loadEvent('select-valid.json'))).body) as SelectResponse;

    await shadow.reward(tradeClosedEvent(selected.decisionId));

    const [cell] = await shadow.store.readCells([
      { symbol: 'BTCUSDT', regime: selected.regime.name, strategy: 'defensive' },
    ]);
    expect(selected.strategy).toBe('defensive');
    expect(cell?.stats).toMatchObject({ count: 1, realCount: 1, totalR: 2.4 });
  });

  it('stores the decision key and TTL attribute the table definition names', async () => {
    const decision = await openDecision();
    expect(keys.decision(decision.decisionId)).toEqual({
      pk: `DECISION#${decision.decisionId}`,
      sk: 'DECISION',
    });
    const stored = await h.store.getDecision(decision.decisionId, { consistent: true });
    expect(stored?.expiresAt).toBe(Math.floor(decision.createdAt / 1000) + 30 * 86_400);
  });
});

describe('reward conflicts', () => {
  it('gives up with RewardConflictError after the retry bound when another writer always moves the cell first', async () => {
    // A real version conflict on the real engine, made deterministic: just before every reward
    // transaction, a competing writer bumps the cell's version (a plain conditional UpdateItem on
    // a second client), so the transaction's version condition always fails.
    const h = await createHarness(endpoint, 'reward-conflict', {
      retry: { maxAttempts: 5, baseDelayMs: 1, maxDelayMs: 2, turnMs: 1 },
    });
    const ref = { symbol: 'HOT', regime: 'RANGE_LOW_VOL', strategy: 'scalp' } as const;
    // A first reward creates the cell (version 1).
    await recordOpenDecision(h.store, { decisionId: 'seed', ...ref });
    await h.reward(tradeClosedEvent('seed', { id: 'seed-event' }));
    const decision = await recordOpenDecision(h.store, { decisionId: 'conflicted', ...ref });

    const competitor = createLocalDynamoClients(endpoint).documentClient;
    h.clients.client.middlewareStack.add(
      (next) => async (args) => {
        const headers = (args.request as { headers?: Record<string, string> }).headers ?? {};
        if (headers['x-amz-target']?.endsWith('.TransactWriteItems')) {
          await competitor.send(
            new UpdateCommand({
              TableName: h.tableName,
              Key: keys.cell(ref.symbol, ref.regime, ref.strategy),
              UpdateExpression: 'SET #version = #version + :one',
              ConditionExpression: 'attribute_exists(pk)',
              ExpressionAttributeNames: { '#version': 'version' },
              ExpressionAttributeValues: { ':one': 1 },
            }),
          );
        }
        return next(args);
      },
      { step: 'finalizeRequest', name: 'competingWriter' },
    );
    const exhaustedBefore = h.recorder.total(METRIC.rewardConflictsExhausted);

    const failure = h.reward(tradeClosedEvent(decision.decisionId));

    await expect(failure).rejects.toBeInstanceOf(RewardConflictError);
    await expect(failure).rejects.toMatchObject({ attempts: 5, conflicts: 5 });
    expect((await h.store.getDecision('conflicted', { consistent: true }))?.status).toBe('OPEN');
    expect(h.recorder.total(METRIC.rewardConflictsExhausted) - exhaustedBefore).toBe(1);
    expect(h.recorder.total(METRIC.rewardConflicts)).toBeGreaterThanOrEqual(5);
  });

  it('reports a decision closed between its read and the transaction without another read (ALL_OLD)', async () => {
    const h = await createHarness(endpoint, 'reward-race');
    const decision = await recordOpenDecision(h.store, {
      decisionId: 'raced',
      symbol: 'RACE',
      regime: 'TREND_DOWN',
      strategy: 'moderate',
    });
    // Another delivery closes the decision after this one has read it OPEN: the store's port is
    // wrapped so that the competing close runs just before this reward's commit.
    let raced = false;
    const original = h.store.commitReward.bind(h.store);
    h.store.commitReward = async (commit) => {
      if (!raced) {
        raced = true;
        await h.applyReward({
          decisionId: 'raced',
          eventId: 'winner',
          closedAt: '2024-03-12T11:00:00Z',
          realizedR: -1,
        });
      }
      return original(commit);
    };

    const { result, requests } = await h.counter.during(() =>
      h.reward(tradeClosedEvent(decision.decisionId, { id: 'loser' })),
    );

    expect(result).toMatchObject({ outcome: 'rejected', reason: 'closed-by-another-event' });
    // The loser's three requests interleaved with the winner's three; no fourth read for the loser.
    expect([...requests].sort()).toEqual(
      [
        'GetItem',
        'BatchGetItem',
        'TransactWriteItems',
        'GetItem',
        'BatchGetItem',
        'TransactWriteItems',
      ].sort(),
    );
    const stored = await h.store.getDecision('raced', { consistent: true });
    expect(stored?.reward?.eventId).toBe('winner');
    const [cell] = await h.store.readCells([{ symbol: 'RACE', regime: 'TREND_DOWN', strategy: 'moderate' }]);
    expect(cell?.stats).toMatchObject({ count: 1, totalR: -1 });
  });
});
