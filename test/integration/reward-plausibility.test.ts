import { beforeAll, describe, expect, inject, it } from 'vitest';
import { totalsOf } from '../../lib/learners/cell-stats';
import { METRIC } from '../../lib/observability';
import type { ImplausibleReason } from '../../lib/plausibility';
import type { Candle } from '../../lib/types';
import {
  CLOSED_AT,
  cellArms,
  createHarness,
  type Harness,
  NOW_MS,
  pooledArms,
  recordOpenDecision,
  tradeClosedEvent,
} from '../helpers/selector-harness';

const endpoint = inject('dynamoEndpoint');

/** The decisions here: a LONG `moderate` at 100,000 with an ATR of 100 (reach −1 to +3.15 R), last candle at t = 5,000. */
const ENTRY = 100_000;
const LAST_CANDLE_AT = 5_000;

const pathFrom = (t0: number): Candle[] =>
  Array.from({ length: 5 }, (_, i) => ({ t: t0 + i, o: ENTRY, h: ENTRY + 50, l: ENTRY - 50, c: ENTRY + 10 }));

interface ImplausibleCase {
  kind: string;
  reason: ImplausibleReason;
  detail: Record<string, unknown>;
}

const CASES: ImplausibleCase[] = [
  { kind: 'realizedR −1000', reason: 'r-beyond-bound', detail: { realizedR: -1000 } },
  { kind: 'realizedR 1e6', reason: 'r-beyond-bound', detail: { realizedR: 1e6 } },
  {
    kind: 'realizedR 1e300 (no number the store holds)',
    reason: 'r-beyond-bound',
    detail: { realizedR: 1e300 },
  },
  {
    kind: 'realizedR 8, beyond every target filled',
    reason: 'r-beyond-plan-reach',
    detail: { realizedR: 8 },
  },
  {
    kind: 'realizedR −4.5, beyond the stop and the 3 ATR gap allowance',
    reason: 'r-beyond-plan-reach',
    detail: { realizedR: -4.5 },
  },
  {
    kind: 'exitPrice 50× the entry',
    reason: 'r-beyond-bound',
    detail: { realizedR: undefined, exitPrice: ENTRY * 50 },
  },
  {
    kind: 'exitPrice far beyond the last target beside a plausible realizedR',
    reason: 'exit-price-beyond-plan-reach',
    detail: { realizedR: 1, exitPrice: ENTRY * 1.5 },
  },
  {
    kind: 'closedAt in 1970',
    reason: 'closed-before-decision',
    detail: { closedAt: '1970-01-02T00:00:00Z' },
  },
  {
    kind: 'closedAt a day after the clock',
    reason: 'closed-in-future',
    detail: { closedAt: new Date(NOW_MS + 86_400_000).toISOString() },
  },
  {
    kind: 'a path of candles from before the decision',
    reason: 'path-before-decision',
    detail: { realizedR: 0.5, path: pathFrom(LAST_CANDLE_AT - 10) },
  },
  {
    kind: 'a path that jumps to another market after its first bar',
    reason: 'path-off-market',
    detail: {
      realizedR: 0.5,
      path: [
        { t: LAST_CANDLE_AT + 1, o: ENTRY, h: ENTRY + 50, l: ENTRY - 50, c: ENTRY },
        { t: LAST_CANDLE_AT + 2, o: 1e6, h: 1e6, l: 1e6, c: 1e6 },
      ],
    },
  },
  {
    kind: 'a path of another market (prices 50× the entry)',
    reason: 'path-off-market',
    detail: {
      realizedR: 0.5,
      path: [{ t: LAST_CANDLE_AT + 1, o: ENTRY * 50, h: ENTRY * 51, l: ENTRY * 49, c: ENTRY * 50 }],
    },
  },
];

describe('implausible rewards on DynamoDB Local', () => {
  let h: Harness;
  let seq = 0;
  const openDecision = () =>
    recordOpenDecision(h.store, {
      decisionId: `implausible-${++seq}`,
      symbol: `BAD${seq}`,
      regime: 'RANGE_LOW_VOL',
      strategy: 'moderate',
      entry: ENTRY,
      atr: 100,
      lastCandleAt: LAST_CANDLE_AT,
    });

  beforeAll(async () => {
    h = await createHarness(endpoint, 'reward-implausible');
  });

  it('covers every reason the checks give', () => {
    expect(new Set(CASES.map((c) => c.reason)).size).toBe(7);
  });

  it.each(CASES)(
    '$kind: marks the decision REJECTED ($reason) and changes no learner cell',
    async (input) => {
      const decision = await openDecision();
      const itemsBefore = await h.itemCount();
      const metricsBefore = h.recorder.metrics.length;
      const event = tradeClosedEvent(decision.decisionId, {
        id: `event-${decision.decisionId}`,
        detail: input.detail,
      });

      const result = await h.reward(event);

      expect(result).toEqual({
        outcome: 'implausible',
        decisionId: decision.decisionId,
        reason: input.reason,
      });
      const stored = await h.store.getDecision(decision.decisionId, { consistent: true });
      expect(stored?.status).toBe('REJECTED');
      expect(stored?.rejection).toMatchObject({ reason: input.reason, eventId: event.id });
      expect(stored?.rejection?.message.length).toBeGreaterThan(10);
      expect(stored?.reward).toBeUndefined();
      // Nothing was added anywhere: no cell of the symbol, no pooled shard, no new item.
      expect(await cellArms(h.store, decision.symbol, 'RANGE_LOW_VOL')).toEqual({});
      expect(await pooledArms(h, 'RANGE_LOW_VOL')).toEqual({});
      expect(await h.itemCount()).toBe(itemsBefore);
      expect(h.recorder.metrics.slice(metricsBefore)).toContainEqual({
        name: METRIC.rewardImplausible,
        unit: 'Count',
        value: 1,
        dimensions: { reason: input.reason },
      });

      // Delivered again, it was judged already: a duplicate, and counted once.
      expect(await h.reward(structuredClone(event))).toEqual({
        outcome: 'duplicate',
        decisionId: decision.decisionId,
      });
      expect(
        h.recorder.metrics.slice(metricsBefore).filter((m) => m.name === METRIC.rewardImplausible),
      ).toHaveLength(1);
      expect(await cellArms(h.store, decision.symbol, 'RANGE_LOW_VOL')).toEqual({});
    },
  );

  it('keeps a reported number the store cannot hold as text on the rejection', async () => {
    const decision = await openDecision();
    await h.reward(tradeClosedEvent(decision.decisionId, { detail: { realizedR: 1e300 } }));
    const stored = await h.store.getDecision(decision.decisionId, { consistent: true });
    expect(stored?.rejection?.reported).toEqual({ realizedR: '1e+300' });
  });

  it('credits a rejected reward re-published with an override, and records the operator’s reason', async () => {
    const decision = await openDecision();
    await h.reward(tradeClosedEvent(decision.decisionId, { id: 'first', detail: { realizedR: 7 } }));
    const overridden = tradeClosedEvent(decision.decisionId, {
      id: 'override',
      detail: { realizedR: 7, override: { reason: 'gap on a news candle, fills confirmed by the exchange' } },
    });

    const result = await h.reward(overridden);

    expect(result.outcome).toBe('applied');
    const stored = await h.store.getDecision(decision.decisionId, { consistent: true });
    expect(stored?.status).toBe('CLOSED');
    expect(stored?.reward).toMatchObject({
      realizedR: 7,
      override: 'gap on a news candle, fills confirmed by the exchange',
    });
    // The refusal stays on record beside the reward that closed it.
    expect(stored?.rejection?.reason).toBe('r-beyond-plan-reach');
    expect(totalsOf((await cellArms(h.store, decision.symbol, 'RANGE_LOW_VOL')).moderate)).toMatchObject({
      n: 1,
      sumMicro: 7_000_000,
    });
  });

  it('still refuses beyond ±1000 R with an override: no cell could hold its square exactly', async () => {
    const decision = await openDecision();
    const result = await h.reward(
      tradeClosedEvent(decision.decisionId, { detail: { realizedR: 5000, override: { reason: 'sure' } } }),
    );
    expect(result).toMatchObject({ outcome: 'implausible', reason: 'r-beyond-bound' });
    expect(await cellArms(h.store, decision.symbol, 'RANGE_LOW_VOL')).toEqual({});
  });

  it('lets a later plausible event close a decision an implausible one marked REJECTED', async () => {
    const decision = await openDecision();
    await h.reward(tradeClosedEvent(decision.decisionId, { id: 'typo', detail: { realizedR: -1000 } }));
    const result = await h.reward(
      tradeClosedEvent(decision.decisionId, { id: 'fixed', detail: { realizedR: -1 } }),
    );
    expect(result.outcome).toBe('applied');
    const stored = await h.store.getDecision(decision.decisionId, { consistent: true });
    expect(stored).toMatchObject({ status: 'CLOSED', reward: { realizedR: -1, eventId: 'fixed' } });
  });
});

describe('plausible edge cases on DynamoDB Local', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness(endpoint, 'reward-edges');
  });

  it('accepts the smallest valid event, { decisionId, realizedR }: its close time is the event’s time', async () => {
    const decision = await recordOpenDecision(h.store, {
      decisionId: 'minimal',
      symbol: 'MIN',
      regime: 'TREND_UP',
      strategy: 'moderate',
    });
    const event = { ...tradeClosedEvent('minimal'), detail: { decisionId: 'minimal', realizedR: 1.5 } };

    const result = await h.reward(event);

    expect(result.outcome).toBe('applied');
    const stored = await h.store.getDecision(decision.decisionId, { consistent: true });
    expect(stored?.reward).toMatchObject({ realizedR: 1.5, closedAt: CLOSED_AT });
  });

  it('credits realizedR 1e-140 as exactly 0 (the cells keep 1e-6 R), with no store error', async () => {
    await recordOpenDecision(h.store, {
      decisionId: 'tiny',
      symbol: 'TINY',
      regime: 'TREND_UP',
      strategy: 'moderate',
    });

    const result = await h.reward(tradeClosedEvent('tiny', { detail: { realizedR: 1e-140 } }));

    expect(result.outcome).toBe('applied');
    const stored = await h.store.getDecision('tiny', { consistent: true });
    expect(stored?.reward?.realizedR).toBe(0);
    expect(totalsOf((await cellArms(h.store, 'TINY', 'TREND_UP')).moderate)).toMatchObject({
      n: 1,
      sumMicro: 0,
      wins: 0,
      losses: 0,
    });
  });

  it('accepts a loss gapped through the stop within the allowance (−3.9 R: 2.9 ATR beyond a 1 ATR stop)', async () => {
    await recordOpenDecision(h.store, {
      decisionId: 'gap',
      symbol: 'GAP',
      regime: 'TREND_UP',
      strategy: 'moderate',
    });
    expect((await h.reward(tradeClosedEvent('gap', { detail: { realizedR: -3.9 } }))).outcome).toBe(
      'applied',
    );
  });
});
