import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FunctionName } from '../../functions/common/runtime';
import type { Log, Telemetry } from '../../functions/common/telemetry';
import { type Config, getConfig } from '../../lib/config';
import { createTable } from '../../lib/store/create-table';
import { DynamoSelectorStore } from '../../lib/store/dynamo-selector-store';
import { createLocalDynamoClients } from '../../lib/store/dynamodb-client';
import { tradeClosedPattern } from '../../lib/trade-closed-event';
import { createConsoleLog, createConsoleTelemetry } from './console-telemetry';
import { type DynamoDbLocal, startDynamoDbLocal } from './dynamodb-local';
import { matchesEventPattern } from './event-pattern';
import { matchRoute, toHttpApiEvent } from './http-api';
import { createLocalFunctions, type LocalFunctions } from './local-functions';
import {
  AWS_JSON_CONTENT_TYPE,
  AwsJsonError,
  acceptPutEvents,
  type LocalEvent,
  PUT_EVENTS_TARGET,
  signedRegion,
} from './put-events';

/** The table's name when TABLE_NAME is not set. */
export const LOCAL_TABLE_NAME = 'meta-strategy-selector';
export const DEFAULT_HOST = '127.0.0.1';
/** API Gateway HTTP APIs refuse request bodies over 10 MB. */
const MAX_BODY_BYTES = 10 * 1024 * 1024;
const LOCAL_REGION = 'us-east-1';

export interface LocalStackOptions {
  /** Port of the HTTP endpoint; 0 picks a free one. Default 3000. */
  port?: number;
  host?: string;
  /** Keep the database in this directory across restarts; in memory when omitted. */
  dataDir?: string;
  /** The functions' configuration. Default: `getConfig()` (the process environment). */
  config?: Config;
  /** Seeds the learner's draws, for runs that must repeat exactly. */
  seed?: number;
  /** The functions' telemetry. Default: their logs on the console, metrics dropped. */
  telemetry?: (functionName: FunctionName) => Telemetry;
  /** The stack's own lines: requests, event routing, failed deliveries. Default: the console. */
  log?: Log;
}

export interface LocalStack {
  url: string;
  port: number;
  tableName: string;
  config: Config;
  dynamo: DynamoDbLocal;
  /** `meta-strategy-selector ready on http://… (DynamoDB Local on :…, in memory)`. */
  readyLine: string;
  /** Resolves once every event accepted so far has been delivered (or dead-lettered). */
  drain(): Promise<void>;
  /** Stops accepting requests, finishes pending deliveries, and stops DynamoDB Local. Idempotent. */
  stop(): Promise<void>;
}

/** The local stack could not start; the message says what to do. */
export class LocalStackError extends Error {
  override readonly name = 'LocalStackError';
}

/**
 * Starts the whole service on this machine: DynamoDB Local with the service's table, and one
 * HTTP endpoint that plays API Gateway (the routes of the HTTP API, as payload-format-2.0
 * events for the select and stats handlers) and EventBridge (`PutEvents`, with the stack's own
 * rule pattern routing TradeClosed events to the reward handler).
 *
 * Delivery is asynchronous, as in AWS: PutEvents is answered first, then the matching events are
 * handed to the reward handler one at a time in the order they were accepted. A handler failure
 * is logged as the event the dead-letter queue would receive; nothing is retried.
 *
 * @throws LocalStackError when the port is taken; DynamoDbLocalError when Java is missing or
 *   DynamoDB Local cannot start. Nothing is left running after a failed start.
 */
export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const config = options.config ?? getConfig();
  const tableName = config.tableName ?? LOCAL_TABLE_NAME;
  const host = options.host ?? DEFAULT_HOST;
  const log = options.log ?? createConsoleLog({ name: 'local' });
  const telemetry = options.telemetry ?? ((name) => createConsoleTelemetry({ name }));
  const pattern = tradeClosedPattern(config.eventSource);
  // Fails here, not at the first event, if the shared pattern ever uses a filter the local matcher lacks.
  matchesEventPattern(pattern, {});

  let functions: LocalFunctions | undefined;
  let deliveries: Promise<void> = Promise.resolve();

  const deliver = async (event: LocalEvent, rewardHandler: LocalFunctions['reward']) => {
    try {
      const result = await rewardHandler(event);
      log.info('TradeClosed delivered', { eventId: event.id, ...result });
    } catch (error) {
      log.error(
        'TradeClosed delivery FAILED: in AWS this event would go to the dead-letter queue (RewardFailure); it was not applied',
        { error: error instanceof Error ? error.message : String(error), event },
      );
    }
  };

  const route = (events: readonly LocalEvent[]) => {
    const rewardHandler = functions?.reward;
    if (rewardHandler === undefined) return;
    for (const event of events) {
      if (!matchesEventPattern(pattern, event)) {
        log.info('event accepted; it matches no rule, so nothing receives it', {
          eventId: event.id,
          source: event.source,
          'detail-type': event['detail-type'],
          rulePattern: pattern,
        });
        continue;
      }
      deliveries = deliveries.then(() => deliver(event, rewardHandler));
    }
  };

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      log.error('request failed', { error: error instanceof Error ? error.message : String(error) });
      if (!response.headersSent)
        send(response, 500, { 'content-type': 'application/json' }, '{"message":"Internal Server Error"}');
    });
  });

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const started = Date.now();
    const method = request.method ?? 'GET';
    const url = request.url ?? '/';
    const body = await readBody(request);
    if (body === undefined) {
      send(response, 413, { 'content-type': 'application/json' }, '{"message":"Request Entity Too Large"}');
      return;
    }
    if (functions === undefined) {
      send(response, 503, { 'content-type': 'application/json' }, '{"message":"Service Unavailable"}');
      return;
    }
    const target = request.headers['x-amz-target'];
    if (method === 'POST' && url === '/' && typeof target === 'string') {
      const requestId = randomUUID();
      const headers = { 'content-type': AWS_JSON_CONTENT_TYPE, 'x-amzn-requestid': requestId };
      try {
        if (target !== PUT_EVENTS_TARGET) {
          throw new AwsJsonError(
            'UnknownOperationException',
            `The local stack implements only ${PUT_EVENTS_TARGET}`,
          );
        }
        const accepted = acceptPutEvents(body, {
          region: signedRegion(request.headers.authorization, LOCAL_REGION),
          now: Date.now(),
          newEventId: randomUUID,
        });
        send(response, 200, headers, JSON.stringify(accepted.response));
        // Delivered after the answer, as EventBridge invokes its targets asynchronously.
        setImmediate(() => route(accepted.events));
      } catch (error) {
        if (!(error instanceof AwsJsonError)) throw error;
        send(response, 400, headers, JSON.stringify(error.toBody()));
      }
      log.info(`${method} / ${target} ${response.statusCode} ${Date.now() - started}ms`);
      return;
    }

    const path = url.split('?')[0] ?? '/';
    const match = matchRoute(method, path);
    if (match === undefined) {
      send(response, 404, { 'content-type': 'application/json' }, '{"message":"Not Found"}');
      log.info(`${method} ${path} 404 (no route) ${Date.now() - started}ms`);
      return;
    }
    const event = toHttpApiEvent(
      {
        method,
        url,
        headers: request.headersDistinct,
        body,
        sourceIp: request.socket.remoteAddress ?? DEFAULT_HOST,
      },
      { match, now: Date.now() },
    );
    const handler = match.route.function === 'select' ? functions.select : functions.stats;
    const result = await handler(event);
    const responseBody = result.isBase64Encoded ? Buffer.from(result.body, 'base64') : result.body;
    const headers: Record<string, string | string[]> = {};
    for (const [name, value] of Object.entries(result.headers ?? {})) headers[name] = String(value);
    if (result.cookies !== undefined && result.cookies.length > 0) headers['set-cookie'] = result.cookies;
    headers['apigw-requestid'] = event.requestContext.requestId;
    send(response, result.statusCode, headers, responseBody);
    log.info(`${match.routeKey} ${result.statusCode} ${Date.now() - started}ms`);
  };

  const port = await listen(server, host, options.port ?? 3000);
  const url = `http://${host}:${port}`;

  let dynamo: DynamoDbLocal;
  try {
    dynamo = await startDynamoDbLocal(options.dataDir === undefined ? {} : { dataDir: options.dataDir });
  } catch (error) {
    await closeServer(server);
    throw error;
  }

  try {
    const clients = createLocalDynamoClients(dynamo.endpoint);
    try {
      // A persistent database keeps its table (and what was learned) across restarts.
      await createTable(clients.client, tableName, { ifNotExists: true });
    } catch (error) {
      throw new LocalStackError(
        `Could not create the table ${tableName} on DynamoDB Local: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
    functions = createLocalFunctions({
      config: { ...config, tableName },
      store: new DynamoSelectorStore(clients.documentClient, tableName),
      telemetry,
      ...(options.seed === undefined ? {} : { seed: options.seed }),
    });
  } catch (error) {
    await closeServer(server);
    await dynamo.stop();
    throw error;
  }

  let stopping: Promise<void> | undefined;
  const drain = async () => {
    // An answered PutEvents routes its events on the next turn; deliveries queued meanwhile count too.
    let pending: Promise<void>;
    do {
      await new Promise((resolve) => setImmediate(resolve));
      pending = deliveries;
      await pending;
    } while (pending !== deliveries);
  };
  return {
    url,
    port,
    tableName,
    config: { ...config, tableName },
    dynamo,
    readyLine: readyLine(url, dynamo.port, dynamo.dataDir),
    drain,
    stop: () => {
      stopping ??= (async () => {
        await closeServer(server);
        await drain();
        await dynamo.stop();
      })();
      return stopping;
    },
  };
}

/** The one line `npm start` prints once it serves: where, and where the data lives. */
export function readyLine(url: string, dynamoPort: number, dataDir: string | undefined): string {
  const storage = dataDir === undefined ? 'in memory' : `data in ${dataDir}`;
  return `meta-strategy-selector ready on ${url} (DynamoDB Local on :${dynamoPort}, ${storage})`;
}

function send(
  response: ServerResponse,
  statusCode: number,
  headers: Record<string, string | string[]>,
  body: string | Buffer,
): void {
  response.writeHead(statusCode, { ...headers, 'content-length': Buffer.byteLength(body) });
  response.end(body);
}

/** The request body as text, or undefined when it exceeds API Gateway's limit. */
async function readBody(request: IncomingMessage): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > MAX_BODY_BYTES) return undefined;
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function listen(server: Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      server.removeListener('listening', onListening);
      if (error.code === 'EADDRINUSE') {
        reject(
          new LocalStackError(
            `Port ${port} on ${host} is already in use (another \`npm start\` may be running). ` +
              `Stop it, or choose another port: PORT=${port === 3000 ? 3001 : port + 1} npm start`,
          ),
        );
      } else if (error.code === 'EACCES') {
        reject(
          new LocalStackError(
            `Not allowed to listen on port ${port}; choose a port above 1023: PORT=3000 npm start`,
          ),
        );
      } else {
        reject(error);
      }
    };
    const onListening = () => {
      server.removeListener('error', onError);
      resolve((server.address() as AddressInfo).port);
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, host);
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) {
      resolve();
      return;
    }
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
