import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  createHarness,
  type Harness,
  loadEvent,
  selectEvent,
  validSelectBody,
} from '../helpers/selector-harness';

type Body = ReturnType<typeof validSelectBody>;

interface BadInput {
  kind: string;
  /** The issue path the 400 must name. */
  path: string;
  /** The event: a modified valid body, a raw body text, or a whole event. */
  body?: (body: Body) => unknown;
  raw?: (validText: string) => string | undefined;
  event?: (event: APIGatewayProxyEventV2) => APIGatewayProxyEventV2;
}

/** Sets field `name` of candle `index` (3 unless said) of the valid body. */
const candle =
  (name: string, value: unknown, index = 3) =>
  (body: Body) => {
    const target = body.candles[index] as Record<string, unknown>;
    if (value === undefined) delete target[name];
    else target[name] = value;
    return body;
  };
const field = (name: string, value: unknown) => (body: Body) => {
  if (value === undefined) delete body[name];
  else body[name] = value;
  return body;
};

/** The valid body's candles with every price multiplied by `factor`. */
function scaled(body: Body, factor: number): Record<string, number>[] {
  return body.candles.map((c) => ({
    ...c,
    o: (c.o ?? 0) * factor,
    h: (c.h ?? 0) * factor,
    l: (c.l ?? 0) * factor,
    c: (c.c ?? 0) * factor,
  }));
}

/**
 * 40 bars around 100 whose every bar spans `rangeFraction` of the price: an ATR of about that
 * fraction, so a SHORT's far targets (several ATRs below entry) would be below zero.
 */
function violentCandles(rangeFraction: number): Record<string, number>[] {
  return Array.from({ length: 40 }, (_, i) => {
    const c = 100 + (i % 2 === 0 ? 1 : -1);
    return {
      t: 1_700_000_000_000 + i * 60_000,
      o: 100,
      h: c + (100 * rangeFraction) / 2,
      l: c - (100 * rangeFraction) / 2,
      c,
    };
  });
}

const BAD_INPUTS: BadInput[] = [
  { kind: 'malformed JSON body', path: '', raw: (text) => text.slice(0, -3) },
  { kind: 'missing body', path: '', raw: () => undefined },
  { kind: 'empty body', path: '', raw: () => '' },
  { kind: 'JSON array body', path: '', raw: () => '[1,2,3]' },
  { kind: 'JSON null body', path: '', raw: () => 'null' },
  {
    kind: 'base64 body that is not JSON',
    path: '',
    event: (e) => ({ ...e, isBase64Encoded: true, body: Buffer.from('{"symbol":').toString('base64') }),
  },
  { kind: 'symbol missing', path: 'symbol', body: field('symbol', undefined) },
  { kind: 'symbol empty', path: 'symbol', body: field('symbol', '') },
  { kind: 'symbol a number', path: 'symbol', body: field('symbol', 42) },
  { kind: 'symbol too long', path: 'symbol', body: field('symbol', 'X'.repeat(41)) },
  { kind: 'symbol with a key separator', path: 'symbol', body: field('symbol', 'BTC#USDT') },
  { kind: 'symbol with spaces', path: 'symbol', body: field('symbol', 'BTC USDT') },
  { kind: 'side missing', path: 'side', body: field('side', undefined) },
  { kind: 'side in lower case', path: 'side', body: field('side', 'long') },
  { kind: 'side not a side', path: 'side', body: field('side', 'BUY') },
  { kind: 'timeframe a number', path: 'timeframe', body: field('timeframe', 15) },
  { kind: 'timeframe empty', path: 'timeframe', body: field('timeframe', '') },
  { kind: 'candles missing', path: 'candles', body: field('candles', undefined) },
  { kind: 'candles empty', path: 'candles', body: field('candles', []) },
  { kind: 'candles an object', path: 'candles', body: field('candles', { t: 1 }) },
  {
    kind: 'more than MAX_CANDLES (1000) candles',
    path: 'candles',
    body: (b) => ({
      ...b,
      candles: Array.from({ length: 1001 }, (_, i) => ({ t: i + 1, o: 10, h: 11, l: 9, c: 10 })),
    }),
  },
  {
    kind: 'a candle that is a number',
    path: 'candles.0',
    body: (b) => ({ ...b, candles: [7, ...b.candles] }),
  },
  { kind: 'candle high missing', path: 'candles.3.h', body: candle('h', undefined) },
  { kind: 'candle open a string', path: 'candles.3.o', body: candle('o', '68000') },
  { kind: 'candle time a string', path: 'candles.3.t', body: candle('t', '2024-03-12') },
  { kind: 'candle close zero', path: 'candles.3.c', body: candle('c', 0) },
  { kind: 'candle low negative', path: 'candles.3.l', body: candle('l', -1) },
  { kind: 'candle high below low', path: 'candles.3.h', body: candle('h', 1) },
  {
    kind: 'candle high below close',
    path: 'candles.3.h',
    body: (b) => {
      const c = b.candles[3] as Record<string, number>;
      c.c = (c.h ?? 0) + 5;
      return b;
    },
  },
  {
    kind: 'candle low above open',
    path: 'candles.3.l',
    body: (b) => candle('l', (b.candles[3]?.o ?? 0) + 1)(b),
  },
  { kind: 'candle volume negative', path: 'candles.3.v', body: candle('v', -0.5) },
  { kind: 'candle volume null', path: 'candles.3.v', body: candle('v', null) },
  { kind: 'candle time repeated', path: 'candles.3.t', body: (b) => candle('t', b.candles[2]?.t)(b) },
  {
    kind: 'candle time going back',
    path: 'candles.3.t',
    body: (b) => candle('t', (b.candles[2]?.t ?? 0) - 60_000)(b),
  },
  { kind: 'candle time negative', path: 'candles.0.t', body: candle('t', -1, 0) },
  {
    kind: 'candle price overflowing to Infinity',
    path: 'candles.3.h',
    raw: (text) => {
      const body = JSON.parse(text) as Body;
      (body.candles[3] as Record<string, unknown>).h = '__INF__';
      return JSON.stringify(body).replace('"__INF__"', '1e400');
    },
  },
  { kind: 'entryPrice zero', path: 'entryPrice', body: field('entryPrice', 0) },
  { kind: 'entryPrice negative', path: 'entryPrice', body: field('entryPrice', -100) },
  { kind: 'entryPrice a string', path: 'entryPrice', body: field('entryPrice', '100000') },
  {
    kind: 'entryPrice overflowing',
    path: 'entryPrice',
    raw: (text) => text.replace(/"entryPrice":[0-9.]+/, '"entryPrice":1e999'),
  },
  { kind: 'signal a string', path: 'signal', body: field('signal', 'strong') },
  {
    kind: 'signal confidence above 1',
    path: 'signal.confidence',
    body: field('signal', { confidence: 1.5 }),
  },
  {
    kind: 'signal confidence negative',
    path: 'signal.confidence',
    body: field('signal', { confidence: -0.1 }),
  },
  {
    kind: 'signal source a number',
    path: 'signal.source',
    body: field('signal', { confidence: 0.5, source: 7 }),
  },
  { kind: 'idempotencyKey empty', path: 'idempotencyKey', body: field('idempotencyKey', '') },
  { kind: 'idempotencyKey a number', path: 'idempotencyKey', body: field('idempotencyKey', 42) },
  {
    kind: 'idempotencyKey over 128 characters',
    path: 'idempotencyKey',
    body: field('idempotencyKey', 'k'.repeat(129)),
  },
  {
    kind: 'idempotencyKey with a key separator',
    path: 'idempotencyKey',
    body: field('idempotencyKey', 'bot#1'),
  },
  { kind: 'idempotencyKey with spaces', path: 'idempotencyKey', body: field('idempotencyKey', 'bot 1') },
  { kind: 'liquidity an array', path: 'liquidity', body: field('liquidity', [2, 250000]) },
  {
    kind: 'liquidity spread negative',
    path: 'liquidity.spreadBps',
    body: field('liquidity', { spreadBps: -2 }),
  },
  {
    kind: 'liquidity depth a string',
    path: 'liquidity.depthUsd',
    body: field('liquidity', { depthUsd: 'deep' }),
  },
  {
    kind: 'liquidity volume negative',
    path: 'liquidity.volume24hUsd',
    body: field('liquidity', { volume24hUsd: -1 }),
  },
  // Numbers the store cannot hold exactly, or that plans cannot be computed on exactly.
  {
    kind: 'prices ×1e16 (beyond 2^53 once planned)',
    path: 'candles.0.h',
    body: (b) => ({ ...b, candles: scaled(b, 1e16), entryPrice: undefined }),
  },
  {
    kind: 'prices ×1e300',
    path: 'candles.0.o',
    body: (b) => ({ ...b, candles: scaled(b, 1e300), entryPrice: undefined }),
  },
  {
    kind: 'prices ×1e-300 (below what DynamoDB holds)',
    path: 'candles.0.l',
    body: (b) => ({ ...b, candles: scaled(b, 1e-300), entryPrice: undefined }),
  },
  {
    kind: 'liquidity volume24hUsd 1e16',
    path: 'liquidity.volume24hUsd',
    body: field('liquidity', { volume24hUsd: 1e16 }),
  },
  { kind: 'candle volume 1e-200', path: 'candles.3.v', body: candle('v', 1e-200) },
  {
    kind: 'signal confidence 1e-300',
    path: 'signal.confidence',
    body: field('signal', { confidence: 1e-300 }),
  },
  { kind: 'candle time beyond 2^53', path: 'candles.0.t', body: candle('t', 2 ** 60, 0) },
  { kind: 'entryPrice 1e9 times the market', path: 'entryPrice', body: field('entryPrice', 72_000 * 1e9) },
  {
    kind: 'entryPrice 20 ATRs from the last close (beyond ENTRY_MAX_DISTANCE_ATR)',
    path: 'entryPrice',
    body: (b) => ({ ...b, entryPrice: (b.candles.at(-1)?.c ?? 0) * 1.2 }),
  },
  {
    // The arm whose farthest target lies nearest is scalp with its targets halved: 1.25 ATRs,
    // past zero once the ATR is 80% of the price.
    kind: 'a SHORT so violent that no arm keeps its targets above zero',
    path: 'candles',
    body: (b) => ({ ...b, side: 'SHORT', candles: violentCandles(0.9), entryPrice: undefined }),
  },
  {
    kind: 'flat candles (ATR 0: no plan can be sized)',
    path: 'candles',
    body: (b) => ({ ...b, candles: [1, 2, 3].map((t) => ({ t, o: 5, h: 5, l: 5, c: 5 })) }),
  },
];

function eventFor(input: BadInput): APIGatewayProxyEventV2 {
  const valid = loadEvent<APIGatewayProxyEventV2>('select-valid.json');
  if (input.event) return input.event(valid);
  if (input.raw) {
    const { body: _ignored, ...rest } = valid;
    const raw = input.raw(valid.body ?? '');
    return raw === undefined ? rest : { ...rest, body: raw };
  }
  return selectEvent(input.body?.(validSelectBody()));
}

describe('select handler rejects bad input with 400 and writes nothing', () => {
  let h: Harness;
  let itemsBefore: number;

  beforeAll(async () => {
    h = await createHarness(endpoint(), 'select-invalid');
    itemsBefore = await h.itemCount();
  });

  afterAll(async () => {
    // Nothing above wrote: the table is exactly as it was.
    expect(await h.itemCount()).toBe(itemsBefore);
  });

  it('covers at least 30 kinds of bad input', () => {
    expect(new Set(BAD_INPUTS.map((i) => i.kind)).size).toBeGreaterThanOrEqual(30);
  });

  it.each(BAD_INPUTS)('$kind → 400 naming "$path"', async (input) => {
    const { result, requests } = await h.counter.during(() => h.select(eventFor(input)));

    expect(result.statusCode).toBe(400);
    const body = JSON.parse(result.body) as {
      error: string;
      message: string;
      issues: { path: string; message: string }[];
    };
    expect(Object.keys(body).sort()).toEqual(['error', 'issues', 'message']);
    expect(body.error).toBe('ValidationError');
    expect(body.message.length).toBeGreaterThan(0);
    expect(body.issues.map((i) => i.path)).toContain(input.path);
    for (const issue of body.issues) expect(issue.message.length).toBeGreaterThan(0);
    expect(requests).toEqual([]);
    expect(await h.itemCount()).toBe(itemsBefore);
  });
});

function endpoint(): string {
  return inject('dynamoEndpoint');
}

describe('select on a violent market keeps every plan price positive', () => {
  it('answers a SHORT whose ATR is about a quarter of the price from the profiles whose targets stay above zero', async () => {
    const h = await createHarness(endpoint(), 'select-violent');
    const body = {
      ...validSelectBody(),
      side: 'SHORT',
      candles: violentCandles(0.25),
      entryPrice: undefined,
    };

    const result = await h.select(selectEvent(body));

    expect(result.statusCode).toBe(200);
    const answer = JSON.parse(result.body) as {
      strategy: string;
      arm: { id: string; base: string };
      plan: {
        atr: number;
        stopLoss: number;
        takeProfits: { price: number }[];
        breakEven: { triggerPrice: number };
        trailing: { activationPrice: number };
      };
      candidates: Record<string, unknown>;
    };
    const { plan } = answer;
    expect(plan.atr / 100).toBeGreaterThan(0.2);
    const prices = [
      plan.stopLoss,
      ...plan.takeProfits.map((t) => t.price),
      plan.breakEven.triggerPrice,
      plan.trailing.activationPrice,
    ];
    for (const price of prices) expect(price).toBeGreaterThan(0);
    // trend_rider's third target is 12 ATRs below entry (6 with its targets halved): far below
    // zero here, so neither it nor any of its variants is a candidate.
    const candidates = Object.keys(answer.candidates);
    expect(candidates.filter((arm) => arm.startsWith('trend_rider'))).toEqual([]);
    expect(candidates.length).toBeGreaterThan(0);
    expect(candidates).toContain(answer.arm.id);
    expect(answer.strategy).toBe(answer.arm.base);
  });
});
