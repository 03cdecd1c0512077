import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

export interface DynamoClientOptions {
  /** DynamoDB Local's URL, for tests and the local stack; the Region's endpoint when omitted. */
  endpoint?: string;
  region?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** Attempts per request for the SDK's own retries of throttling and transient errors. */
  maxAttempts?: number;
  /**
   * Wraps the low-level client before the document client is built on it, so that every request
   * passes through what it adds (in Lambda: Powertools Tracer's `captureAWSv3Client`).
   */
  instrument?: (client: DynamoDBClient) => DynamoDBClient;
}

export interface DynamoClients {
  /** The low-level client: table administration, and where request middleware is attached. */
  client: DynamoDBClient;
  /** The document client the store uses; it shares the low-level client's middleware stack. */
  documentClient: DynamoDBDocumentClient;
}

/**
 * Builds the DynamoDB clients. In Lambda, call it once at cold start with no options (Region
 * and credentials come from the execution environment); tests and the local stack pass the
 * DynamoDB Local endpoint and dummy credentials.
 */
export function createDynamoClients(options: DynamoClientOptions = {}): DynamoClients {
  const created = new DynamoDBClient({
    ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }),
    ...(options.region === undefined ? {} : { region: options.region }),
    ...(options.credentials === undefined ? {} : { credentials: options.credentials }),
    ...(options.maxAttempts === undefined ? {} : { maxAttempts: options.maxAttempts }),
  });
  const client = options.instrument?.(created) ?? created;
  const documentClient = DynamoDBDocumentClient.from(client, {
    // Optional domain fields are left out rather than stored as NULL.
    marshallOptions: { removeUndefinedValues: true },
  });
  return { client, documentClient };
}

/** Clients for DynamoDB Local at `endpoint` (any credentials work with `-sharedDb`). */
export function createLocalDynamoClients(endpoint: string): DynamoClients {
  return createDynamoClients({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
}
