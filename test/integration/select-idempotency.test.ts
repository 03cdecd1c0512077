import { beforeAll, describe, expect, inject, it } from 'vitest';
import { METRIC } from '../../lib/observability';
import { idempotentDecisionId } from '../../lib/select-idempotency';
import type { SelectResponse } from '../../lib/select-strategy';
import {
  createHarness,
  type Harness,
  NOW_MS,
  selectEvent,
  validSelectBody,
} from '../helpers/selector-harness';

const endpoint = inject('dynamoEndpoint');
const DAY_MS = 86_400_000;

function parse<T>(response: { body: string }): T {
  return JSON.parse(response.body) as T;
}

describe('select with an idempotencyKey (POST /v1/select) on DynamoDB Local', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await createHarness(endpoint, 'select-idem');
  });

  it('answers a retried select with the first decision, records it once, in two requests each', async () => {
    const body = { ...validSelectBody(), idempotencyKey: 'bot-7:order-1' };
    const itemsBefore = await h.itemCount();

    const first = await h.counter.during(() => h.select(selectEvent(body)));
    h.clock.now += 1_500; // the bot timed out and retried a moment later
    const retry = await h.counter.during(() => h.select(selectEvent(body)));

    expect(first.result.statusCode).toBe(200);
    expect(retry.result.statusCode).toBe(200);
    const answered = parse<SelectResponse>(first.result);
    expect(answered.decisionId).toBe(idempotentDecisionId('bot-7:order-1'));
    expect(parse<SelectResponse>(retry.result)).toEqual(answered);
    expect(first.requests).toEqual(['BatchGetItem', 'PutItem']);
    expect(retry.requests).toEqual(['BatchGetItem', 'PutItem']);
    expect(await h.itemCount()).toBe(itemsBefore + 1);

    const stored = await h.store.getDecision(answered.decisionId, { consistent: true });
    expect(stored).toMatchObject({ createdAt: NOW_MS, idempotencyKey: 'bot-7:order-1', status: 'OPEN' });
    expect(stored?.requestHash).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('treats the same request with its fields reordered and an unknown field as the same request', async () => {
    const body = { ...validSelectBody(), idempotencyKey: 'reordered' };
    const first = parse<SelectResponse>(await h.select(selectEvent(body)));
    const reordered = Object.fromEntries(Object.entries(body).reverse());
    const retry = await h.select(selectEvent({ ...reordered, clientVersion: '1.2.3' }));
    expect(retry.statusCode).toBe(200);
    expect(parse<SelectResponse>(retry).decisionId).toBe(first.decisionId);
  });

  it('refuses the key reused with a different body with 409 naming idempotencyKey, and changes nothing', async () => {
    const body = { ...validSelectBody(), idempotencyKey: 'reused-key' };
    const first = parse<SelectResponse>(await h.select(selectEvent(body)));
    const itemsBefore = await h.itemCount();

    const { result, requests } = await h.counter.during(() =>
      h.select(selectEvent({ ...body, side: 'SHORT' })),
    );

    expect(result.statusCode).toBe(409);
    const error = parse<{ error: string; message: string; issues: { path: string }[] }>(result);
    expect(error.error).toBe('IdempotencyConflict');
    expect(error.message).toContain('reused-key');
    expect(error.issues.map((issue) => issue.path)).toEqual(['idempotencyKey']);
    expect(requests).toEqual(['BatchGetItem', 'PutItem']);
    expect(await h.itemCount()).toBe(itemsBefore);
    const stored = await h.store.getDecision(first.decisionId, { consistent: true });
    expect(stored?.side).toBe('LONG');
  });

  it('counts a replayed answer as no second selection', async () => {
    const body = { ...validSelectBody(), idempotencyKey: 'counted-once' };
    const before = h.recorder.total(METRIC.selections);
    await h.select(selectEvent(body));
    await h.select(selectEvent(body));
    expect(h.recorder.total(METRIC.selections)).toBe(before + 1);
    expect(h.recorder.logs.some((line) => line.message.startsWith('decision replayed'))).toBe(true);
  });

  it('records a new decision for a key whose decision has expired (TTL not yet applied)', async () => {
    const body = { ...validSelectBody(), idempotencyKey: 'expired-key' };
    const first = parse<SelectResponse>(await h.select(selectEvent(body)));
    const ttlDays = h.config.decisionTtlDays;
    h.clock.now += (ttlDays + 1) * DAY_MS;
    try {
      const again = await h.select(selectEvent(body));
      expect(again.statusCode).toBe(200);
      expect(parse<SelectResponse>(again).decisionId).toBe(first.decisionId);
      const stored = await h.store.getDecision(first.decisionId, { consistent: true });
      expect(stored?.createdAt).toBe(h.clock.now);
    } finally {
      h.clock.now = NOW_MS;
    }
  });

  it('still gives every select without a key its own decision', async () => {
    const a = parse<SelectResponse>(await h.select(selectEvent(validSelectBody())));
    const b = parse<SelectResponse>(await h.select(selectEvent(validSelectBody())));
    expect(a.decisionId).not.toBe(b.decisionId);
  });
});
