import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { ARM_SETS, type ArmId } from '../../lib/arms';
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
import type { Candle, RegimeName } from '../../lib/types';
import { STRATEGY_IDS } from '../../lib/types';
import { randomPath } from '../helpers/random-path';
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

/** What `credits` add to each arm, summed: the exact integer totals the cells must grow by. */
function incrementsOf(credits: readonly ArmCredit[], explored = false): Map<ArmId, ArmIncrement> {
  const sums = new Map<ArmId, ArmIncrement>();
  for (const credit of credits) {
    const increment = armIncrement(credit.realizedR, credit.counterfactual, explored, credit.pairDiffR);
    const sum = sums.get(credit.arm);
    sums.set(credit.arm, sum === undefined ? increment : addIncrements(sum, increment));
  }
  return sums;
}

/** Asserts that every arm of `after` holds `before` plus `added`, exactly, and no other arm changed. */
function expectGrewBy(before: CellsByArm, after: CellsByArm, added: Map<ArmId, ArmIncrement>) {
  for (const { id } of ARM_SETS.family) {
    const expected = addIncrements(totalsOf(before[id]), added.get(id) ?? totalsOf(undefined));
    expect(totalsOf(after[id]), id).toEqual(expected);
  }
}

/** What the reward of `decision` credits, as the reward function computes it with `h`'s policy. */
function creditsOf(h: Harness, decision: Decision, realizedR: number, path: readonly Candle[]): ArmCredit[] {
  return armCredits(
    { side: decision.side, plan: decision.plan, arm: decision.arm.id },
    realizedR,
    path,
    h.config.horizonBars,
    h.policy.arms,
  );
}

/** The symbol's totals over every regime (its `TOTAL` item), as select reads them. */
async function symbolTotalArms(h: Harness, symbol: string): Promise<CellsByArm> {
  const { symbolTotal } = await h.store.readSelectionCells(symbol, 'UNKNOWN', { poolShards: 1 });
  return symbolTotal;
}

/**
 * The harness's environment for path rewards: a 12-bar horizon, so that the 12 candles of the path
 * fixture reach it and every arm's outcome is known.
 */
const HORIZON_12 = { TRADE_HORIZON_BARS: '12' };

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
    h = await createHarness(endpoint, 'reward-path', {
      env: HORIZON_12,
      adjustPolicy: fullInformationPooled,
    });
  });

  it('credits all 35 arms, on one cell item, one pooled shard and the symbol’s total, with the simulator’s outcomes, in two requests', async () => {
    const decision = await openDecision({ regime: 'RANGE_LOW_VOL' });
    const event = tradeClosedEvent(decision.decisionId, { fixture: 'trade-closed-path.json' });
    const credits = creditsOf(h, decision, 1.35, fixturePath());
    const poolBefore = await pooledArms(h, 'RANGE_LOW_VOL');
    const shard = poolShard(decision.decisionId, h.config.poolShards);
    const shardExisted = (await readItem(h, keys.pooledCell('RANGE_LOW_VOL', shard))) !== undefined;
    const itemsBefore = await h.itemCount();

    const { result, requests, inputs } = await h.counter.during(() => h.reward(event));

    expect(result.outcome).toBe('applied');
    expect(requests).toEqual(['GetItem', 'TransactWriteItems']);
    // 35 arms credited, four items written: the decision, the (symbol, regime) cell, one shard,
    // the symbol's total.
    expect(transactedPartitions(inputs[1])).toEqual([
      keys.decision(decision.decisionId).pk,
      keys.cell(decision.symbol, 'RANGE_LOW_VOL').pk,
      keys.pooledCell('RANGE_LOW_VOL', shard).pk,
      keys.symbolTotal(decision.symbol).pk,
    ]);
    // New items: the symbol's cell and total, and the shard unless an earlier trade of the regime made it.
    expect((await h.itemCount()) - itemsBefore).toBe(shardExisted ? 2 : 3);
    // The path prices the arms differently; otherwise this test could not tell them apart.
    expect(credits.map((credit) => credit.arm).sort()).toEqual(ARM_SETS.family.map((arm) => arm.id).sort());
    expect(new Set(credits.map((credit) => credit.realizedR)).size).toBeGreaterThan(30);
    expect(credits[0]).toMatchObject({ arm: 'moderate', realizedR: 1.35, counterfactual: false });
    // The path reaches the horizon: every arm but the reference carries its lead over it.
    expect(credits.filter((credit) => credit.pairDiffR === undefined).map((credit) => credit.arm)).toEqual([
      'trend_rider',
    ]);

    const own = await cellArms(h.store, decision.symbol, 'RANGE_LOW_VOL');
    expectGrewBy({}, own, incrementsOf(credits));
    for (const { id } of ARM_SETS.family) {
      // The default learner reads sums only: no EMA is written, and the update time is the reward's.
      expect(own[id]).toMatchObject({ ema: 0, lastUpdate: h.clock.now });
    }
    expectGrewBy(poolBefore, await pooledArms(h, 'RANGE_LOW_VOL'), incrementsOf(credits));
    expectGrewBy({}, await symbolTotalArms(h, decision.symbol), incrementsOf(credits));
    const closed = await h.store.getDecision(decision.decisionId, { consistent: true });
    expect(closed?.reward).toMatchObject({
      realizedR: 1.35,
      cellsUpdated: 3 * 35,
      pathUsed: true,
      credits,
      pooledShard: shard,
    });
  });

  it('keeps every arm of a (symbol, regime) in one item, as `<arm>.<field>` attributes, and the same in the symbol’s total', async () => {
    const decision = await openDecision({ regime: 'TREND_UP' });
    await h.reward(tradeClosedEvent(decision.decisionId, { fixture: 'trade-closed-path.json' }));
    const credits = creditsOf(h, decision, 1.35, fixturePath());

    const partition = await h.clients.documentClient.send(
      new QueryCommand({
        TableName: h.tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': keys.symbolPartition(decision.symbol) },
      }),
    );

    // The (symbol, regime) cell and the symbol's total: two items, however many arms.
    expect(partition.Items).toHaveLength(2);
    const cell = partition.Items?.find((item) => item.sk === keys.cell(decision.symbol, 'TREND_UP').sk) ?? {};
    const total = partition.Items?.find((item) => item.sk === keys.symbolTotal(decision.symbol).sk) ?? {};
    expect(credits).toHaveLength(35);
    for (const item of [cell, total]) {
      for (const credit of credits) {
        const increment = armIncrement(credit.realizedR, credit.counterfactual, false, credit.pairDiffR);
        expect(item[armAttribute(credit.arm, 'n')]).toBe(1);
        expect(item[armAttribute(credit.arm, 'sumMicro')]).toBe(increment.sumMicro);
        expect(item[armAttribute(credit.arm, 'sumSqMicro')]).toBe(increment.sumSqMicro);
        if (credit.pairDiffR !== undefined) {
          expect(item[armAttribute(credit.arm, 'pairN')]).toBe(1);
          expect(item[armAttribute(credit.arm, 'pairSumMicro')]).toBe(increment.pairSumMicro);
        }
      }
    }
  });

  it('writes the same four items whether it credits one arm or 35, each update under the 4 KB expression limit', async () => {
    const withPath = await openDecision({ regime: 'RANGE_HIGH_VOL' });
    const withoutPath = await openDecision({ regime: 'RANGE_HIGH_VOL' });
    const emptyPath = tradeClosedEvent(withoutPath.decisionId, { fixture: 'trade-closed-path.json' });
    emptyPath.detail.path = [];
    // Both shards exist after both rewards; count new items against that.
    const shardOf = (d: Decision) =>
      keys.pooledCell('RANGE_HIGH_VOL', poolShard(d.decisionId, h.config.poolShards));

    const itemsBefore35 = await h.itemCount();
    const shard35Existed = (await readItem(h, shardOf(withPath))) !== undefined;
    const all = await h.counter.during(() =>
      h.reward(tradeClosedEvent(withPath.decisionId, { fixture: 'trade-closed-path.json' })),
    );
    const new35 = (await h.itemCount()) - itemsBefore35;
    const itemsBefore1 = await h.itemCount();
    const shard1Existed = (await readItem(h, shardOf(withoutPath))) !== undefined;
    const one = await h.counter.during(() => h.reward(emptyPath));
    const new1 = (await h.itemCount()) - itemsBefore1;

    for (const { result, requests, inputs } of [all, one]) {
      expect(result.outcome).toBe('applied');
      expect(requests).toEqual(['GetItem', 'TransactWriteItems']);
      const items = (inputs[1]?.TransactItems ?? []) as { Update?: { UpdateExpression?: string } }[];
      expect(items).toHaveLength(4);
      for (const item of items)
        expect(Buffer.byteLength(item.Update?.UpdateExpression ?? '')).toBeLessThan(4096);
    }
    // Each reward created the symbol's cell and total, and its shard if none was there.
    expect(new35).toBe(shard35Existed ? 2 : 3);
    expect(new1).toBe(shard1Existed ? 2 : 3);
    const credited = async (id: string) =>
      (await h.store.getDecision(id, { consistent: true }))?.reward?.credits.length;
    expect(await credited(withPath.decisionId)).toBe(35);
    expect(await credited(withoutPath.decisionId)).toBe(1);
    const longest = Math.max(
      ...((all.inputs[1]?.TransactItems ?? []) as { Update?: { UpdateExpression?: string } }[]).map(
        (item) => item.Update?.UpdateExpression?.length ?? 0,
      ),
    );
    console.info(`a 35-arm reward: longest UpdateExpression ${longest} characters (limit 4096)`);
  });

  it('credits the same path event delivered five times in sequence once, on every arm and the pool', async () => {
    const decision = await openDecision({ regime: 'TREND_DOWN' });
    const event = tradeClosedEvent(decision.decisionId, { fixture: 'trade-closed-path.json' });
    const poolBefore = await pooledArms(h, 'TREND_DOWN');

    const outcomes = [];
    for (let i = 0; i < 5; i++) outcomes.push((await h.reward(structuredClone(event))).outcome);

    expect(outcomes).toEqual(['applied', 'duplicate', 'duplicate', 'duplicate', 'duplicate']);
    const added = incrementsOf(creditsOf(h, decision, 1.35, fixturePath()));
    expectGrewBy({}, await cellArms(h.store, decision.symbol, 'TREND_DOWN'), added);
    expectGrewBy(poolBefore, await pooledArms(h, 'TREND_DOWN'), added);
    expectGrewBy({}, await symbolTotalArms(h, decision.symbol), added);
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
    const added = incrementsOf(creditsOf(h, decision, 1.35, fixturePath()));
    expectGrewBy({}, await cellArms(h.store, decision.symbol, 'RANGE_HIGH_VOL'), added);
    expectGrewBy(poolBefore, await pooledArms(h, 'RANGE_HIGH_VOL'), added);
    expectGrewBy({}, await symbolTotalArms(h, decision.symbol), added);
  });

  it('teaches only the traded arm (and its pooled arm and total) when the path is empty', async () => {
    const decision = await openDecision({ regime: 'HIGH_VOLATILITY' });
    const event = tradeClosedEvent(decision.decisionId, { fixture: 'trade-closed-path.json' });
    event.detail.path = [];
    const poolBefore = await pooledArms(h, 'HIGH_VOLATILITY');

    expect((await h.reward(event)).outcome).toBe('applied');

    const traded = new Map([['moderate', armIncrement(1.35, false, false)]]);
    const own = await cellArms(h.store, decision.symbol, 'HIGH_VOLATILITY');
    expect(Object.keys(own)).toEqual(['moderate']);
    expectGrewBy({}, own, traded);
    expectGrewBy(poolBefore, await pooledArms(h, 'HIGH_VOLATILITY'), traded);
    expectGrewBy({}, await symbolTotalArms(h, decision.symbol), traded);
    const closed = await h.store.getDecision(decision.decisionId, { consistent: true });
    expect(closed?.reward).toMatchObject({
      cellsUpdated: 3,
      pathUsed: false,
      credits: [{ arm: 'moderate', realizedR: 1.35, counterfactual: false }],
    });
  });

  it('credits a variant traded under its own arm id', async () => {
    const decision = await openDecision({
      regime: 'RANGE_LOW_VOL',
      strategy: 'trend_rider',
      arm: 'trend_rider@sl1.5xtg2',
    });
    const event = tradeClosedEvent(decision.decisionId, { fixture: 'trade-closed-path.json' });

    expect((await h.reward(event)).outcome).toBe('applied');

    const own = await cellArms(h.store, decision.symbol, 'RANGE_LOW_VOL');
    expect(own['trend_rider@sl1.5xtg2']).toMatchObject({ count: 1, realCount: 1 });
    expect(own.trend_rider).toMatchObject({ count: 1, realCount: 0, counterfactualCount: 1 });
    expect(totalsOf(own['trend_rider@sl1.5xtg2'])).toEqual(
      incrementsOf(creditsOf(h, decision, 1.35, fixturePath())).get('trend_rider@sl1.5xtg2'),
    );
  });

  it('leaves out the arms still open where a path shorter than the horizon ends', async () => {
    const decision = await openDecision({ regime: 'ILLIQUID', strategy: 'trend_rider' });
    // Two quiet bars: no arm's stop or first target is reached, so no arm's outcome is known.
    const path = [
      { t: 1, o: 72_093.5, h: 72_120, l: 72_080, c: 72_110 },
      { t: 2, o: 72_110, h: 72_130, l: 72_100, c: 72_123.5 },
    ];
    const event = tradeClosedEvent(decision.decisionId, { detail: { realizedR: 0.2, path } });

    expect((await h.reward(event)).outcome).toBe('applied');

    const cells = await cellArms(h.store, decision.symbol, 'ILLIQUID');
    // Only the traded arm, with its real R; the others wait for bars that would tell their outcome.
    expect(Object.keys(cells)).toEqual(['trend_rider']);
    expect(totalsOf(cells.trend_rider)).toEqual(armIncrement(0.2, false, false));
    const closed = await h.store.getDecision(decision.decisionId, { consistent: true });
    expect(closed?.reward).toMatchObject({ cellsUpdated: 3, pathUsed: false });
  });

  it('credits, on a path cut before the horizon, only the arms it closed, with the R the whole path gives them', async () => {
    const decision = await openDecision({ regime: 'UNKNOWN' });
    const cut = fixturePath().slice(0, 6);
    const event = tradeClosedEvent(decision.decisionId, { detail: { path: cut } });

    expect((await h.reward(event)).outcome).toBe('applied');

    const own = await cellArms(h.store, decision.symbol, 'UNKNOWN');
    const whole = new Map(creditsOf(h, decision, 1.35, fixturePath()).map((credit) => [credit.arm, credit]));
    const credited = Object.keys(own);
    expect(credited.length).toBeGreaterThan(1);
    expect(credited.length).toBeLessThan(35);
    // trend_rider is still open after six bars: no arm is paired.
    expect(credited).not.toContain('trend_rider');
    for (const arm of credited) {
      expect(own[arm]?.pairN).toBe(0);
      if (arm !== 'moderate') expect(own[arm]?.sum).toBe(whole.get(arm)?.realizedR);
    }
  });

  it.each([
    ['more candles than MAX_CANDLES', () => randomPath(1, 72_093.5, 150, 1_001, 1_000), 'path'],
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

describe('the size of a reward crediting every arm, on DynamoDB Local', () => {
  it('commits 35 arms with every field set in one transaction of four items, each expression under 4 KB', async () => {
    const h = await createHarness(endpoint, 'reward-width', { adjustPolicy: fullInformationPooled });
    const decision = await recordOpenDecision(h.store, {
      decisionId: 'width-1',
      symbol: 'WIDE',
      regime: 'TREND_UP',
      strategy: 'moderate',
    });
    // The widest increment an arm can get: every one of its ten fields non-zero (no real reward
    // sets them all at once, so no real reward writes a longer expression).
    const widest = (k: number): ArmIncrement => ({
      n: 1,
      real: 1,
      sumMicro: -1_234_567 - k,
      sumSqMicro: 1_524_155 + k,
      wins: 1,
      losses: 1,
      explorations: 1,
      pairN: 1,
      pairSumMicro: 2_345_678 + k,
      pairSqMicro: 5_502_205 + k,
    });
    const arms = Object.fromEntries(ARM_SETS.family.map((arm, k) => [arm.id, widest(k)]));
    const shard = poolShard(decision.decisionId, h.config.poolShards);
    const itemsBefore = await h.itemCount();

    const { result, requests, inputs } = await h.counter.during(() =>
      h.store.commitReward({
        decisionId: decision.decisionId,
        reward: {
          realizedR: 1,
          closedAt: '2099-03-12T10:00:00Z',
          eventId: 'width-event',
          appliedAt: h.clock.now,
          cellsUpdated: 3 * 35,
          credits: [],
          pooledShard: shard,
          pathUsed: true,
        },
        at: h.clock.now,
        own: { symbol: 'WIDE', regime: 'TREND_UP', arms },
        pooled: { shard, regime: 'TREND_UP', arms },
      }),
    );

    expect(result).toEqual({ outcome: 'committed' });
    expect(requests).toEqual(['TransactWriteItems']);
    const items = (inputs[0]?.TransactItems ?? []) as { Update?: { UpdateExpression?: string } }[];
    expect(items).toHaveLength(4);
    const lengths = items.map((item) => Buffer.byteLength(item.Update?.UpdateExpression ?? ''));
    for (const length of lengths) expect(length).toBeLessThan(4096);
    console.info(`35 arms × 10 fields: UpdateExpressions of ${lengths.join(', ')} bytes (limit 4096)`);
    // The cell, the shard and the total are new; the decision was there.
    expect((await h.itemCount()) - itemsBefore).toBe(3);
    const added = new Map(Object.entries(arms));
    expectGrewBy({}, await cellArms(h.store, 'WIDE', 'TREND_UP'), added);
    expectGrewBy({}, await pooledArms(h, 'TREND_UP'), added);
    expectGrewBy({}, await symbolTotalArms(h, 'WIDE'), added);
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
        const path = randomPath(100 + i, 150, 2, 10 + i * 3, 1_000);
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
      creditsOf(h, decision, realizedR, path),
    );
    const expected = incrementsOf(allCredits);
    const own = await cellArms(h.store, 'SOLUSDT', 'TREND_UP');
    expectGrewBy({}, own, expected);
    expectGrewBy({}, await pooledArms(h, 'TREND_UP'), expected);
    expectGrewBy({}, await symbolTotalArms(h, 'SOLUSDT'), expected);
    for (const strategy of STRATEGY_IDS) {
      const traded = trades.filter((t) => t.decision.strategy === strategy).length;
      const credited = allCredits.filter((credit) => credit.arm === strategy).length;
      expect(own[strategy]).toMatchObject({
        count: credited,
        realCount: traded,
        counterfactualCount: credited - traded,
      });
    }
    // Paths of 10 to 55 bars at a 48-bar horizon: the long ones price every arm, the short ones
    // only those they closed.
    const counts = ARM_SETS.family.map(({ id }) => own[id]?.count ?? 0);
    expect(Math.max(...counts)).toBe(16);
    expect(Math.min(...counts)).toBeLessThan(16);
    expect(Math.min(...counts)).toBeGreaterThan(0);
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
      env: HORIZON_12,
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
      // One read: the symbol's cell, its total and every pooled shard of the regime.
      const read = inputs[0]?.RequestItems as Record<string, { Keys: unknown[] }>;
      expect(read[h.tableName]?.Keys).toHaveLength(2 + h.config.poolShards);
      return JSON.parse(result.body) as SelectResponse;
    };

    // A trade on symbol A, closed with its path: the regime's pooled arms learn every arm.
    const onA = await selectFor('AAAUSDT');
    const rewarded = await h.reward(tradeClosedEvent(onA.decisionId, { fixture: 'trade-closed-path.json' }));
    expect(rewarded.outcome).toBe('applied');
    const pool = await pooledArms(h, onA.regime.name);
    expect(Object.keys(pool)).toHaveLength(35);

    // A brand-new symbol B in the same regime: no cell of its own, the pool given to the learner.
    const onB = await selectFor('BBBUSDT');

    expect(onB.regime.name).toBe(onA.regime.name);
    const input = given.at(-1);
    expect(input?.cells).toEqual({});
    expect(input?.symbolTotal).toEqual({});
    for (const arm of Object.keys(onB.candidates)) {
      expect(input?.pooled?.[arm]).toEqual(pool[arm]);
      expect(input?.pooled?.[arm]?.count).toBe(1);
    }
    expect(Object.keys(input?.pooled ?? {}).sort()).toEqual(Object.keys(pool).sort());
    // The default learner starts the new symbol from the pool: A's outcomes, with no trade on B.
    expect(Object.values(onA.candidates).every((arm) => arm?.value === 0)).toBe(true);
    expect(Object.values(onB.candidates).some((arm) => arm?.value !== 0 && arm?.count === 0)).toBe(true);
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
      rs.map((realizedR) => ({ arm: 'scalp', realizedR, counterfactual: false })),
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
      env: HORIZON_12,
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
    expect(Object.keys(await cellArms(h.store, 'SOLO', 'TREND_UP'))).toHaveLength(35);
    expect(await pooledArms(h, 'TREND_UP')).toEqual({});
    // The decision and the one cell item: nothing else in the table.
    expect(await h.itemCount()).toBe(2);
    const closed = await h.store.getDecision('no-pool', { consistent: true });
    expect(closed?.reward).toMatchObject({ cellsUpdated: 35, pathUsed: true });
    expect(closed?.reward?.pooledShard).toBeUndefined();

    const select = await h.counter.during(() => h.select(loadEvent('select-valid.json')));
    expect(select.requests).toEqual(['BatchGetItem', 'PutItem']);
    const read = select.inputs[0]?.RequestItems as Record<string, { Keys: unknown[] }>;
    expect(read[h.tableName]?.Keys).toHaveLength(1);
  });
});
