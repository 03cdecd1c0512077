import { describe, expect, inject, it } from 'vitest';
import { updateCellStats } from '../../lib/learners/cell-stats';
import type { CellStats } from '../../lib/learners/learner';
import { METRIC } from '../../lib/observability';
import { seededRng } from '../../lib/random';
import { REGIMES, STRATEGY_IDS } from '../../lib/types';
import { createHarness, recordOpenDecision, tradeClosedEvent } from '../helpers/selector-harness';

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

describe('concurrent rewards on DynamoDB Local', () => {
  it('applies 64 simultaneous rewards on one cell, each once, in an auditable commit order', async () => {
    const h = await createHarness(endpoint, 'reward-64', { seed: 64 });
    const ref = { symbol: 'ETHUSDT', regime: 'TREND_UP', strategy: 'ultra_aggressive' } as const;
    const rng = seededRng(6464);
    const rewards = new Map<string, number>();
    for (let i = 0; i < 64; i++) rewards.set(`hot-${i}`, Math.round((rng() * 6 - 2) * 1e6) / 1e6);
    await Promise.all(
      [...rewards.keys()].map((decisionId) => recordOpenDecision(h.store, { decisionId, ...ref })),
    );

    const results = await Promise.all(
      [...rewards].map(([decisionId, realizedR]) =>
        h.reward(tradeClosedEvent(decisionId, { id: `event-${decisionId}`, detail: { realizedR } })),
      ),
    );

    expect(results.every((r) => r.outcome === 'applied')).toBe(true);
    const [cell] = await h.store.readCells([ref]);
    expect(cell?.stats.count).toBe(64);
    expect(cell?.version).toBe(64);

    // Replay: the versions recorded on the closed decisions give the commit order.
    const closed = await Promise.all(
      [...rewards.keys()].map((id) => h.store.getDecision(id, { consistent: true })),
    );
    const versions = closed.map((d) => d?.reward?.cellVersion ?? 0).sort((a, b) => a - b);
    expect(versions).toEqual(Array.from({ length: 64 }, (_, i) => i + 1));
    let replayed: CellStats | undefined;
    for (const decision of [...closed].sort(
      (a, b) => (a?.reward?.cellVersion ?? 0) - (b?.reward?.cellVersion ?? 0),
    )) {
      const reward = decision?.reward;
      if (reward === undefined) throw new Error('a decision was left open');
      expect(reward.realizedR).toBe(rewards.get(decision?.decisionId ?? ''));
      replayed = updateCellStats(
        replayed,
        { realizedR: reward.realizedR, at: reward.appliedAt, counterfactual: false },
        h.config.learner.alpha,
      );
    }
    expect(cell?.stats).toEqual(replayed);
    expect(cell?.stats.ema).toBe(replayed?.ema);

    const conflicts = h.recorder.total(METRIC.rewardConflicts);
    const attempts = h.recorder.logs.map((l) => Number(l.attributes.attempts ?? 0));
    console.info(
      `64 concurrent rewards: ${conflicts} conflicts retried, most attempts ${Math.max(...attempts)}`,
    );
    expect(conflicts).toBeGreaterThan(0);
  });

  it('totals 1,000 deliveries (200 trades × 5 duplicates) across 20 cells exactly', async () => {
    const h = await createHarness(endpoint, 'reward-1000', { seed: 1000 });
    const rng = seededRng(1000);
    // Quarter-R rewards are exact in binary, so sums do not depend on the order they commit in.
    const quarterR = () => (Math.floor(rng() * 25) - 8) / 4;
    const cells = Array.from({ length: 20 }, (_, i) => ({
      symbol: `SYM${i % 4}`,
      regime: REGIMES[i % 5] ?? 'UNKNOWN',
      strategy: STRATEGY_IDS[Math.floor(i / 5) + 1] ?? 'moderate',
    }));
    const expected = new Map(cells.map((_, i) => [i, { count: 0, totalR: 0, wins: 0, losses: 0 }]));
    const deliveries: (() => Promise<unknown>)[] = [];
    const recorded: Promise<unknown>[] = [];
    for (let trade = 0; trade < 200; trade++) {
      const cellIndex = trade % 20;
      const cell = cells[cellIndex];
      if (cell === undefined) throw new Error('cell index out of range');
      const decisionId = `trade-${trade}`;
      recorded.push(recordOpenDecision(h.store, { decisionId, ...cell }));
      const realizedR = quarterR();
      const totals = expected.get(cellIndex);
      if (totals) {
        totals.count += 1;
        totals.totalR += realizedR;
        totals.wins += realizedR > 0 ? 1 : 0;
        totals.losses += realizedR < 0 ? 1 : 0;
      }
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
    const stored = await h.store.readCells(cells);
    for (const [index, cell] of cells.entries()) {
      const found = stored.find(
        (s) =>
          s.ref.symbol === cell.symbol && s.ref.regime === cell.regime && s.ref.strategy === cell.strategy,
      );
      expect(found?.stats).toMatchObject(expected.get(index) ?? {});
      expect(found?.version).toBe(10);
    }
    expect(h.recorder.total(METRIC.rewardsApplied)).toBe(200);
    expect(h.recorder.total(METRIC.rewardDuplicates)).toBe(800);
  });
});
