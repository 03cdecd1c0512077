import { describe, expect, inject, it } from 'vitest';
import { updateCellStats } from '../../lib/learners/cell-stats';
import type { CellRef, CellWrite } from '../../lib/store/selector-store';
import { createHarness, recordOpenDecision, tradeClosedEvent } from '../helpers/selector-harness';

const endpoint = inject('dynamoEndpoint');

const reward = (decisionId: string, cellVersion: number) => ({
  realizedR: 1,
  closedAt: '2024-03-12T11:00:00Z',
  eventId: `event-${decisionId}`,
  cellVersion,
  appliedAt: 0,
  cellsUpdated: 2,
  pathUsed: false,
});

/** A cell's new state computed from `expectedVersion`, as the reward use case writes it. */
const write = (ref: CellRef, expectedVersion: number, realizedR: number): CellWrite => ({
  ref,
  expectedVersion,
  stats: updateCellStats(undefined, { realizedR, at: 0, counterfactual: false }, 0.2),
  explorations: 0,
});

describe('a failed reward commit on DynamoDB Local', () => {
  it('reports each cell: moved (with the cell as it is now), as expected, or unknown when it is gone', async () => {
    const h = await createHarness(endpoint, 'reward-report');
    const moved = { symbol: 'REP', regime: 'RANGE_LOW_VOL', strategy: 'scalp' } as const;
    const held: CellRef = { ...moved, strategy: 'moderate' };
    const gone: CellRef = { ...moved, strategy: 'defensive' };
    await recordOpenDecision(h.store, { decisionId: 'first', ...moved });
    await recordOpenDecision(h.store, { decisionId: 'second', ...moved });
    const first = await h.store.commitReward({
      decisionId: 'first',
      reward: reward('first', 1),
      cells: [write(moved, 0, 2), write(held, 0, -1)],
    });
    expect(first).toEqual({ outcome: 'committed' });

    // `moved` expected absent but exists, `held` expected at 1 and is, `gone` expected at 4 but absent.
    const second = await h.store.commitReward({
      decisionId: 'second',
      reward: reward('second', 1),
      cells: [write(moved, 0, 3), write(held, 1, 3), write(gone, 4, 3)],
    });

    const [stored] = await h.store.readCells([moved]);
    expect(second).toEqual({
      outcome: 'conflict',
      reason: 'version',
      cells: [{ state: 'moved', cell: stored }, { state: 'as-expected' }, { state: 'unknown' }],
    });
    expect(stored).toMatchObject({ version: 1, stats: { count: 1, ema: 2 } });
    expect((await h.store.getDecision('second', { consistent: true }))?.status).toBe('OPEN');
  });

  it('lets the loser of a race take a place in the cell’s queue and retry with one more transaction and no read, folding on the winner’s state', async () => {
    const h = await createHarness(endpoint, 'reward-retry', { seed: 7 });
    const ref = { symbol: 'RETRY', regime: 'TREND_DOWN', strategy: 'moderate' } as const;
    await recordOpenDecision(h.store, { decisionId: 'winner', ...ref });
    await recordOpenDecision(h.store, { decisionId: 'loser', ...ref });
    // The winner commits between the loser's read and the loser's first transaction.
    let raced = false;
    const original = h.store.commitReward.bind(h.store);
    h.store.commitReward = async (commit) => {
      if (!raced) {
        raced = true;
        await h.applyReward({
          decisionId: 'winner',
          eventId: 'winner-event',
          closedAt: '2024-03-12T11:00:00Z',
          realizedR: -1,
        });
      }
      return original(commit);
    };

    const { result, requests } = await h.counter.during(() =>
      h.reward(tradeClosedEvent('loser', { id: 'loser-event', detail: { realizedR: 2 } })),
    );

    expect(result).toEqual({ outcome: 'applied', decisionId: 'loser' });
    // Winner: GetItem, BatchGetItem, TransactWriteItems. Loser: the same, then its place in the
    // queue (nobody else waits: its turn is now) and one more transaction.
    expect([...requests].sort()).toEqual(
      [
        'GetItem',
        'BatchGetItem',
        'TransactWriteItems',
        'GetItem',
        'BatchGetItem',
        'TransactWriteItems',
        'UpdateItem',
        'TransactWriteItems',
      ].sort(),
    );
    const loser = await h.store.getDecision('loser', { consistent: true });
    expect(loser?.reward?.cellVersion).toBe(2);
    const [cell] = await h.store.readCells([ref]);
    const alpha = h.config.learner.alpha;
    const afterWinner = updateCellStats(
      undefined,
      { realizedR: -1, at: h.clock.now, counterfactual: false },
      alpha,
    );
    expect(cell?.version).toBe(2);
    expect(cell?.stats).toEqual(
      updateCellStats(afterWinner, { realizedR: 2, at: h.clock.now, counterfactual: false }, alpha),
    );
  });
});
