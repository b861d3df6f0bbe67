/**
 * The dedupe store on DynamoDB (`shared/pipeline/normalize/dedupe.ts`): a claim item per callback
 * (`status` CLAIMED, its `batch`, `in_progress_expiration` in ms, TTL `expiration`) and one item per batch
 * listing the published keys with their event ids. Item ids and attribute names are Powertools
 * Idempotency's, so its COMPLETED markers (and claims in flight at an upgrade) keep working.
 */
import {
  DeleteItemCommand,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import type { DedupeStore } from '../../shared/pipeline/normalize/dedupe';
import {
  batchId,
  batchItem,
  batchListing,
  claimItem,
  conditional,
  heldBy,
  isConditionFailure,
  key,
  N,
  names,
  S,
} from './dedupe-items';

export interface DedupeStoreOptions {
  readonly tableName: string;
  readonly client: DynamoDBClient;
}

export function createDedupeStore({ tableName, client }: DedupeStoreOptions): DedupeStore {
  const get = async (id: string) =>
    (await client.send(new GetItemCommand({ TableName: tableName, Key: key(id), ConsistentRead: true })))
      .Item;

  return {
    async claim(write, nowMs) {
      try {
        await client.send(
          new PutItemCommand({
            TableName: tableName,
            Item: claimItem(write),
            ConditionExpression:
              'attribute_not_exists(#id) OR #exp < :nowS OR (#status = :legacy AND #ipe < :nowMs)',
            ExpressionAttributeNames: names('id', 'exp', 'status', 'ipe'),
            ExpressionAttributeValues: {
              ':nowS': N(Math.floor(nowMs / 1_000)),
              ':nowMs': N(nowMs),
              ':legacy': S('INPROGRESS'),
            },
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          }),
        );
        return null;
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
        return heldBy(error.Item ?? (await get(write.key)), nowMs);
      }
    },
    takeOver: (write, from) =>
      conditional(() =>
        client.send(
          new PutItemCommand({
            TableName: tableName,
            Item: claimItem(write),
            ConditionExpression: '#status = :claimed AND #batch = :from',
            ExpressionAttributeNames: names('status', 'batch'),
            ExpressionAttributeValues: { ':claimed': S('CLAIMED'), ':from': S(from) },
          }),
        ),
      ),
    async readBatch(batch) {
      return batchListing(await get(batchId(batch)), Date.now() / 1_000);
    },
    async release(recordKey, batch) {
      // False when another copy took the claim over: it is no longer ours to release.
      await conditional(() =>
        client.send(
          new DeleteItemCommand({
            TableName: tableName,
            Key: key(recordKey),
            ConditionExpression: '#batch = :batch',
            ExpressionAttributeNames: names('batch'),
            ExpressionAttributeValues: { ':batch': S(batch) },
          }),
        ),
      );
    },
    async commitBatch(batch, published, expiresAtSeconds) {
      await client.send(
        new PutItemCommand({ TableName: tableName, Item: batchItem(batch, published, expiresAtSeconds) }),
      );
    },
    async complete(published, batch, expiresAtSeconds) {
      await client.send(
        new UpdateItemCommand({
          TableName: tableName,
          Key: key(published.key),
          UpdateExpression: 'SET #status = :completed, eventId = :eventId, #exp = :exp REMOVE #batch, #ipe',
          ConditionExpression: '#batch = :batch',
          ExpressionAttributeNames: names('status', 'exp', 'batch', 'ipe'),
          ExpressionAttributeValues: {
            ':completed': S('COMPLETED'),
            ':eventId': S(published.eventId),
            ':exp': N(expiresAtSeconds),
            ':batch': S(batch),
          },
        }),
      );
    },
  };
}
