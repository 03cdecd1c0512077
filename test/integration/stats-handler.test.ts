import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import type { SelectResponse } from '../../lib/select-strategy';
import { STRATEGY_IDS } from '../../lib/types';
import {
  createHarness,
  type Harness,
  loadEvent,
  NOW_MS,
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
        closedAt: '2024-03-12T14:30:00Z',
        tradeId: 'bot-7-000123',
        eventId: event.id,
        cellVersion: 1,
      },
    });
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
      count: 1,
      realCount: 1,
      counterfactualCount: 0,
      wins: 1,
      losses: 0,
      totalR: 2.4,
      lastReward: 2.4,
      lastUpdate: new Date(NOW_MS).toISOString(),
      explorations: selected.explored ? 1 : 0,
      version: 1,
    });
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
