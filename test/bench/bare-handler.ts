/**
 * The cold-start baseline: the least a function on the table can be. It imports only the
 * DynamoDB document client, creates it at cold start as the functions do, and reads one item.
 * Bundled with the functions' own options (test/bench/cold-start.ts).
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';

const documentClient = DynamoDBDocumentClient.from(new DynamoDBClient({}));

export const handler = async (event: { id?: string }) => {
  const result = await documentClient.send(
    new GetCommand({ TableName: 'bare', Key: { pk: String(event.id), sk: 'DECISION' } }),
  );
  return { statusCode: result.Item === undefined ? 404 : 200 };
};
