/** A fleet registry table as the stack makes it (partition key `userId`, a number), for dynalite and moto. */
import { CreateTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { FLEET_TABLE_KEY } from '../../shared/wiring/function-env';

export async function createFleetTable(client: DynamoDBClient, tableName: string): Promise<string> {
  await client.send(
    new CreateTableCommand({
      TableName: tableName,
      KeySchema: [{ AttributeName: FLEET_TABLE_KEY, KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: FLEET_TABLE_KEY, AttributeType: 'N' }],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
  return tableName;
}
