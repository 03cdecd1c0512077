import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { ValidationError } from '../../lib/contract/validation-error';
import type { Decision } from '../../lib/decision';
import { type ArmIncrement, addIncrements, armIncrement, totalsOf } from '../../lib/learners/cell-stats';
import type { CellsByArm, ChooseInput, Learner } from '../../lib/learners/learner';
import { METRIC } from '../../lib/observability';
import type { Policy } from '../../lib/policy';
import { seededRng } from '../../lib/random';
import { type ArmCredit, armCredits } from '../../lib/reward-credit';
import type { SelectResponse } from '../../lib/select-strategy';
import { armAttribute, keys, poolShard } from '../../lib/store/table';
import type { Candle, RegimeName, StrategyId } from '../../lib/types';
import { STRATEGY_IDS } from '../../lib/types';
import {
  cellArms,
  createHarness,
  type Harness,
  loadEvent,
  pooledArms,
  recordOpenDecision,
  type TradeClosedFixture,
  tradeClosedEvent,
  transactedPartitions,
} from '../helpers/selector-harness';

const endpoint = inject('dynamoEndpoint');

/** The policy the harness is configured with, made to learn from paths and to pool across symbols. */
const fullInformationPooled = (policy: Policy): Policy => ({
  ...policy,
  fullInformation: true,
  pooling: true,
});

/** The candles after entry of the path fixture (it follows the select fixture's last candle, 72,093.5). */
const fixturePath = (): Candle[] =>
  loadEvent<TradeClosedFixture>('trade-closed-path.json').detail.path as Candle[];

/** A seeded random walk of `bars` candles after `entry`, moving about one ATR a bar. */
function randomPath(seed: number, entry: number, atr: number, bars: number): Candle[] {
  const rng = seededRng(seed);
  const path: Candle[] = [];
  let close = entry;
  for (let i = 0; i < bars; i++) {
    const open = close;
    close = Math.max(open + (rng() - 0.48) * 2 * atr, atr);
    const high = Math.max(open, close) + rng() * atr;
    const low = Math.max(Math.min(open, close) - rng() * atr, atr / 2);
    path.push({ t: 1_000 + i, o: open, h: high, l: low, c: close });
  }
  return path;
}

/** What `credits` add to each arm, summed: the exact integer totals the cells must grow by. */
function incrementsOf(credits: readonly ArmCredit[], explored = false): Map<StrategyId, ArmIncrement> {
  const sums = new Map<StrategyId, ArmIncrement>();
  for (const credit of credits) {
    const increment = armIncrement(credit.realizedR, credit.counterfactual, explored);
    const sum = sums.get(credit.strategy);
    sums.set(credit.strategy, sum === undefined ? increment : addIncrements(sum, increment));
  }
  return sums;
}

/** Asserts that every arm of `after` holds `before` plus `added`, exactly, and no other arm changed. */
function expectGrewBy(before: CellsByArm, after: CellsByArm, added: Map<StrategyId, ArmIncrement>) {
  for (const strategy of STRATEGY_IDS) {
    const expected = addIncrements(totalsOf(before[strategy]), added.get(strategy) ?? totalsOf(undefined));
    expect(totalsOf(after[strategy]), strategy).toEqual(expected);
  }
}

/** An item as stored, by key, strongly consistent. */
async function readItem(h: Harness, key: { pk: string; sk: string }) {
  const result = await h.clients.documentClient.send(
    new GetCommand({ TableName: h.tableName, Key: key, ConsistentRead: true }),
  );
  return result.Item;
}

describe('reward with a path (full information) on DynamoDB Local', () => {
  let h: Harness;
  let seq = 0;
  const openDecision = (spec: Partial<Parameters<typeof recordOpenDecision>[1]> = {}) =>
    recordOpenDecision(h.store, {
      decisionId: `path-${++seq}`,
      symbol: `PATH${seq}`,
      regime: 'TREND_UP',
      strategy: 'moderate',
      entry: 72_093.5,
      atr: 150,
      ...spec,
    });

  beforeAll(async () => {
    h = await createHarness(endpoint, 'reward-path', { adjustPolicy: fullInformationPooled });
  });

  it('credits all seven arms, on one cell item and one pooled shard, with the simulator’s outcomes, in two requests', async () => {
    const decision = await openDecision({ regime: 'RANGE_LOW_VOL' });
    const event = tradeClosedEvent(decision.decisionId, { fixture: 'trade-closed-path.json' });
    const credits = armCredits(decision, 1.35, fixturePath(), h.config.horizonBars);
    const poolBefore = await pooledArms(h, 'RANGE_LOW_VOL');
    const shard = poolShard(decision.decisionId, h.config.poolShards);
    const shardExisted = (await readItem(h, keys.pooledCell('RANGE_LOW_VOL', shard))) !== undefined;
    const itemsBefore = await h.itemCount();

    const { result, requests, inputs } = await h.counter.during(() => h.reward(event));

    expect(result.outcome).toBe('applied');
    expect(requests).toEqual(['GetItem', 'TransactWriteItems']);
    // Seven arms credited, three items written: the decision, the (symbol, regime) cell, one shard.
    expect(transactedPartitions(inputs[1])).toEqual([
      keys.decision(decision.decisionId).pk,
      keys.cell(decision.symbol, 'RANGE_LOW_VOL').pk,
      keys.pooledCell('RANGE_LOW_VOL', shard).pk,
    ]);
    // New items: the symbol's cell, and the shard unless an earlier trade of the regime made it.
    expect((await h.itemCount()) - itemsBefore).toBe(shardExisted ? 1 : 2);
    // The path prices the arms differently; otherwise this test could not tell them apart.
    expect(credits.map((credit) => credit.strategy).sort()).toEqual([...STRATEGY_IDS].sort());
    expect(new Set(credits.map((credit) => credit.realizedR)).size).toBe(7);
    expect(credits[0]).toEqual({ strategy: 'moderate', realizedR: 1.35, counterfactual: false });

    const own = await cellArms(h.store, decision.symbol, 'RANGE_LOW_VOL');
    expectGrewBy({}, own, incrementsOf(credits));
    for (const strategy of STRATEGY_IDS) {
      // The default learner reads sums only: no EMA is written, and the update time is the reward's.
      expect(own[strategy]).toMatchObject({ ema: 0, lastUpdate: h.clock.now });
    }
    expectGrewBy(poolBefore, await pooledArms(h, 'RANGE_LOW_VOL'), incrementsOf(credits));
    const closed = await h.store.getDecision(decision.decisionId, { consistent: true });
    expect(closed?.reward).toMatchObject({
      realizedR: 1.35,
      cellsUpdated: 14,
      pathUsed: true,
      credits,
      pooledShard: shard,
    });
  });

  it('keeps every arm of a (symbol, regime) in one item, as `<arm>.<field>` attributes', async () => {
    const decision = await openDecision({ regime: 'TREND_UP' });
    await h.reward(tradeClosedEvent(decision.decisionId, { fixture: 'trade-closed-path.json' }));
    const credits = armCredits(decision, 1.35, fixturePath(), h.config.horizonBars);

    const partition = await h.clients.documentClient.send(
      new QueryCommand({
        TableName: h.tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': keys.symbolPartition(decision.symbol) },
      }),
    );

    expect(partition.Items).toHaveLength(1);
    const item = partition.Items?.[0] ?? {};
    expect(item).toMatchObject(keys.cell(decision.symbol, 'TREND_UP'));
    for (const credit of credits) {
      const increment = armIncrement(credit.realizedR, credit.counterfactual, false);
      expect(item[armAttribute(credit.strategy, 'n')]).toBe(1);
      expect(item[armAttribute(credit.strategy, 'sumMicro')]).toBe(increment.sumMicro);
      expect(item[armAttribute(credit.strategy, 'sumSqMicro')]).toBe(increment.sumSqMicro);
    }
  });

  it('touches the same three items whether it credits one arm or seven', async () => {
    const withPath = await openDecision({ regime: 'RANGE_HIGH_VOL' });
    const withoutPath = await openDecision({ regime: 'RANGE_HIGH_VOL' });
    const emptyPath = tradeClosedEvent(withoutPath.decisionId, { fixture: 'trade-closed-path.json' });
    emptyPath.detail.path = [];

    const seven = await h.counter.during(() =>
      h.reward(tradeClosedEvent(withPath.decisionId, { fixture: 'trade-closed-path.json' })),
    );
    const one = await h.counter.during(() => h.reward(emptyPath));

    for (const { result, requests, inputs } of [seven, one]) {
      expect(result.outcome).toBe('applied');
      expect(requests).toEqual(['GetItem', 'TransactWriteItems']);
      expect(transactedPartitions(inputs[1])).toHaveLength(3);
    }
    const credited = async (id: string) =>
      (await h.store.getDecision(id, { consistent: true }))?.reward?.credits.length;
    expect(await credited(withPath.decisionId)).toBe(7);
    expect(await credited(withoutPath.decisionId)).toBe(1);
  });

  it('credits the same path event delivered five times in sequence once, on every arm and the pool', async () => {
    const decision = await openDecision({ regime: 'TREND_DOWN' });
    const event = tradeClosedEvent(decision.decisionId, { fixture: 'trade-closed-path.json' });
    const poolBefore = await pooledArms(h, 'TREND_DOWN');

    const outcomes = [];
    for (let i = 0; i < 5; i++) outcomes.push((await h.reward(structuredClone(event))).outcome);

    expect(outcomes).toEqual(['applied', 'duplicate', 'duplicate', 'duplicate', 'duplicate']);
    const added = incrementsOf(armCredits(decision, 1.35, fixturePath(), h.config.horizonBars));
    expectGrewBy({}, await cellArms(h.store, decision.symbol, 'TREND_DOWN'), added);
    expectGrewBy(poolBefore, await pooledArms(h, 'TREND_DOWN'), added);
  });

  it('credits the same path event delivered five times at once once, on every arm and the pool', async () => {
    const decision = await openDecision({ regime: 'RANGE_HIGH_VOL' });
    const event = tradeClosedEvent(decision.decisionId, { fixture: 'trade-closed-path.json' });
    const poolBefore = await pooledArms(h, 'RANGE_HIGH_VOL');

    const results = await Promise.all(Array.from({ length: 5 }, () => h.reward(structuredClone(event))));

    expect(results.map((r) => r.outcome).sort()).toEqual([
      'applied',
      'duplicate',
      'duplicate',
      'duplicate',
      'duplicate',
    ]);
    const added = incrementsOf(armCredits(decision, 1.35, fixturePath(), h.config.horizonBars));
    expectGrewBy({}, await cellArms(h.store, decision.symbol, 'RANGE_HIGH_VOL'), added);
    expectGrewBy(poolBefore, await pooledArms(h, 'RANGE_HIGH_VOL'), added);
  });

  it('teaches only the traded strategy (and its pooled arm) when the path is empty', async () => {
    const decision = await openDecision({ regime: 'HIGH_VOLATILITY' });
    const event = tradeClosedEvent(decision.decisionId, { fixture: 'trade-closed-path.json' });
    event.detail.path = [];
    const poolBefore = await pooledArms(h, 'HIGH_VOLATILITY');

    expect((await h.reward(event)).outcome).toBe('applied');

    const traded = new Map([['moderate' as StrategyId, armIncrement(1.35, false, false)]]);
    const own = await cellArms(h.store, decision.symbol, 'HIGH_VOLATILITY');
    expect(Object.keys(own)).toEqual(['moderate']);
    expectGrewBy({}, own, traded);
    expectGrewBy(poolBefore, await pooledArms(h, 'HIGH_VOLATILITY'), traded);
    const closed = await h.store.getDecision(decision.decisionId, { consistent: true });
    expect(closed?.reward).toMatchObject({
      cellsUpdated: 2,
      pathUsed: false,
      credits: [{ strategy: 'moderate', realizedR: 1.35, counterfactual: false }],
    });
  });

  it('replays a path shorter than the horizon to its last close (end of data)', async () => {
    const decision = await openDecision({ regime: 'ILLIQUID', strategy: 'trend_rider' });
    // Two quiet bars: no profile's stop or first target is reached, all exit at the last close.
    const path = [
      { t: 1, o: 72_093.5, h: 72_120, l: 72_080, c: 72_110 },
      { t: 2, o: 72_110, h: 72_130, l: 72_100, c: 72_123.5 },
    ];
    const event = tradeClosedEvent(decision.decisionId, { detail: { realizedR: 0.2, path } });

    expect((await h.reward(event)).outcome).toBe('applied');

    const cells = await cellArms(h.store, decision.symbol, 'ILLIQUID');
    // 1R is the stop distance: defensive's stop is 1 ATR (150), so 30 above entry is 0.2 R.
    expect(totalsOf(cells.defensive)).toEqual(armIncrement(30 / 150, true, false));
    expect(cells.defensive?.sum).toBe(0.2);
    expect(totalsOf(cells.trend_rider)).toEqual(armIncrement(0.2, false, false));
  });

  it.each([
    ['more candles than MAX_CANDLES', () => randomPath(1, 72_093.5, 150, 1_001), 'path'],
    [
      'candles out of time order',
      () => [
        { t: 2, o: 100, h: 101, l: 99, c: 100 },
        { t: 1, o: 100, h: 101, l: 99, c: 100 },
      ],
      'path.1.t',
    ],
    ['a high below the close', () => [{ t: 1, o: 100, h: 100, l: 99, c: 101 }], 'path.0.h'],
    ['a non-positive price', () => [{ t: 1, o: 0, h: 101, l: 99, c: 100 }], 'path.0.o'],
    ['a candle that is not an object', () => [42], 'path.0'],
  ])('throws on a malformed path (%s) and writes nothing', async (_kind, path, issuePath) => {
    const decision = await openDecision({ regime: 'UNKNOWN' });
    const itemsBefore = await h.itemCount();
    const event = tradeClosedEvent(decision.decisionId, { detail: { path: path() } });

    const failure = h.reward(event);

    await expect(failure).rejects.toBeInstanceOf(ValidationError);
    const error = (await failure.catch((e: unknown) => e)) as ValidationError;
    expect(error.issues.map((issue) => issue.path)).toContain(issuePath);
    expect(await h.itemCount()).toBe(itemsBefore);
    expect((await h.store.getDecision(decision.decisionId, { consistent: true }))?.status).toBe('OPEN');
  });
});

describe('concurrent path rewards on DynamoDB Local', () => {
  it('applies 16 simultaneous path rewards on one (symbol, regime): every arm and the pool hold exactly their sums', async () => {
    const h = await createHarness(endpoint, 'reward-path-16', {
      seed: 16,
      adjustPolicy: fullInformationPooled,
    });
    const rng = seededRng(1616);
    const trades = await Promise.all(
      Array.from({ length: 16 }, async (_, i) => {
        const decision = await recordOpenDecision(h.store, {
          decisionId: `hot-path-${i}`,
          symbol: 'SOLUSDT',
          regime: 'TREND_UP',
          strategy: STRATEGY_IDS[i % STRATEGY_IDS.length] ?? 'moderate',
          side: i % 3 === 0 ? 'SHORT' : 'LONG',
          entry: 150,
          atr: 2,
        });
        const path = randomPath(100 + i, 150, 2, 10 + i * 3);
        // Within every profile's reach (−1 R at the stop to its targets, with the allowance).
        const realizedR = Math.round((rng() * 4.5 - 1.8) * 1e6) / 1e6;
        return { decision, path, realizedR };
      }),
    );

    const results = await Promise.all(
      trades.map(({ decision, path, realizedR }) =>
        h.reward(
          tradeClosedEvent(decision.decisionId, {
            id: `event-${decision.decisionId}`,
            detail: { realizedR, path },
          }),
        ),
      ),
    );

    expect(results.map((r) => r.outcome)).toEqual(trades.map(() => 'applied'));
    const allCredits = trades.flatMap(({ decision, path, realizedR }) =>
      armCredits(decision, realizedR, path, h.config.horizonBars),
    );
    const expected = incrementsOf(allCredits);
    const own = await cellArms(h.store, 'SOLUSDT', 'TREND_UP');
    expectGrewBy({}, own, expected);
    expectGrewBy({}, await pooledArms(h, 'TREND_UP'), expected);
    for (const strategy of STRATEGY_IDS) {
      const traded = trades.filter((t) => t.decision.strategy === strategy).length;
      expect(own[strategy]).toMatchObject({ count: 16, realCount: traded, counterfactualCount: 16 - traded });
    }
    // The audit: what the closed decisions say they added is what the cell holds.
    const closed = await Promise.all(
      trades.map((t) => h.store.getDecision(t.decision.decisionId, { consistent: true })),
    );
    const audited = closed.flatMap((decision: Decision | undefined) => decision?.reward?.credits ?? []);
    expect(audited).toHaveLength(allCredits.length);
    expectGrewBy({}, own, incrementsOf(audited));
    const attempts = h.recorder.logs.map((l) => Number(l.attributes.attempts ?? 0));
    console.info(
      `16 concurrent path rewards: ${h.recorder.total(METRIC.rewardConflicts)} conflicts resent, most attempts ${Math.max(...attempts)}`,
    );
  });
});

describe('pooling across symbols on DynamoDB Local', () => {
  it('shows a new symbol’s learner what the regime taught on another symbol', async () => {
    const given: ChooseInput[] = [];
    const recordingLearner = (learner: Learner): Learner => ({
      ...learner,
      policy: learner.policy,
      choose: (input) => {
        given.push(input);
        return learner.choose(input);
      },
    });
    const h = await createHarness(endpoint, 'reward-pool', {
      adjustPolicy: (policy) => ({
        ...fullInformationPooled(policy),
        learner: recordingLearner(policy.learner),
      }),
    });
    const selectFor = async (symbol: string) => {
      const event = loadEvent<APIGatewayProxyEventV2>('select-valid.json');
      const body = { ...JSON.parse(event.body ?? '{}'), symbol };
      const { result, requests, inputs } = await h.counter.during(() =>
        h.select({ ...event, body: JSON.stringify(body) }),
      );
      expect(requests).toEqual(['BatchGetItem', 'PutItem']);
      // One read: the symbol's cell and every pooled shard of the regime.
      const read = inputs[0]?.RequestItems as Record<string, { Keys: unknown[] }>;
      expect(read[h.tableName]?.Keys).toHaveLength(1 + h.config.poolShards);
      return JSON.parse(result.body) as SelectResponse;
    };

    // A trade on symbol A, closed with its path: the regime's pooled arms learn every profile.
    const onA = await selectFor('AAAUSDT');
    const rewarded = await h.reward(tradeClosedEvent(onA.decisionId, { fixture: 'trade-closed-path.json' }));
    expect(rewarded.outcome).toBe('applied');
    const pool = await pooledArms(h, onA.regime.name);
    expect(Object.keys(pool)).toHaveLength(7);

    // A brand-new symbol B in the same regime: no cell of its own, the pool given to the learner.
    const onB = await selectFor('BBBUSDT');

    expect(onB.regime.name).toBe(onA.regime.name);
    const input = given.at(-1);
    expect(input?.cells).toEqual({});
    for (const strategy of Object.keys(onB.candidates) as StrategyId[]) {
      expect(input?.pooled?.[strategy]).toEqual(pool[strategy]);
      expect(input?.pooled?.[strategy]?.count).toBe(1);
    }
    expect(Object.keys(input?.pooled ?? {}).sort()).toEqual(Object.keys(pool).sort());
    // The default learner starts the new symbol from the pool: A's outcomes, with no trade on B.
    expect(Object.values(onA.candidates).every((arm) => arm.value === 0)).toBe(true);
    expect(Object.values(onB.candidates).some((arm) => arm.value !== 0 && arm.count === 0)).toBe(true);
    // What the learner made of them is recorded on the decision as it was answered.
    const decision = await h.store.getDecision(onB.decisionId, { consistent: true });
    expect(decision?.values).toEqual(
      h.policy.learner.choose({ ...input, rng: () => 0.5 } as ChooseInput).values,
    );
  });

  it('sums the pooled arms over the shards: rewards that land on different shards all count', async () => {
    const h = await createHarness(endpoint, 'reward-shards', { adjustPolicy: fullInformationPooled });
    const regime: RegimeName = 'TREND_DOWN';
    // Twelve trades on twelve symbols; their ids spread them over several shards.
    const decisions = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        recordOpenDecision(h.store, {
          decisionId: `shard-${i}`,
          symbol: `SH${i}`,
          regime,
          strategy: 'scalp',
        }),
      ),
    );
    const shards = new Set(decisions.map((d) => poolShard(d.decisionId, h.config.poolShards)));
    expect(shards.size).toBeGreaterThan(1);
    const rs = decisions.map((_, i) => (i % 4) * 0.5 - 0.75);

    for (const [i, decision] of decisions.entries()) {
      const result = await h.reward(tradeClosedEvent(decision.decisionId, { detail: { realizedR: rs[i] } }));
      expect(result.outcome).toBe('applied');
    }

    const expected = incrementsOf(
      rs.map((realizedR) => ({ strategy: 'scalp', realizedR, counterfactual: false })),
    );
    expectGrewBy({}, await pooledArms(h, regime), expected);
    // Each shard item holds only the trades whose id hashes to it.
    for (const shard of shards) {
      const stored = await readItem(h, keys.pooledCell(regime, shard));
      const onShard = decisions.filter((d) => poolShard(d.decisionId, h.config.poolShards) === shard).length;
      expect(stored?.[armAttribute('scalp', 'n')]).toBe(onShard);
    }
  });

  it('neither reads nor writes pooled shards for a policy that does not pool', async () => {
    const h = await createHarness(endpoint, 'reward-nopool', {
      adjustPolicy: (policy) => ({ ...policy, fullInformation: true, pooling: false }),
    });
    const decision = await recordOpenDecision(h.store, {
      decisionId: 'no-pool',
      symbol: 'SOLO',
      regime: 'TREND_UP',
      strategy: 'moderate',
      entry: 72_093.5,
      atr: 150,
    });

    const { result, requests, inputs } = await h.counter.during(() =>
      h.reward(tradeClosedEvent(decision.decisionId, { fixture: 'trade-closed-path.json' })),
    );

    expect(result.outcome).toBe('applied');
    expect(requests).toEqual(['GetItem', 'TransactWriteItems']);
    expect(transactedPartitions(inputs[1])).toEqual([
      keys.decision('no-pool').pk,
      keys.cell('SOLO', 'TREND_UP').pk,
    ]);
    expect(Object.keys(await cellArms(h.store, 'SOLO', 'TREND_UP'))).toHaveLength(7);
    expect(await pooledArms(h, 'TREND_UP')).toEqual({});
    // The decision and the one cell item: nothing else in the table.
    expect(await h.itemCount()).toBe(2);
    const closed = await h.store.getDecision('no-pool', { consistent: true });
    expect(closed?.reward).toMatchObject({ cellsUpdated: 7, pathUsed: true });
    expect(closed?.reward?.pooledShard).toBeUndefined();

    const select = await h.counter.during(() => h.select(loadEvent('select-valid.json')));
    expect(select.requests).toEqual(['BatchGetItem', 'PutItem']);
    const read = select.inputs[0]?.RequestItems as Record<string, { Keys: unknown[] }>;
    expect(read[h.tableName]?.Keys).toHaveLength(1);
  });
});
