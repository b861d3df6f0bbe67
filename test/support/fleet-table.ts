/** A fleet registry table as the stack makes it (partition key `userId`, a number), for dynalite and moto. */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { FLEET_TABLE_KEY } from '../../shared/wiring/function-env';
import { createHashKeyTable } from './dedupe-table';

export async function createFleetTable(client: DynamoDBClient, tableName: string): Promise<string> {
  await createHashKeyTable(client, tableName, FLEET_TABLE_KEY, 'N');
  return tableName;
}
