import type { TestProject } from 'vitest/node';
import { type DynamoDbLocal, startDynamoDbLocal } from '../../infra/local/dynamodb-local';

declare module 'vitest' {
  export interface ProvidedContext {
    dynamoEndpoint: string;
  }
}

let engine: DynamoDbLocal | undefined;

/** Starts one in-memory DynamoDB Local for the integration project; each test file makes its own table. */
export async function setup(project: TestProject) {
  engine = await startDynamoDbLocal();
  project.provide('dynamoEndpoint', engine.endpoint);
}

export async function teardown() {
  await engine?.stop();
}
