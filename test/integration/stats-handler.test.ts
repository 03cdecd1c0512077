import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import type { ArmSpec } from '../../lib/arms';
import type { SelectResponse } from '../../lib/select-strategy';
import { poolShard } from '../../lib/store/table';
import { STRATEGY_IDS } from '../../lib/types';
import {
  CLOSED_AT,
  createHarness,
  type Harness,
  loadEvent,
  NOW_MS,
  recordOpenDecision,
  tradeClosedEvent,
} from '../helpers/selector-harness';

const endpoint = inject('dynamoEndpoint');

const json = (response: { body: string }) => JSON.parse(response.body);

/** The decision-lookup fixture pointed at `decisionId`. */
function decisionEvent(decisionId: string): APIGatewayProxyEventV2 {
  const event = loadEvent<APIGatewayProxyEventV2>('stats-decision.json');
  return {
    ...event,
    rawPath: `/v1/decisions/${decisionId}`,
    pathParameters: { decisionId },
    requestContext: {
      ...event.requestContext,
      http: { ...event.requestContext.http, path: `/v1/decisions/${decisionId}` },
    },
  };
}

describe('stats handler (GET /v1/strategies, /v1/stats, /v1/decisions/{id}) on DynamoDB Local', () => {
  let h: Harness;
  let selected: SelectResponse;

  beforeAll(async () => {
    h = await createHarness(endpoint, 'stats');
    selected = json(await h.select(loadEvent('select-valid.json')));
  });

  it('lists the seven profiles in profile order without touching the table', async () => {
    const { result, requests } = await h.counter.during(() => h.stats(loadEvent('stats-strategies.json')));
    expect(result.statusCode).toBe(200);
    expect(json(result).strategies.map((p: { id: string }) => p.id)).toEqual([...STRATEGY_IDS]);
    expect(requests).toEqual([]);
  });

  it("lists the running policy's arms: the seven, then the scaled variants, each with its scales", async () => {
    const arms = json(await h.stats(loadEvent('stats-strategies.json'))).arms as ArmSpec[];
    expect(arms).toEqual([...h.policy.arms]);
    expect(arms.slice(0, 7).map((arm) => arm.id)).toEqual([...STRATEGY_IDS]);
    expect(arms).toContainEqual({
      id: 'trend_rider@sl2xtg1',
      base: 'trend_rider',
      slScale: 2,
      targetScale: 1,
    });
  });

  it('shows an OPEN decision, then the same decision CLOSED with its R', async () => {
    const open = await h.stats(decisionEvent(selected.decisionId));
    expect(open.statusCode).toBe(200);
    expect(json(open)).toMatchObject({
      decisionId: selected.decisionId,
      status: 'OPEN',
      strategy: selected.strategy,
      propensity: selected.propensity,
      plan: { entry: selected.plan.entry, stopLoss: selected.plan.stopLoss },
      createdAt: new Date(NOW_MS).toISOString(),
      reward: null,
    });

    const event = tradeClosedEvent(selected.decisionId);
    await h.reward(event);

    const { result: closed, requests } = await h.counter.during(() =>
      h.stats(decisionEvent(selected.decisionId)),
    );
    expect(requests).toEqual(['GetItem']);
    expect(json(closed)).toMatchObject({
      status: 'CLOSED',
      reward: {
        realizedR: 2.4,
        closedAt: CLOSED_AT,
        tradeId: 'bot-7-000123',
        eventId: event.id,
        appliedAt: new Date(NOW_MS).toISOString(),
        credits: [{ arm: selected.arm.id, realizedR: 2.4, counterfactual: false }],
        pathUsed: false,
      },
    });
    expect(json(closed).reward.pooledShard).toBe(
      h.policy.pooling ? poolShard(selected.decisionId, h.config.poolShards) : undefined,
    );
  });

  it('shows a decision whose reward was refused as REJECTED, with the reason and no reward', async () => {
    const decision = await recordOpenDecision(h.store, {
      decisionId: 'stats-refused',
      symbol: 'REFUSED',
      regime: 'TREND_UP',
      strategy: 'moderate',
    });
    const outcome = await h.reward(
      tradeClosedEvent(decision.decisionId, { id: 'too-good', detail: { realizedR: 50 } }),
    );
    expect(outcome).toMatchObject({ outcome: 'implausible', reason: 'r-beyond-bound' });

    const result = await h.stats(decisionEvent(decision.decisionId));

    expect(result.statusCode).toBe(200);
    expect(json(result)).toMatchObject({
      status: 'REJECTED',
      reward: null,
      rejection: { reason: 'r-beyond-bound', eventId: 'too-good', reported: { realizedR: '50' } },
    });
    expect(json(result).rejection.message).toContain('50');
    const symbol = loadEvent<APIGatewayProxyEventV2>('stats-symbol.json');
    const stats = await h.stats({ ...symbol, queryStringParameters: { symbol: 'REFUSED' } });
    expect(json(stats)).toEqual({ symbol: 'REFUSED', regimes: {} });
  });

  it('shows the learned values of the symbol per regime and strategy in one query', async () => {
    const { result, requests } = await h.counter.during(() => h.stats(loadEvent('stats-symbol.json')));
    expect(result.statusCode).toBe(200);
    expect(requests).toEqual(['Query']);
    const body = json(result);
    expect(body.symbol).toBe('BTCUSDT');
    const regime = body.regimes[selected.regime.name];
    expect(regime).toMatchObject({ rewards: 1, explorations: selected.explored ? 1 : 0 });
    expect(regime.strategies[selected.strategy]).toEqual({
      value: 2.4,
      mean: 2.4,
      // One reward: no spread yet.
      sdR: 0,
      // The seed's EMA, which only LEARNER=seed writes.
      ema: h.policy.learner.emaAlpha === undefined ? 0 : 2.4,
      count: 1,
      realCount: 1,
      counterfactualCount: 0,
      wins: 1,
      losses: 0,
      totalR: 2.4,
      lastUpdate: new Date(NOW_MS).toISOString(),
      explorations: selected.explored ? 1 : 0,
    });
    expect(Object.keys(regime.strategies)).toEqual([selected.strategy]);
  });

  it('shows the mean and the spread of several rewards, and only the seed’s EMA under LEARNER=seed', async () => {
    const seed = await createHarness(endpoint, 'stats-seed', { env: { LEARNER: 'seed' } });
    const rs = [2, -1, 0.5];
    for (const [i, realizedR] of rs.entries()) {
      await recordOpenDecision(seed.store, {
        decisionId: `spread-${i}`,
        symbol: 'SPREAD',
        regime: 'RANGE_LOW_VOL',
        strategy: 'scalp',
      });
      await seed.reward(tradeClosedEvent(`spread-${i}`, { id: `spread-event-${i}`, detail: { realizedR } }));
    }
    const event = loadEvent<APIGatewayProxyEventV2>('stats-symbol.json');

    const body = json(await seed.stats({ ...event, queryStringParameters: { symbol: 'SPREAD' } }));

    const alpha = seed.config.learner.alpha;
    const ema = (1 - alpha) * ((1 - alpha) * 2 + alpha * -1) + alpha * 0.5;
    const mean = 1.5 / 3;
    const sdR = Math.sqrt(rs.reduce((sum, r) => sum + (r - mean) ** 2, 0) / 2);
    const arm = body.regimes.RANGE_LOW_VOL.strategies.scalp;
    expect(arm).toMatchObject({ value: mean, mean, count: 3, wins: 2, losses: 1, totalR: 1.5 });
    expect(arm.sdR).toBeCloseTo(sdR, 12);
    expect(arm.ema).toBeCloseTo(ema, 12);
  });

  it('answers an empty map for a symbol never rewarded', async () => {
    const event = loadEvent<APIGatewayProxyEventV2>('stats-symbol.json');
    const result = await h.stats({ ...event, queryStringParameters: { symbol: 'NEVERSEEN' } });
    expect(json(result)).toEqual({ symbol: 'NEVERSEEN', regimes: {} });
  });

  it.each([
    ['missing', undefined],
    ['empty', ''],
    ['with a key separator', 'BTC#USDT'],
  ])('answers 400 naming symbol when the symbol is %s', async (_kind, symbol) => {
    const event = loadEvent<APIGatewayProxyEventV2>('stats-symbol.json');
    const result = await h.stats({
      ...event,
      rawQueryString: '',
      queryStringParameters: symbol === undefined ? undefined : { symbol },
    });
    expect(result.statusCode).toBe(400);
    expect(json(result)).toMatchObject({ error: 'ValidationError', issues: [{ path: 'symbol' }] });
  });

  it('answers 404 for an unknown decision (the fixture’s id was never recorded)', async () => {
    const result = await h.stats(loadEvent('stats-decision.json'));
    expect(result.statusCode).toBe(404);
    expect(json(result)).toEqual({
      error: 'NotFound',
      message: 'Decision 0b8f3c52-7a4e-4d1b-9c6f-2e5a8d7b1f30 not found',
    });
  });

  it('answers 404 for a route it does not serve', async () => {
    const event = loadEvent<APIGatewayProxyEventV2>('stats-strategies.json');
    const result = await h.stats({ ...event, routeKey: 'GET /v1/unknown', rawPath: '/v1/unknown' });
    expect(result.statusCode).toBe(404);
  });
});
