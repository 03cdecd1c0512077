import { describe, expect, inject, it } from 'vitest';
import { ARM_SETS, type ArmId } from '../../lib/arms';
import { type ArmIncrement, addIncrements, armIncrement, totalsOf } from '../../lib/learners/cell-stats';
import type { CellStats } from '../../lib/learners/learner';
import { METRIC } from '../../lib/observability';
import type { Policy } from '../../lib/policy';
import { seededRng } from '../../lib/random';
import { type ArmCredit, armCredits } from '../../lib/reward-credit';
import type { StrategyId } from '../../lib/types';
import { REGIMES, STRATEGY_IDS } from '../../lib/types';
import { randomPath } from '../helpers/random-path';
import {
  cellArms,
  createHarness,
  pooledArms,
  recordOpenDecision,
  tradeClosedEvent,
} from '../helpers/selector-harness';

const endpoint = inject('dynamoEndpoint');

/** Runs `tasks` with at most `limit` in flight, like a Lambda poller fanning out deliveries. */
async function inParallel<T>(tasks: (() => Promise<T>)[], limit: number): Promise<T[]> {
  const results: T[] = new Array(tasks.length);
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const index = next++;
      const task = tasks[index];
      if (task !== undefined) results[index] = await task();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
  return results;
}

/** The integer totals a cell must hold after exactly these rewards, whatever order they committed in. */
function totalsOfRewards(
  rewards: readonly { realizedR: number; counterfactual: boolean; pairDiffR?: number }[],
): ArmIncrement {
  return rewards.reduce(
    (sum, reward) =>
      addIncrements(sum, armIncrement(reward.realizedR, reward.counterfactual, false, reward.pairDiffR)),
    totalsOf(undefined),
  );
}

const fullInformationPooled = (policy: Policy): Policy => ({
  ...policy,
  fullInformation: true,
  pooling: true,
});

const attemptsOf = (logs: { attributes: Record<string, unknown> }[]) =>
  logs.map((log) => Number(log.attributes.attempts ?? 0)).filter((attempts) => attempts > 0);

describe('concurrent rewards on DynamoDB Local', () => {
  it('applies 64 simultaneous rewards on one cell, each once, with exact totals', async () => {
    const h = await createHarness(endpoint, 'reward-64', { seed: 64 });
    const ref = { symbol: 'ETHUSDT', regime: 'TREND_UP', strategy: 'ultra_aggressive' } as const;
    const rng = seededRng(6464);
    const rewards = new Map<string, number>();
    for (let i = 0; i < 64; i++) rewards.set(`hot-${i}`, rng() * 4 - 1.5);
    await Promise.all(
      [...rewards.keys()].map((decisionId) => recordOpenDecision(h.store, { decisionId, ...ref })),
    );

    const results = await Promise.all(
      [...rewards].map(([decisionId, realizedR]) =>
        h.reward(tradeClosedEvent(decisionId, { id: `event-${decisionId}`, detail: { realizedR } })),
      ),
    );

    expect(results.every((r) => r.outcome === 'applied')).toBe(true);
    const cell = (await cellArms(h.store, ref.symbol, ref.regime))[ref.strategy];
    const expected = totalsOfRewards(
      [...rewards.values()].map((realizedR) => ({ realizedR, counterfactual: false })),
    );
    expect(totalsOf(cell)).toEqual(expected);
    // The audit: each closed decision records the R it added, and they sum to the cell.
    const closed = await Promise.all(
      [...rewards.keys()].map((id) => h.store.getDecision(id, { consistent: true })),
    );
    const audited = closed.map((decision) => decision?.reward?.credits[0]);
    expect(
      totalsOfRewards(audited.map((credit) => credit ?? { realizedR: Number.NaN, counterfactual: false })),
    ).toEqual(expected);
    console.info(
      `64 concurrent rewards on one cell: ${h.recorder.total(METRIC.rewardConflicts)} conflicts resent, most attempts ${Math.max(...attemptsOf(h.recorder.logs))}`,
    );
  });

  // 256 rewards of 35 arms each, then 256 cell reads: about 26 s on DynamoDB Local alone.
  it('applies 256 simultaneous path rewards on 256 symbols of one regime: every pooled arm exact, none past 10 attempts', {
    timeout: 120_000,
  }, async () => {
    // A 12-bar horizon: every path (12 bars or more) prices every arm of the family.
    const h = await createHarness(endpoint, 'reward-256', {
      seed: 256,
      env: { TRADE_HORIZON_BARS: '12' },
      adjustPolicy: fullInformationPooled,
    });
    const regime = 'TREND_DOWN' as const;
    const rng = seededRng(256);
    const trades = await Promise.all(
      Array.from({ length: 256 }, async (_, i) => {
        const strategy = STRATEGY_IDS[i % STRATEGY_IDS.length] as StrategyId;
        const decision = await recordOpenDecision(h.store, {
          decisionId: `burst-${i}`,
          symbol: `SYM${String(i).padStart(3, '0')}`,
          regime,
          strategy,
          entry: 50 + i,
          atr: 0.5,
          lastCandleAt: 1_000,
        });
        const path = randomPath(1_000 + i, decision.plan.entry, 0.5, 12 + (i % 30), 2_000);
        return { decision, path, realizedR: Math.round((rng() * 3 - 1) * 1e4) / 1e4 };
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

    expect(results.filter((r) => r.outcome === 'applied')).toHaveLength(256);
    const expectedPool = new Map<ArmId, ArmCredit[]>();
    for (const { decision, path, realizedR } of trades) {
      const credits = armCredits(
        { side: decision.side, plan: decision.plan, arm: decision.arm.id },
        realizedR,
        path,
        h.config.horizonBars,
        h.policy.arms,
      );
      expect(credits).toHaveLength(35);
      for (const credit of credits)
        expectedPool.set(credit.arm, [...(expectedPool.get(credit.arm) ?? []), credit]);
      // Each symbol's own cell holds exactly its one trade.
      const own = await cellArms(h.store, decision.symbol, regime);
      for (const credit of credits) expect(totalsOf(own[credit.arm])).toEqual(totalsOfRewards([credit]));
    }
    const pooled = await pooledArms(h, regime);
    for (const { id } of ARM_SETS.family) {
      expect(totalsOf(pooled[id] as CellStats)).toEqual(totalsOfRewards(expectedPool.get(id) ?? []));
    }
    const attempts = attemptsOf(h.recorder.logs);
    console.info(
      `256 concurrent path rewards on 256 symbols: ${h.recorder.total(METRIC.rewardConflicts)} conflicts resent, most attempts ${Math.max(...attempts)}`,
    );
    expect(Math.max(...attempts)).toBeLessThanOrEqual(10);
  });

  it('totals 1,000 deliveries (200 trades × 5 duplicates) across 20 cells exactly', async () => {
    const h = await createHarness(endpoint, 'reward-1000', { seed: 1000 });
    const rng = seededRng(1000);
    const cells = Array.from({ length: 20 }, (_, i) => ({
      symbol: `SYM${i % 4}`,
      regime: REGIMES[i % 5] ?? 'UNKNOWN',
      strategy: STRATEGY_IDS[Math.floor(i / 5) + 1] ?? 'moderate',
    }));
    const expected = new Map(
      cells.map((_, i) => [i, [] as { realizedR: number; counterfactual: boolean }[]]),
    );
    const deliveries: (() => Promise<unknown>)[] = [];
    const recorded: Promise<unknown>[] = [];
    for (let trade = 0; trade < 200; trade++) {
      const cellIndex = trade % 20;
      const cell = cells[cellIndex];
      if (cell === undefined) throw new Error('cell index out of range');
      const decisionId = `trade-${trade}`;
      recorded.push(recordOpenDecision(h.store, { decisionId, ...cell }));
      // Any R: the cells sum on a fixed grid, so totals do not depend on the order of commits.
      const realizedR = rng() * 4 - 1.8;
      expected.get(cellIndex)?.push({ realizedR, counterfactual: false });
      const event = tradeClosedEvent(decisionId, { id: `evt-${trade}`, detail: { realizedR } });
      for (let copy = 0; copy < 5; copy++) deliveries.push(() => h.reward(structuredClone(event)));
    }
    await Promise.all(recorded);
    // Shuffle deliveries (seeded) so that duplicates arrive both together and far apart.
    for (let i = deliveries.length - 1; i > 0; i--) {
      const j = Math.floor(rng() * (i + 1));
      [deliveries[i], deliveries[j]] = [
        deliveries[j] as () => Promise<unknown>,
        deliveries[i] as () => Promise<unknown>,
      ];
    }

    const outcomes = (await inParallel(deliveries, 50)) as { outcome: string }[];

    expect(outcomes.filter((o) => o.outcome === 'applied')).toHaveLength(200);
    expect(outcomes.filter((o) => o.outcome === 'duplicate')).toHaveLength(800);
    for (const [index, cell] of cells.entries()) {
      const stored = (await cellArms(h.store, cell.symbol, cell.regime))[cell.strategy];
      expect(totalsOf(stored)).toEqual(totalsOfRewards(expected.get(index) ?? []));
    }
    expect(h.recorder.total(METRIC.rewardsApplied)).toBe(200);
    expect(h.recorder.total(METRIC.rewardDuplicates)).toBe(800);
  });
});
