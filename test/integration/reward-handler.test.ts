import { beforeAll, describe, expect, inject, it } from 'vitest';
import { ValidationError } from '../../lib/contract/validation-error';
import { armIncrement, totalsOf } from '../../lib/learners/cell-stats';
import { METRIC } from '../../lib/observability';
import { armCredits } from '../../lib/reward-credit';
import type { SelectResponse } from '../../lib/select-strategy';
import { keys, poolShard } from '../../lib/store/table';
import type { Candle, RegimeName, StrategyId } from '../../lib/types';
import {
  CLOSED_AT,
  cellArms,
  createHarness,
  type Harness,
  loadEvent,
  NOW_MS,
  pooledArms,
  recordOpenDecision,
  type TradeClosedFixture,
  tradeClosedEvent,
  transactedPartitions,
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
  /** One arm of a (symbol, regime) cell, as stored. */
  const cellOf = async (symbol: string, regime: RegimeName = 'TREND_UP', strategy: StrategyId = 'moderate') =>
    (await cellArms(h.store, symbol, regime))[strategy];

  beforeAll(async () => {
    h = await createHarness(endpoint, 'reward');
  });

  it('applies the realizedR fixture: closes the decision and adds to the cell and one pooled shard in two requests', async () => {
    const decision = await openDecision();
    const event = tradeClosedEvent(decision.decisionId);
    h.clock.now = NOW_MS;

    const { result, requests, inputs } = await h.counter.during(() => h.reward(event));

    expect(result).toEqual({ outcome: 'applied', decisionId: decision.decisionId });
    expect(requests).toEqual(['GetItem', 'TransactWriteItems']);
    const shard = poolShard(decision.decisionId, h.config.poolShards);
    expect(transactedPartitions(inputs[1])).toEqual([
      keys.decision(decision.decisionId).pk,
      keys.cell(decision.symbol, 'TREND_UP').pk,
      ...(h.policy.pooling
        ? [keys.pooledCell('TREND_UP', shard).pk, keys.symbolTotal(decision.symbol).pk]
        : []),
    ]);
    const closed = await h.store.getDecision(decision.decisionId, { consistent: true });
    expect(closed?.status).toBe('CLOSED');
    expect(closed?.reward).toEqual({
      realizedR: 2.4,
      closedAt: CLOSED_AT,
      tradeId: 'bot-7-000123',
      eventId: event.id,
      appliedAt: NOW_MS,
      // The traded arm of the cell, and of the pooled shard and the symbol's total when the policy pools.
      cellsUpdated: h.policy.pooling ? 3 : 1,
      credits: [{ arm: 'moderate', realizedR: 2.4, counterfactual: false }],
      ...(h.policy.pooling ? { pooledShard: shard } : {}),
      pathUsed: false,
    });
    const cell = await cellOf(decision.symbol);
    expect(totalsOf(cell)).toEqual(armIncrement(2.4, false, false));
    expect(cell).toMatchObject({ count: 1, realCount: 1, sum: 2.4, mean: 2.4, wins: 1, losses: 0 });
    expect(h.recorder.total(METRIC.rewardsApplied)).toBeGreaterThanOrEqual(1);
    expect(h.recorder.metrics).toContainEqual({
      name: METRIC.rewardLagSeconds,
      unit: 'Seconds',
      value: 3600,
    });
  });

  it('applies the smallest documented event, { decisionId, realizedR }, closed at the event’s time', async () => {
    const decision = await openDecision();
    const event = tradeClosedEvent(decision.decisionId);
    event.time = new Date(NOW_MS - 120_000).toISOString();
    event.detail = { decisionId: decision.decisionId, realizedR: -0.5 };

    expect(await h.reward(event)).toEqual({ outcome: 'applied', decisionId: decision.decisionId });

    const closed = await h.store.getDecision(decision.decisionId, { consistent: true });
    expect(closed?.reward).toMatchObject({ realizedR: -0.5, closedAt: event.time, eventId: event.id });
    expect(closed?.reward?.tradeId).toBeUndefined();
    expect(totalsOf(await cellOf(decision.symbol))).toEqual(armIncrement(-0.5, false, false));
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
    expect(totalsOf(await cellOf(decision.symbol))).toEqual(armIncrement(2.5, false, false));
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
    expect(totalsOf(cell)).toEqual(armIncrement(-0.6, false, false));
    expect(cell).toMatchObject({ count: 1, wins: 0, losses: 1 });
  });

  it('lets realizedR win when an event carries both realizedR and exitPrice', async () => {
    const decision = await openDecision({ entry: 100_000, atr: 500 });
    const event = tradeClosedEvent(decision.decisionId, { detail: { realizedR: 1.75, exitPrice: 101_250 } });

    await h.reward(event);

    const closed = await h.store.getDecision(decision.decisionId, { consistent: true });
    expect(closed?.reward).toMatchObject({ realizedR: 1.75, exitPrice: 101_250 });
    expect(totalsOf(await cellOf(decision.symbol))).toEqual(armIncrement(1.75, false, false));
  });

  it('applies the path fixture (realizedR with the candles after entry) to every arm it closes', async () => {
    // The fixture's path starts at 72,093.5: an entry there makes its candles the bars after entry.
    const decision = await openDecision({ entry: 72_093.5, atr: 150 });
    const result = await h.reward(
      tradeClosedEvent(decision.decisionId, { fixture: 'trade-closed-path.json' }),
    );
    expect(result.outcome).toBe('applied');
    // Its 12 candles fall short of the 48-bar horizon: trend_rider is still open, so no pair.
    expect(totalsOf(await cellOf(decision.symbol))).toEqual(armIncrement(1.35, false, false));
    const arms = Object.keys(await cellArms(h.store, decision.symbol, 'TREND_UP'));
    const closedOnPath = armCredits(
      { side: decision.side, plan: decision.plan, arm: decision.arm.id },
      1.35,
      loadEvent<TradeClosedFixture>('trade-closed-path.json').detail.path as Candle[],
      h.config.horizonBars,
      h.policy.arms,
    ).map((credit) => credit.arm);
    expect(arms.sort()).toEqual(h.policy.fullInformation ? [...closedOnPath].sort() : ['moderate']);
    // The arms still open at the path's end wait for bars that would tell their outcome.
    expect(closedOnPath.length).toBeGreaterThan(7);
    expect(closedOnPath.length).toBeLessThan(h.policy.arms.length);
    expect(closedOnPath).not.toContain('trend_rider');
    const closed = await h.store.getDecision(decision.decisionId, { consistent: true });
    expect(closed?.reward).toMatchObject({
      pathUsed: h.policy.fullInformation,
      cellsUpdated: arms.length * (h.policy.pooling ? 3 : 1),
    });
    expect(closed?.reward?.credits).toHaveLength(arms.length);
  });

  it('counts an exploration draw on the arm it rewards, and on its pooled arm', async () => {
    const decision = await openDecision({ explored: true, regime: 'RANGE_HIGH_VOL' });
    const poolBefore = (await pooledArms(h, 'RANGE_HIGH_VOL')).moderate;

    await h.reward(tradeClosedEvent(decision.decisionId));

    expect(totalsOf(await cellOf(decision.symbol, 'RANGE_HIGH_VOL'))).toEqual(armIncrement(2.4, false, true));
    expect((await cellOf(decision.symbol, 'RANGE_HIGH_VOL'))?.explorations).toBe(1);
    const poolAfter = (await pooledArms(h, 'RANGE_HIGH_VOL')).moderate;
    expect((poolAfter?.explorations ?? 0) - (poolBefore?.explorations ?? 0)).toBe(h.policy.pooling ? 1 : 0);
  });

  it('credits a TradeClosed event delivered five times in sequence once', async () => {
    const decision = await openDecision();
    const event = tradeClosedEvent(decision.decisionId);
    const duplicatesBefore = h.recorder.total(METRIC.rewardDuplicates);

    const outcomes = [];
    for (let i = 0; i < 5; i++) outcomes.push((await h.reward(event)).outcome);

    expect(outcomes).toEqual(['applied', 'duplicate', 'duplicate', 'duplicate', 'duplicate']);
    expect(h.recorder.total(METRIC.rewardDuplicates) - duplicatesBefore).toBe(4);
    expect(totalsOf(await cellOf(decision.symbol))).toEqual(armIncrement(2.4, false, false));
  });

  it('credits a TradeClosed event delivered five times at once once', async () => {
    const decision = await openDecision();
    const event = tradeClosedEvent(decision.decisionId);

    const results = await Promise.all(Array.from({ length: 5 }, () => h.reward(event)));

    const outcomes = results.map((r) => r.outcome).sort();
    expect(outcomes).toEqual(['applied', 'duplicate', 'duplicate', 'duplicate', 'duplicate']);
    expect(totalsOf(await cellOf(decision.symbol))).toEqual(armIncrement(2.4, false, false));
  });

  it('treats the same close republished under a new event id as a duplicate', async () => {
    const decision = await openDecision();
    await h.reward(tradeClosedEvent(decision.decisionId, { id: 'original-delivery' }));
    const again = await h.reward(tradeClosedEvent(decision.decisionId, { id: 'republished-by-the-bot' }));

    expect(again.outcome).toBe('duplicate');
    expect(totalsOf(await cellOf(decision.symbol))).toEqual(armIncrement(2.4, false, false));
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
    expect(totalsOf(await cellOf(decision.symbol))).toEqual(armIncrement(2.4, false, false));
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
    [
      'no closedAt and an event time that is not ISO-8601',
      (e: TradeClosedFixture) => ({ ...e, time: 'now', detail: { ...e.detail, closedAt: undefined } }),
    ],
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

    expect(await shadow.reward(tradeClosedEvent(selected.decisionId))).toMatchObject({ outcome: 'applied' });

    const arms = await cellArms(shadow.store, 'BTCUSDT', selected.regime.name);
    expect(selected.strategy).toBe('defensive');
    expect(Object.keys(arms)).toEqual(['defensive']);
    expect(totalsOf(arms.defensive)).toEqual(armIncrement(2.4, false, false));
    // The pool learns the answered strategy too, never the shadow choice.
    expect(Object.keys(await pooledArms(shadow, selected.regime.name))).toEqual(
      shadow.policy.pooling ? ['defensive'] : [],
    );
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

describe('a decision closed between the reward’s read and its commit', () => {
  it('is reported from the failed transaction (ALL_OLD), without another read, and nothing is added', async () => {
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
        await h.applyReward({ decisionId: 'raced', eventId: 'winner', closedAt: CLOSED_AT, realizedR: -1 });
      }
      return original(commit);
    };
    const poolBefore = await pooledArms(h, 'TREND_DOWN');

    const { result, requests } = await h.counter.during(() =>
      h.reward(tradeClosedEvent(decision.decisionId, { id: 'loser' })),
    );

    expect(result).toMatchObject({ outcome: 'rejected', reason: 'closed-by-another-event' });
    // The loser's two requests interleaved with the winner's two; no third read for the loser.
    expect([...requests].sort()).toEqual(
      ['GetItem', 'GetItem', 'TransactWriteItems', 'TransactWriteItems'].sort(),
    );
    expect(h.recorder.logs.at(-1)).toMatchObject({
      level: 'warn',
      attributes: { reason: 'closed-by-another-event', closedByEventId: 'winner' },
    });
    const stored = await h.store.getDecision('raced', { consistent: true });
    expect(stored?.reward?.eventId).toBe('winner');
    // Only the winner's −1 R, on the cell and on the pool.
    const cell = (await cellArms(h.store, 'RACE', 'TREND_DOWN')).moderate;
    expect(totalsOf(cell)).toEqual(armIncrement(-1, false, false));
    const poolAfter = (await pooledArms(h, 'TREND_DOWN')).moderate;
    expect((poolAfter?.count ?? 0) - (poolBefore.moderate?.count ?? 0)).toBe(h.policy.pooling ? 1 : 0);
  });
});
