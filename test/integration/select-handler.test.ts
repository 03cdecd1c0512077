import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { armProfile, getArm } from '../../lib/arms';
import { buildExitPlan } from '../../lib/exit-plan';
import { armIncrement } from '../../lib/learners/cell-stats';
import { METRIC } from '../../lib/observability';
import { policyCandidates } from '../../lib/policy';
import type { SelectResponse } from '../../lib/select-strategy';
import type { SelectorStore } from '../../lib/store/selector-store';
import { STRATEGY_IDS } from '../../lib/types';
import {
  CLOSED_AT,
  createHarness,
  type Harness,
  loadEvent,
  NOW_MS,
  recordOpenDecision,
  selectEvent,
  validSelectBody,
} from '../helpers/selector-harness';

const endpoint = inject('dynamoEndpoint');
const THIRTY_DAYS_S = 30 * 86_400;

function parse<T>(response: { body: string }): T {
  return JSON.parse(response.body) as T;
}

interface ErrorBody {
  error: string;
  message: string;
  issues: { path: string; message: string }[];
}

describe('select handler (POST /v1/select) on DynamoDB Local', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await createHarness(endpoint, 'select');
  });

  it('answers the realistic API Gateway v2 fixture with exactly the contract response, in two requests', async () => {
    const event = loadEvent<APIGatewayProxyEventV2>('select-valid.json');
    const body = validSelectBody();
    const { result, requests, inputs } = await h.counter.during(() => h.select(event));

    expect(result.statusCode).toBe(200);
    expect(result.headers).toMatchObject({ 'content-type': 'application/json' });
    expect(requests).toEqual(['BatchGetItem', 'PutItem']);
    // One read: the (symbol, regime) cell item, with the symbol's total and every pooled shard
    // when the policy pools.
    const read = inputs[0]?.RequestItems as Record<string, { Keys: unknown[] }>;
    expect(read[h.tableName]?.Keys).toHaveLength(1 + (h.policy.pooling ? 1 + h.config.poolShards : 0));

    const response = parse<SelectResponse>(result);
    expect(Object.keys(response).sort()).toEqual(
      [
        'arm',
        'candidates',
        'decisionId',
        'explored',
        'plan',
        'policy',
        'propensity',
        'reason',
        'regime',
        'side',
        'strategy',
        'symbol',
      ].sort(),
    );
    expect(response.symbol).toBe('BTCUSDT');
    expect(response.side).toBe('LONG');
    expect(Object.keys(response.regime).sort()).toEqual(['confidence', 'features', 'name']);
    expect(response.regime.features.atr).toBeGreaterThan(0);
    expect(response.regime.features).toHaveProperty('atrPct');
    expect(response.regime.features).toHaveProperty('adx');
    expect(response.regime.features).toHaveProperty('trendStrength');
    expect(STRATEGY_IDS).toContain(response.strategy);
    expect(response.propensity).toBeGreaterThan(0);
    expect(response.propensity).toBeLessThanOrEqual(1);
    expect(typeof response.policy).toBe('string');
    // Nothing learned yet: the default learner keeps the reference arm, and says why.
    expect(response.arm).toEqual({ id: 'trend_rider', base: 'trend_rider', slScale: 1, targetScale: 1 });
    expect(response.strategy).toBe(response.arm.base);
    expect(response.reason).toContain('trend_rider kept');

    // The candidates: every arm of the family whose profile the regime and liquidity allow.
    const liquidity = body.liquidity as { spreadBps: number; depthUsd: number; volume24hUsd: number };
    const profiles = policyCandidates(h.policy, response.regime.name, liquidity);
    const arms = h.policy.arms.filter((arm) => profiles.includes(arm.base)).map((arm) => arm.id);
    expect(arms.length).toBeGreaterThan(7);
    expect(Object.keys(response.candidates)).toEqual(arms);
    for (const arm of Object.values(response.candidates)) {
      expect(arm).toMatchObject({ value: 0, count: 0, evidence: { trades: 0, ownTrades: 0 } });
    }
    expect(arms).toContain(response.arm.id);

    const expected = buildExitPlan({
      side: 'LONG',
      entry: body.entryPrice as number,
      atr: response.regime.features.atr,
      profile: armProfile(getArm(response.arm.id)),
    });
    expect(response.plan).toEqual({
      entry: expected.entry,
      atr: expected.atr,
      stopLoss: expected.stopLoss,
      takeProfits: expected.takeProfits.map(({ price, r, closeFraction }) => ({ price, r, closeFraction })),
      breakEven: expected.breakEven,
      trailing: expected.trailing,
    });
  });

  it('records the decision OPEN, with its TTL 30 days after creation and its last candle’s time', async () => {
    const response = parse<SelectResponse>(await h.select(loadEvent('select-valid.json')));
    const decision = await h.store.getDecision(response.decisionId, { consistent: true });

    expect(decision).toMatchObject({
      decisionId: response.decisionId,
      status: 'OPEN',
      symbol: 'BTCUSDT',
      side: 'LONG',
      timeframe: '15m',
      strategy: response.strategy,
      arm: response.arm,
      reason: response.reason,
      explored: response.explored,
      propensity: response.propensity,
      policy: response.policy,
      regime: response.regime,
      createdAt: NOW_MS,
      signal: { confidence: 0.7, source: 'model-x' },
    });
    expect(decision?.expiresAt).toBe(Math.floor(NOW_MS / 1000) + THIRTY_DAYS_S);
    expect(decision?.candidates).toEqual(Object.keys(response.candidates));
    // A TradeClosed path must start after this candle.
    expect(decision?.lastCandleAt).toBe(validSelectBody().candles.at(-1)?.t);
    expect(decision?.reward).toBeUndefined();
  });

  it('logs and counts the selection', async () => {
    const before = h.recorder.total(METRIC.selections);
    const response = parse<SelectResponse>(await h.select(loadEvent('select-valid.json')));
    const line = h.recorder.logs.find((l) => l.attributes.decisionId === response.decisionId);

    expect(line?.attributes).toMatchObject({
      symbol: 'BTCUSDT',
      regime: response.regime.name,
      strategy: response.strategy,
      arm: response.arm.id,
      reason: response.reason,
      explored: response.explored,
      propensity: response.propensity,
    });
    expect(h.recorder.total(METRIC.selections)).toBe(before + 1);
    expect(h.recorder.metrics.filter((m) => m.name === METRIC.selections).at(-1)?.dimensions).toEqual({
      regime: response.regime.name,
      strategy: response.strategy,
    });
  });

  it('takes the last close as the entry when entryPrice is left out', async () => {
    const body = validSelectBody();
    delete body.entryPrice;
    const response = parse<SelectResponse>(await h.select(selectEvent(body)));
    const lastClose = body.candles.at(-1)?.c;
    expect(response.plan.entry).toBe(lastClose);
  });

  it('gives regime UNKNOWN, not an error, for too few candles, and still sizes a plan', async () => {
    const body = validSelectBody();
    body.candles = body.candles.slice(-5);
    const result = await h.select(selectEvent(body));
    expect(result.statusCode).toBe(200);
    const response = parse<SelectResponse>(result);
    expect(response.regime.name).toBe('UNKNOWN');
    expect(response.plan.atr).toBeGreaterThan(0);
  });

  it('answers SHORT plans with the stop above entry', async () => {
    const body = { ...validSelectBody(), side: 'SHORT' };
    const response = parse<SelectResponse>(await h.select(selectEvent(body)));
    expect(response.side).toBe('SHORT');
    expect(response.plan.stopLoss).toBeGreaterThan(response.plan.entry);
    expect(response.plan.takeProfits[0]?.price).toBeLessThan(response.plan.entry);
  });

  it('rejects the invalid fixture with 400 naming candles.3.h and entryPrice', async () => {
    const before = await h.itemCount();
    const result = await h.select(loadEvent('select-invalid.json'));
    expect(result.statusCode).toBe(400);
    const body = parse<ErrorBody>(result);
    expect(body.error).toBe('ValidationError');
    expect(body.issues.map((i) => i.path)).toEqual(expect.arrayContaining(['candles.3.h', 'entryPrice']));
    expect(await h.itemCount()).toBe(before);
  });

  it('answers a generic 500 that leaks nothing when storage fails, and logs the cause', async () => {
    const failing = await createHarness(endpoint, 'select-500', {
      wrapStore: (store): SelectorStore => ({
        ...bind(store),
        recordDecision: async () => {
          throw new Error('connect ECONNREFUSED 10.1.2.3:443 table secret-table-name');
        },
      }),
    });
    const result = await failing.select(loadEvent('select-valid.json'));
    expect(result.statusCode).toBe(500);
    expect(parse(result)).toEqual({ error: 'InternalError', message: 'Internal error' });
    expect(result.body).not.toContain('secret');
    const logged = failing.recorder.logs.find((l) => l.level === 'error');
    expect(JSON.stringify(logged?.attributes)).toContain('ECONNREFUSED');
  });
});

describe('select answering a scaled arm, on DynamoDB Local', () => {
  it('names the arm and its scales, gives the reason, and plans with the arm’s distances', async () => {
    const h = await createHarness(endpoint, 'select-arm');
    const first = parse<SelectResponse>(await h.select(loadEvent('select-valid.json')));
    expect(first.arm.id).toBe('trend_rider');
    const regime = first.regime.name;
    // Forty paths on which trend_rider with twice the stop led trend_rider by +0.5 R (±0.2),
    // added to the symbol's cell as a reward would add them.
    const variant = 'trend_rider@sl2xtg1';
    const pairs = 40;
    const lead = {
      n: pairs,
      real: 0,
      sumMicro: pairs * 700_000,
      sumSqMicro: pairs * 490_000,
      wins: pairs,
      losses: 0,
      explorations: 0,
      pairN: pairs,
      pairSumMicro: pairs * 500_000,
      pairSqMicro: pairs * 290_000,
    };
    await recordOpenDecision(h.store, {
      decisionId: 'seeded',
      symbol: 'BTCUSDT',
      regime,
      strategy: 'trend_rider',
    });
    const committed = await h.store.commitReward({
      decisionId: 'seeded',
      reward: {
        realizedR: 0.2,
        closedAt: CLOSED_AT,
        eventId: 'seeded-event',
        appliedAt: NOW_MS,
        cellsUpdated: 2,
        credits: [],
        pathUsed: true,
      },
      at: NOW_MS,
      own: {
        symbol: 'BTCUSDT',
        regime,
        arms: { [variant]: lead, trend_rider: armIncrement(0.2, false, false) },
      },
    });
    expect(committed).toEqual({ outcome: 'committed' });

    const response = parse<SelectResponse>(await h.select(loadEvent('select-valid.json')));

    expect(response.regime.name).toBe(regime);
    expect(response.arm).toEqual({ id: variant, base: 'trend_rider', slScale: 2, targetScale: 1 });
    expect(response.strategy).toBe('trend_rider');
    // Lead +0.5 over 40 pairs, sd 0.2: lower bound 0.5 − 1.5 · 0.2 / √40 = +0.453.
    expect(response.reason).toBe(
      `${variant} chosen: it leads trend_rider by +0.5 R/trade over 40 trades (40 of this cell's own), lower bound +0.453 R > 0`,
    );
    expect(response.candidates[variant]).toMatchObject({
      value: 0.5,
      count: 40,
      evidence: { ownTrades: 40 },
    });
    // Stop distance = trend_rider's 2 ATRs × 2; targets and trailing as trend_rider's.
    const { entry, atr } = response.plan;
    expect(entry - response.plan.stopLoss).toBeCloseTo(2 * 2 * atr, 6);
    expect(response.plan.takeProfits.map((tp) => tp.price - entry)).toEqual(
      [5, 8, 12].map((multiple) => expect.closeTo(multiple * atr, 6)),
    );
    expect(response.plan.takeProfits.map((tp) => tp.r)).toEqual([1.25, 2, 3]);
    expect(response.plan.trailing.distance).toBeCloseTo(1.5 * atr, 6);
    const decision = await h.store.getDecision(response.decisionId, { consistent: true });
    expect(decision).toMatchObject({ strategy: 'trend_rider', arm: response.arm, reason: response.reason });
  });

  it('plans a variant with scaled targets on a SHORT, every price positive', async () => {
    const h = await createHarness(endpoint, 'select-arm-short', {
      adjustPolicy: (policy) => ({
        ...policy,
        // A learner that answers one variant, to see its plan as select builds it.
        learner: {
          ...policy.learner,
          choose: (input) => ({ ...policy.learner.choose(input), arm: 'scalp@sl0.5xtg2', reason: 'fixed' }),
        },
      }),
    });
    const body = { ...validSelectBody(), side: 'SHORT' };
    const response = parse<SelectResponse>(await h.select(selectEvent(body)));

    expect(response.arm).toEqual({ id: 'scalp@sl0.5xtg2', base: 'scalp', slScale: 0.5, targetScale: 2 });
    const { entry, atr } = response.plan;
    // scalp: stop 0.8 ATR × 0.5 above; targets 1.2, 1.8, 2.5 ATRs × 2 below.
    expect(response.plan.stopLoss - entry).toBeCloseTo(0.4 * atr, 6);
    expect(response.plan.takeProfits.map((tp) => entry - tp.price)).toEqual(
      [2.4, 3.6, 5].map((multiple) => expect.closeTo(multiple * atr, 6)),
    );
    for (const price of [
      response.plan.stopLoss,
      ...response.plan.takeProfits.map((tp) => tp.price),
      response.plan.breakEven.triggerPrice,
      response.plan.trailing.activationPrice,
    ]) {
      expect(price).toBeGreaterThan(0);
    }
  });
});

describe('select handler in shadow mode (META_STRATEGY_ENABLED=false)', () => {
  it('answers DEFAULT_STRATEGY with propensity 1, records the decision and the learner’s shadow choice', async () => {
    const h = await createHarness(endpoint, 'select-shadow', {
      env: { META_STRATEGY_ENABLED: 'false', DEFAULT_STRATEGY: 'moderate' },
    });
    const { result, requests } = await h.counter.during(() => h.select(loadEvent('select-valid.json')));
    const response = parse<SelectResponse>(result);

    expect(result.statusCode).toBe(200);
    expect(requests).toEqual(['BatchGetItem', 'PutItem']);
    expect(response).toMatchObject({
      strategy: 'moderate',
      propensity: 1,
      explored: false,
      policy: 'disabled:moderate',
    });
    const decision = await h.store.getDecision(response.decisionId, { consistent: true });
    expect(decision?.status).toBe('OPEN');
    expect(decision?.strategy).toBe('moderate');
    expect(decision?.shadowChoice?.policy).toBe(h.policy.learner.policy);
    expect(decision?.arm.id).toBe('moderate');
    expect(response.reason).toContain('DEFAULT_STRATEGY');
    expect(h.policy.arms.map((arm) => arm.id)).toContain(decision?.shadowChoice?.arm);
  });
});

/** A store's methods bound to it, so a test double can override one of them. */
function bind(store: SelectorStore): SelectorStore {
  return {
    readSelectionCells: store.readSelectionCells.bind(store),
    recordDecision: store.recordDecision.bind(store),
    getDecision: store.getDecision.bind(store),
    readCell: store.readCell.bind(store),
    commitReward: store.commitReward.bind(store),
    rejectReward: store.rejectReward.bind(store),
    listSymbolCells: store.listSymbolCells.bind(store),
  };
}
