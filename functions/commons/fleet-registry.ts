/**
 * The fleet registry on its own DynamoDB table (partition key `userId`, a number): one item per provisioned
 * user, the entry's fields as attributes. Its own table rather than items in the dedupe table: the fleet is
 * listed whole (a scan of the dedupe table would read every dedupe marker), and its items never expire.
 */
import { type DynamoDBClient, GetItemCommand, PutItemCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { type FleetEntry, type FleetRegistry, parseFleetEntry } from '../../shared/fleet/registry';
import { FLEET_TABLE_KEY } from '../../shared/wiring/function-env';

export interface FleetTableOptions {
  readonly client: DynamoDBClient;
  readonly tableName: string;
}

export function dynamoFleetRegistry(options: FleetTableOptions): FleetRegistry {
  const { client, tableName } = options;
  return {
    async get(userId) {
      const answer = await client.send(
        new GetItemCommand({
          TableName: tableName,
          Key: { [FLEET_TABLE_KEY]: { N: String(userId) } },
          ConsistentRead: true,
        }),
      );
      return answer.Item === undefined ? null : parseFleetEntry(unmarshall(answer.Item), `of user ${userId}`);
    },
    async put(entry) {
      await client.send(
        new PutItemCommand({
          TableName: tableName,
          Item: marshall(parseFleetEntry(entry, `of user ${entry.userId}`)),
        }),
      );
    },
    async list() {
      const entries: FleetEntry[] = [];
      let startKey: Record<string, import('@aws-sdk/client-dynamodb').AttributeValue> | undefined;
      do {
        const page = await client.send(
          new ScanCommand({ TableName: tableName, ConsistentRead: true, ExclusiveStartKey: startKey }),
        );
        for (const item of page.Items ?? []) entries.push(parseFleetEntry(unmarshall(item), 'in the table'));
        startKey = page.LastEvaluatedKey;
      } while (startKey !== undefined);
      return entries.sort((a, b) => a.userId - b.userId);
    },
  };
}
