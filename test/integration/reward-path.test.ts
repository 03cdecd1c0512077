import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { ValidationError } from '../../lib/contract/validation-error';
import { counterfactualOutcomes } from '../../lib/counterfactual';
import type { Decision } from '../../lib/decision';
import type { CellStats, ChooseInput, Learner } from '../../lib/learners/learner';
import { METRIC } from '../../lib/observability';
import type { Policy } from '../../lib/policy';
import { seededRng } from '../../lib/random';
import type { SelectResponse } from '../../lib/select-strategy';
import type { Bar } from '../../lib/simulator';
import type { CellRef, StoredCell } from '../../lib/store/selector-store';
import type { Candle, RegimeName, StrategyId } from '../../lib/types';
import { STRATEGY_IDS } from '../../lib/types';
import {
  createHarness,
  type Harness,
  loadEvent,
  recordOpenDecision,
  type TradeClosedFixture,
  tradeClosedEvent,
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

/** Every cell of a (symbol, regime), or of the regime's pool with `symbol: null`, keyed by strategy. */
async function cellsOf(h: Harness, symbol: string | null, regime: RegimeName) {
  const refs: CellRef[] = STRATEGY_IDS.map((strategy) => ({ symbol, regime, strategy }));
  const found = await h.store.readCells(refs);
  return new Map<StrategyId, StoredCell>(found.map((cell) => [cell.ref.strategy, cell]));
}

/** What the reward should credit each arm: the traded one its real R, the others the simulator's. */
function expectedRewards(decision: Decision, realizedR: number, path: readonly Bar[], horizonBars: number) {
  const outcomes = counterfactualOutcomes({
    side: decision.side,
    entry: decision.plan.entry,
    atr: decision.plan.atr,
    path,
    horizonBars,
  });
  return new Map(
    STRATEGY_IDS.map((strategy) => {
      const traded = strategy === decision.strategy;
      const r = traded ? realizedR : outcomes[strategy].realizedR;
      // DynamoDB keeps no negative zero (a SHORT at break-even simulates to −0): the reward folds 0.
      return [strategy, { realizedR: r === 0 ? 0 : r, counterfactual: !traded }];
    }),
  );
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

  it('credits all seven arms and their pooled cells with the simulator’s outcomes, in three requests', async () => {
    const decision = await openDecision({ regime: 'RANGE_LOW_VOL' });
    const event = tradeClosedEvent(decision.decisionId, { fixture: 'trade-closed-path.json' });
    const expected = expectedRewards(decision, 1.35, fixturePath(), h.config.horizonBars);

    const { result, requests } = await h.counter.during(() => h.reward(event));

    expect(result.outcome).toBe('applied');
    expect(requests).toEqual(['GetItem', 'BatchGetItem', 'TransactWriteItems']);
    // The path prices the arms differently; otherwise this test could not tell them apart.
    expect(new Set([...expected.values()].map((r) => r.realizedR)).size).toBe(7);
    for (const symbol of [decision.symbol, null]) {
      const cells = await cellsOf(h, symbol, 'RANGE_LOW_VOL');
      expect(cells.size).toBe(7);
      for (const strategy of STRATEGY_IDS) {
        const reward = expected.get(strategy);
        if (reward === undefined) throw new Error(`no expected reward for ${strategy}`);
        const cell = cells.get(strategy);
        expect(cell?.version).toBe(1);
        expect(cell?.stats).toEqual(h.policy.learner.update(undefined, { ...reward, at: h.clock.now }));
        expect(cell?.stats).toMatchObject({
          count: 1,
          lastReward: reward.realizedR,
          realCount: reward.counterfactual ? 0 : 1,
          counterfactualCount: reward.counterfactual ? 1 : 0,
        });
      }
    }
    const closed = await h.store.getDecision(decision.decisionId, { consistent: true });
    expect(closed?.reward).toMatchObject({
      realizedR: 1.35,
      cellVersion: 1,
      cellsUpdated: 14,
      pathUsed: true,
    });
  });

  it('credits the same path event delivered five times in sequence once, on every cell', async () => {
    const decision = await openDecision({ regime: 'TREND_DOWN' });
    const event = tradeClosedEvent(decision.decisionId, { fixture: 'trade-closed-path.json' });

    const outcomes = [];
    for (let i = 0; i < 5; i++) outcomes.push((await h.reward(structuredClone(event))).outcome);

    expect(outcomes).toEqual(['applied', 'duplicate', 'duplicate', 'duplicate', 'duplicate']);
    for (const symbol of [decision.symbol, null]) {
      const cells = [...(await cellsOf(h, symbol, 'TREND_DOWN')).values()];
      expect(cells.map((c) => [c.stats.count, c.version])).toEqual(STRATEGY_IDS.map(() => [1, 1]));
    }
  });

  it('credits the same path event delivered five times at once once, on every cell', async () => {
    const decision = await openDecision({ regime: 'RANGE_HIGH_VOL' });
    const event = tradeClosedEvent(decision.decisionId, { fixture: 'trade-closed-path.json' });

    const results = await Promise.all(Array.from({ length: 5 }, () => h.reward(structuredClone(event))));

    expect(results.map((r) => r.outcome).sort()).toEqual([
      'applied',
      'duplicate',
      'duplicate',
      'duplicate',
      'duplicate',
    ]);
    for (const symbol of [decision.symbol, null]) {
      const cells = [...(await cellsOf(h, symbol, 'RANGE_HIGH_VOL')).values()];
      expect(cells.map((c) => [c.stats.count, c.version])).toEqual(STRATEGY_IDS.map(() => [1, 1]));
    }
  });

  it('teaches only the traded strategy (and its pooled cell) when the path is empty', async () => {
    const decision = await openDecision({ regime: 'HIGH_VOLATILITY' });
    const event = tradeClosedEvent(decision.decisionId, { fixture: 'trade-closed-path.json' });
    event.detail.path = [];

    await h.reward(event);

    for (const symbol of [decision.symbol, null]) {
      const cells = await cellsOf(h, symbol, 'HIGH_VOLATILITY');
      expect([...cells.keys()]).toEqual(['moderate']);
    }
    const closed = await h.store.getDecision(decision.decisionId, { consistent: true });
    expect(closed?.reward).toMatchObject({ cellsUpdated: 2, pathUsed: false });
  });

  it('replays a path shorter than the horizon to its last close (end of data)', async () => {
    const decision = await openDecision({ regime: 'ILLIQUID', strategy: 'trend_rider' });
    // Two quiet bars: no profile's stop or first target is reached, all exit at the last close.
    const path = [
      { t: 1, o: 72_093.5, h: 72_120, l: 72_080, c: 72_110 },
      { t: 2, o: 72_110, h: 72_130, l: 72_100, c: 72_123.5 },
    ];
    const event = tradeClosedEvent(decision.decisionId, { detail: { realizedR: 0.2, path } });

    await h.reward(event);

    const cells = await cellsOf(h, decision.symbol, 'ILLIQUID');
    // 1R is the stop distance: defensive's stop is 1 ATR (150), so 30 above entry is 0.2 R.
    expect(cells.get('defensive')?.stats).toMatchObject({ counterfactualCount: 1 });
    expect(cells.get('defensive')?.stats.lastReward).toBeCloseTo(30 / 150, 12);
    expect(cells.get('trend_rider')?.stats).toMatchObject({ lastReward: 0.2, realCount: 1 });
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
  it('applies 16 simultaneous path rewards on one (symbol, regime): every cell counts 16 and refolds exactly in commit order', async () => {
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
        const realizedR = Math.round((rng() * 6 - 2) * 1e6) / 1e6;
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

    expect(results.every((r) => r.outcome === 'applied')).toBe(true);
    // Every reward moved all seven cells, so the traded cell's version numbers the commits.
    const closed = await Promise.all(
      trades.map((t) => h.store.getDecision(t.decision.decisionId, { consistent: true })),
    );
    const inCommitOrder = trades
      .map((trade, i) => ({ ...trade, reward: closed[i]?.reward }))
      .sort((a, b) => (a.reward?.cellVersion ?? 0) - (b.reward?.cellVersion ?? 0));
    expect(inCommitOrder.map((t) => t.reward?.cellVersion)).toEqual(
      Array.from({ length: 16 }, (_, i) => i + 1),
    );
    const replayed = new Map<StrategyId, CellStats | undefined>();
    for (const { decision, path, realizedR, reward } of inCommitOrder) {
      if (reward === undefined) throw new Error(`${decision.decisionId} was left open`);
      expect(reward).toMatchObject({ realizedR, cellsUpdated: 14, pathUsed: true });
      for (const [strategy, credit] of expectedRewards(decision, realizedR, path, h.config.horizonBars)) {
        replayed.set(
          strategy,
          h.policy.learner.update(replayed.get(strategy), { ...credit, at: reward.appliedAt }),
        );
      }
    }
    for (const symbol of ['SOLUSDT', null]) {
      const cells = await cellsOf(h, symbol, 'TREND_UP');
      for (const strategy of STRATEGY_IDS) {
        const cell = cells.get(strategy);
        const traded = trades.filter((t) => t.decision.strategy === strategy).length;
        expect(cell?.version).toBe(16);
        expect(cell?.stats).toMatchObject({ count: 16, realCount: traded, counterfactualCount: 16 - traded });
        expect(cell?.stats).toEqual(replayed.get(strategy));
        expect(cell?.stats.ema).toBe(replayed.get(strategy)?.ema);
      }
    }
    const conflicts = h.recorder.total(METRIC.rewardConflicts);
    const attempts = h.recorder.logs.map((l) => Number(l.attributes.attempts ?? 0));
    console.info(
      `16 concurrent path rewards: ${conflicts} conflicts retried, most attempts ${Math.max(...attempts)}`,
    );
  });
});

describe('pooling across symbols on DynamoDB Local', () => {
  it('shows a new symbol’s learner what the regime taught on another symbol', async () => {
    const given: ChooseInput[] = [];
    const recordingLearner = (learner: Learner): Learner => ({
      policy: learner.policy,
      update: (previous, reward) => learner.update(previous, reward),
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
      const { result, requests } = await h.counter.during(() =>
        h.select({ ...event, body: JSON.stringify(body) }),
      );
      expect(requests).toEqual(['BatchGetItem', 'PutItem']);
      return JSON.parse(result.body) as SelectResponse;
    };

    // A trade on symbol A, closed with its path: the regime's pooled cells learn every arm.
    const onA = await selectFor('AAAUSDT');
    await h.reward(tradeClosedEvent(onA.decisionId, { fixture: 'trade-closed-path.json' }));
    const pool = await cellsOf(h, null, onA.regime.name);
    expect(pool.size).toBe(7);

    // A brand-new symbol B in the same regime: no cells of its own, the pool's given to the learner.
    const onB = await selectFor('BBBUSDT');

    expect(onB.regime.name).toBe(onA.regime.name);
    const input = given.at(-1);
    expect(input?.cells).toEqual({});
    for (const strategy of Object.keys(onB.candidates) as StrategyId[]) {
      expect(input?.pooled?.[strategy]).toEqual(pool.get(strategy)?.stats);
      expect(input?.pooled?.[strategy]?.count).toBe(1);
    }
    expect(Object.keys(input?.pooled ?? {}).sort()).toEqual(Object.keys(onB.candidates).sort());
    // The default learner starts the new symbol from the pool: A's outcomes, with no trade on B.
    expect(Object.values(onA.candidates).every((arm) => arm.value === 0)).toBe(true);
    expect(Object.values(onB.candidates).some((arm) => arm.value !== 0 && arm.count === 0)).toBe(true);
    // What the learner made of them is recorded on the decision as it was answered.
    const decision = await h.store.getDecision(onB.decisionId, { consistent: true });
    expect(decision?.values).toEqual(
      h.policy.learner.choose({ ...input, rng: () => 0.5 } as ChooseInput).values,
    );
  });

  it('neither reads nor writes pooled cells for a policy that does not pool', async () => {
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

    await h.reward(tradeClosedEvent(decision.decisionId, { fixture: 'trade-closed-path.json' }));

    expect((await cellsOf(h, 'SOLO', 'TREND_UP')).size).toBe(7);
    expect((await cellsOf(h, null, 'TREND_UP')).size).toBe(0);
    const closed = await h.store.getDecision('no-pool', { consistent: true });
    expect(closed?.reward).toMatchObject({ cellsUpdated: 7, pathUsed: true });
  });
});
