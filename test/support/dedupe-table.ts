/** Creates the dedupe table (and the other tables) as the CDK stack does, on dynalite or moto (tests). */
import {
  CreateTableCommand,
  type DynamoDBClient,
  ResourceInUseException,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { DEDUPE_TABLE_KEY, DEDUPE_TABLE_TTL_ATTRIBUTE } from '../../shared/wiring/function-env';

/** An on-demand table with a partition key only, as the stack's tables are. */
export async function createHashKeyTable(
  client: DynamoDBClient,
  tableName: string,
  key: string,
  type: 'S' | 'N',
): Promise<void> {
  await client.send(
    new CreateTableCommand({
      TableName: tableName,
      AttributeDefinitions: [{ AttributeName: key, AttributeType: type }],
      KeySchema: [{ AttributeName: key, KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
}

export async function createDedupeTable(client: DynamoDBClient, tableName: string): Promise<void> {
  try {
    await createHashKeyTable(client, tableName, DEDUPE_TABLE_KEY, 'S');
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
    // dynalite does not implement TTL; DynamoDB does. Expiry is also checked on every claim and read.
  }
}
