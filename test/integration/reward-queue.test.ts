import { describe, expect, inject, it } from 'vitest';
import type { CellRef } from '../../lib/store/selector-store';
import { createHarness, recordOpenDecision, tradeClosedEvent } from '../helpers/selector-harness';

const endpoint = inject('dynamoEndpoint');

/** Epoch ms in the future: DynamoDB Local runs TTL, and the queue item carries the TTL attribute. */
const AT = Date.UTC(2099, 0, 1);

describe("a cell's reward queue on DynamoDB Local", () => {
  it('starts after the version seen, hands out the next places in order, and reads with the cells', async () => {
    const h = await createHarness(endpoint, 'queue-order');
    const lead: CellRef = { symbol: 'QUE', regime: 'TREND_UP', strategy: 'moderate' };

    expect(await h.store.takeTurn(lead, 5, AT)).toBe(6);
    expect(await h.store.takeTurn(lead, 5, AT + 10)).toBe(7);
    // A reward that saw the cell further on still queues behind the places already handed out.
    expect(await h.store.takeTurn(lead, 6, AT + 20)).toBe(8);

    const read = await h.store.readRewardCells([lead], lead, AT + 30);
    expect(read).toEqual({ cells: [], lastTurn: 8 });
  });

  it('hands out distinct, consecutive places to 20 rewards asking at once', async () => {
    const h = await createHarness(endpoint, 'queue-concurrent');
    const lead: CellRef = { symbol: 'QUE', regime: 'RANGE_LOW_VOL', strategy: 'scalp' };

    const places = await Promise.all(Array.from({ length: 20 }, () => h.store.takeTurn(lead, 3, AT)));

    expect([...places].sort((a, b) => (a ?? 0) - (b ?? 0))).toEqual(
      Array.from({ length: 20 }, (_, index) => 4 + index),
    );
  });

  it('starts afresh when the cell has passed every place, or when no place was handed out for 2 s', async () => {
    const h = await createHarness(endpoint, 'queue-restart');
    const lead: CellRef = { symbol: 'QUE', regime: 'TREND_DOWN', strategy: 'defensive' };
    await h.store.takeTurn(lead, 1, AT);
    await h.store.takeTurn(lead, 1, AT);

    // Places 2 and 3 were handed out; the cell is at 9 now: nobody waits before version 10.
    expect(await h.store.takeTurn(lead, 9, AT + 100)).toBe(10);
    // Place 11 handed out; 2 s later without another, the queue is idle: its places are forgotten.
    expect(await h.store.takeTurn(lead, 9, AT + 200)).toBe(11);
    expect((await h.store.readRewardCells([lead], lead, AT + 2_199)).lastTurn).toBe(11);
    expect((await h.store.readRewardCells([lead], lead, AT + 2_200)).lastTurn).toBe(0);
    expect(await h.store.takeTurn(lead, 9, AT + 2_200)).toBe(10);
  });

  it('is not a cell: stats and cell reads never see it, and a queued reward still commits once', async () => {
    const h = await createHarness(endpoint, 'queue-not-a-cell');
    const lead = { symbol: 'QNC', regime: 'RANGE_LOW_VOL', strategy: 'scalp' } as const;
    await recordOpenDecision(h.store, { decisionId: 'queued', ...lead });
    // Someone else holds places 1 and 2 (they never come): the reward queues, waits, then goes.
    await h.store.takeTurn(lead, 0, h.clock.now);
    await h.store.takeTurn(lead, 0, h.clock.now);

    const result = await h.reward(tradeClosedEvent('queued', { detail: { realizedR: 2 } }));

    expect(result.outcome).toBe('applied');
    const cells = await h.store.listSymbolCells('QNC');
    expect(cells.map((cell) => [cell.ref.strategy, cell.version, cell.stats.count])).toEqual([
      ['scalp', 1, 1],
    ]);
    expect((await h.store.readCells([lead])).map((cell) => cell.version)).toEqual([1]);
  });
});
