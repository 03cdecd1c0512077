import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  RewardTimeoutError,
  SelectorClient,
  SelectorClientError,
  type SelectorClientOptions,
  SelectorConflictError,
  SelectorHttpError,
  SelectorValidationError,
} from '../../client';

/**
 * The client's HTTP behaviour against a scripted HTTP server on loopback. The real service never
 * answers 429 or 503 on demand, so these faults are staged here; everything the service does
 * answer is tested against the local stack (test/integration).
 */

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

type Reply = { status: number; body?: unknown } | 'hang';

describe('SelectorClient over HTTP', () => {
  let server: Server;
  let url: string;
  let replies: Reply[];
  const seen: Seen[] = [];

  beforeAll(async () => {
    server = createServer(async (request, response) => {
      const chunks: Buffer[] = [];
      for await (const chunk of request) chunks.push(chunk as Buffer);
      seen.push({
        method: request.method ?? '',
        url: request.url ?? '',
        headers: request.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      });
      const reply = replies.shift() ?? { status: 200, body: {} };
      if (reply === 'hang') return; // never answers: the client's timeout must fire
      response.writeHead(reply.status, { 'content-type': 'application/json' });
      response.end(reply.body === undefined ? '' : JSON.stringify(reply.body));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  beforeEach(() => {
    replies = [];
    seen.length = 0;
  });

  const sleeps: number[] = [];
  function client(options: Partial<SelectorClientOptions> = {}): SelectorClient {
    sleeps.length = 0;
    let keys = 0;
    return new SelectorClient({
      apiUrl: url,
      rng: () => 0.5,
      sleep: async (ms) => {
        sleeps.push(ms);
      },
      newIdempotencyKey: () => `key-${++keys}`,
      ...options,
    });
  }

  const request = {
    symbol: 'BTCUSDT',
    side: 'LONG' as const,
    candles: [{ t: 1, o: 1, h: 2, l: 0.5, c: 1.5 }],
  };

  it('retries throttling and 5xx with jittered backoff, resending the same idempotency key', async () => {
    replies = [{ status: 429 }, { status: 503 }, { status: 200, body: { decisionId: 'd-1' } }];
    const answer = await client().select(request);

    expect(answer).toEqual({ decisionId: 'd-1' });
    expect(seen).toHaveLength(3);
    const keys = seen.map((s) => (JSON.parse(s.body) as { idempotencyKey: string }).idempotencyKey);
    expect(keys).toEqual(['key-1', 'key-1', 'key-1']);
    // Full jitter: rng 0.5 of 100 ms, then of 200 ms.
    expect(sleeps).toEqual([50, 100]);
  });

  it('sends a new key with every new select, and keeps a key the request brings', async () => {
    const c = client();
    await c.select(request);
    await c.select(request);
    await c.select({ ...request, idempotencyKey: 'mine' });
    const keys = seen.map((s) => (JSON.parse(s.body) as { idempotencyKey: string }).idempotencyKey);
    expect(keys).toEqual(['key-1', 'key-2', 'mine']);
  });

  it('retries an attempt that timed out, with the same key', async () => {
    replies = ['hang', { status: 200, body: { decisionId: 'd-2' } }];
    const answer = await client({ timeoutMs: 100 }).select(request);
    expect(answer).toEqual({ decisionId: 'd-2' });
    const keys = seen.map((s) => (JSON.parse(s.body) as { idempotencyKey: string }).idempotencyKey);
    expect(keys).toEqual(['key-1', 'key-1']);
  });

  it('gives up after maxAttempts with the last HTTP error', async () => {
    replies = [{ status: 503 }, { status: 503 }, { status: 502, body: { message: 'Bad Gateway' } }];
    const error = await client({ retry: { maxAttempts: 3 } })
      .stats('BTCUSDT')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SelectorHttpError);
    expect((error as SelectorHttpError).status).toBe(502);
    expect(seen).toHaveLength(3);
    expect(sleeps).toHaveLength(2);
  });

  it('throws a SelectorValidationError carrying the 400 issues, without retrying', async () => {
    const body = {
      error: 'ValidationError',
      message: 'Request is invalid: candles.3.h: high must be at least the open, close and low',
      issues: [{ path: 'candles.3.h', message: 'high must be at least the open, close and low' }],
    };
    replies = [{ status: 400, body }];
    const error = await client()
      .select(request)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SelectorValidationError);
    expect((error as SelectorValidationError).issues).toEqual(body.issues);
    expect((error as SelectorValidationError).message).toContain('candles.3.h');
    expect(seen).toHaveLength(1);
  });

  it('throws a SelectorConflictError on 409', async () => {
    replies = [
      {
        status: 409,
        body: {
          error: 'IdempotencyConflict',
          message: 'idempotencyKey k was already used for a different request',
          issues: [{ path: 'idempotencyKey', message: 'was already used for a different request' }],
        },
      },
    ];
    const error = await client()
      .select({ ...request, idempotencyKey: 'k' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SelectorConflictError);
    expect((error as SelectorConflictError).issues.map((i) => i.path)).toEqual(['idempotencyKey']);
  });

  it('sends no signature to the local stack, and SigV4 when asked to sign', async () => {
    await client()
      .strategies()
      .catch(() => undefined);
    expect(seen[0]?.headers.authorization).toBeUndefined();

    await client({
      sign: true,
      region: 'eu-west-1',
      credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
    })
      .stats('BTC/USDT')
      .catch(() => undefined);
    const signed = seen[1];
    expect(signed?.url).toBe('/v1/stats?symbol=BTC%2FUSDT');
    expect(signed?.headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-west-1\/execute-api\/aws4_request, SignedHeaders=[^,]*host[^,]*, Signature=[0-9a-f]{64}$/,
    );
    expect(signed?.headers['x-amz-date']).toMatch(/^\d{8}T\d{6}Z$/);
  });

  it('waits for the reward until the decision is no longer OPEN', async () => {
    replies = [
      { status: 200, body: { decisionId: 'd', status: 'OPEN', reward: null } },
      { status: 200, body: { decisionId: 'd', status: 'OPEN', reward: null } },
      { status: 200, body: { decisionId: 'd', status: 'CLOSED', reward: { realizedR: 1.5 } } },
    ];
    const decision = await client({ now: () => 0 }).waitForReward('d');
    expect(decision).toMatchObject({ status: 'CLOSED', reward: { realizedR: 1.5 } });
    expect(sleeps).toEqual([5, 10]);
  });

  it('gives up waiting for the reward after timeoutMs', async () => {
    let now = 0;
    const c = client({
      now: () => now,
      sleep: async (ms) => {
        now += ms;
      },
    });
    replies = Array.from({ length: 50 }, () => ({
      status: 200,
      body: { decisionId: 'd', status: 'OPEN', reward: null },
    }));
    const error = await c.waitForReward('d', { timeoutMs: 1_000 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RewardTimeoutError);
    expect(now).toBe(1_000);
  });

  it('needs a Region to sign for a host that does not name one', () => {
    expect(() => new SelectorClient({ apiUrl: 'https://selector.example.com' })).toThrow(SelectorClientError);
    expect(
      new SelectorClient({ apiUrl: 'https://abc123.execute-api.eu-central-1.amazonaws.com' }).local,
    ).toBe(false);
  });
});
