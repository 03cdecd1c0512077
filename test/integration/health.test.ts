import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createStatsHandler } from '../../functions/stats/stats-handler';
import { freePort } from '../../infra/local/dynamodb-local';
import { DynamoSelectorStore } from '../../lib/store/dynamo-selector-store';
import { createLocalDynamoClients } from '../../lib/store/dynamodb-client';
import { createHarness, type Harness, httpGetEvent, recordingTelemetry } from '../helpers/selector-harness';

/**
 * `GET /v1/health` answers 200 only when the table answers a read: against DynamoDB Local, a
 * table that does not exist, an endpoint nobody listens on, and one that accepts connections but
 * never answers (a real socket, not a mocked client).
 */

const endpoint = inject('dynamoEndpoint');
const healthEvent = () => httpGetEvent('GET /v1/health', '/v1/health');

function statsHandlerOn(dynamoEndpoint: string, tableName: string, healthTimeoutMs = 2_000) {
  const recorder = recordingTelemetry();
  const clients = createLocalDynamoClients(dynamoEndpoint);
  const handler = createStatsHandler({
    store: new DynamoSelectorStore(clients.documentClient, tableName),
    arms: [],
    telemetry: recorder.telemetry,
    healthTimeoutMs,
  });
  return { handler, recorder, clients };
}

describe('GET /v1/health', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await createHarness(endpoint, 'health');
  });

  it('answers 200 {"status":"ok"}, uncached, when the table answers, and writes nothing', async () => {
    const { result, requests } = await h.counter.during(() => h.stats(healthEvent()));
    expect(result.statusCode).toBe(200);
    expect(JSON.parse(result.body)).toEqual({ status: 'ok' });
    expect(result.headers).toMatchObject({ 'cache-control': 'no-store' });
    expect(requests).toEqual(['GetItem']);
    expect(await h.itemCount()).toBe(0);
  });

  it('answers 503 when the table does not exist, and logs why', async () => {
    const { handler, recorder, clients } = statsHandlerOn(endpoint, 'no-such-table');
    try {
      const result = await handler(healthEvent());
      expect(result.statusCode).toBe(503);
      expect(JSON.parse(result.body)).toEqual({ status: 'unavailable' });
      expect(result.headers).toMatchObject({ 'cache-control': 'no-store' });
      const [logged] = recorder.logs;
      expect(logged?.level).toBe('error');
      expect(JSON.stringify(logged?.attributes)).toContain('ResourceNotFoundException');
    } finally {
      clients.client.destroy();
    }
  });

  it('answers 503 when nothing listens at the endpoint', async () => {
    const { handler, clients } = statsHandlerOn(`http://127.0.0.1:${await freePort()}`, 'any');
    try {
      const result = await handler(healthEvent());
      expect(result.statusCode).toBe(503);
      expect(JSON.parse(result.body)).toEqual({ status: 'unavailable' });
    } finally {
      clients.client.destroy();
    }
  });

  describe('with an endpoint that accepts connections and never answers', () => {
    let silent: Server;
    const sockets: Socket[] = [];

    beforeAll(async () => {
      silent = createServer((socket) => sockets.push(socket));
      await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    });

    afterAll(async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    });

    it('answers 503 once its timeout has passed, saying the table did not answer', async () => {
      const address = silent.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      const { handler, recorder, clients } = statsHandlerOn(`http://127.0.0.1:${port}`, 'any', 200);
      try {
        const result = await handler(healthEvent());
        expect(result.statusCode).toBe(503);
        expect(JSON.stringify(recorder.logs[0]?.attributes)).toContain('did not answer within 200 ms');
      } finally {
        clients.client.destroy();
      }
    });
  });
});
