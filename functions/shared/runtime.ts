import { type Config, ConfigError } from '../../lib/config';
import { DynamoSelectorStore } from '../../lib/store/dynamo-selector-store';
import { createDynamoClients } from '../../lib/store/dynamodb-client';

/**
 * The store every function uses in Lambda: one client per execution environment, created at
 * cold start, on the table named by TABLE_NAME.
 * @throws ConfigError when TABLE_NAME is not set, so that the cold start fails loudly.
 */
export function createRuntimeStore(config: Config): DynamoSelectorStore {
  if (config.tableName === undefined) {
    throw new ConfigError([
      {
        variable: 'TABLE_NAME',
        received: undefined,
        message: 'TABLE_NAME must be a non-empty string (unset); every function needs the table',
      },
    ]);
  }
  return new DynamoSelectorStore(createDynamoClients().documentClient, config.tableName);
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
