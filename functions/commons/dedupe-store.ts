/**
 * The dedupe store: Powertools Idempotency's DynamoDB persistence layer on the dedupe table. A callback's
 * record is claimed IN_PROGRESS (with an expiry tied to the Lambda's remaining time, so a crash frees it) and
 * marked COMPLETED only after its event was published.
 */
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import {
  CreateTableCommand,
  type DynamoDBClient,
  ResourceInUseException,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { DEDUPE_TABLE_KEY, DEDUPE_TABLE_TTL_ATTRIBUTE } from '../../shared/wiring/function-env';

export interface DedupeStoreOptions {
  readonly tableName: string;
  readonly client: DynamoDBClient;
}

export function createDedupeStore(options: DedupeStoreOptions): DynamoDBPersistenceLayer {
  return new DynamoDBPersistenceLayer({
    tableName: options.tableName,
    keyAttr: DEDUPE_TABLE_KEY,
    expiryAttr: DEDUPE_TABLE_TTL_ATTRIBUTE,
    awsSdkV3Client: options.client,
  });
}

/**
 * Creates the dedupe table as the CDK stack does (for the local runtime and tests on dynalite). Succeeds if
 * it exists already.
 */
export async function createDedupeTable(client: DynamoDBClient, tableName: string): Promise<void> {
  try {
    await client.send(
      new CreateTableCommand({
        TableName: tableName,
        AttributeDefinitions: [{ AttributeName: DEDUPE_TABLE_KEY, AttributeType: 'S' }],
        KeySchema: [{ AttributeName: DEDUPE_TABLE_KEY, KeyType: 'HASH' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
  } catch (error) {
    if (error instanceof ResourceInUseException) return;
    throw error;
  }
  try {
    await client.send(
      new UpdateTimeToLiveCommand({
        TableName: tableName,
        TimeToLiveSpecification: { AttributeName: DEDUPE_TABLE_TTL_ATTRIBUTE, Enabled: true },
      }),
    );
  } catch {
    // dynalite does not implement TTL; DynamoDB does. Expiry is also checked on read by Powertools.
  }
}
