/** The failure poller's retry attempts per bunq failure, on the dedupe table (see `recovery-table.ts`). */
import {
  type AttributeValue,
  ConditionalCheckFailedException,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { type AttemptStore, type FailureRecord, storedEventType } from '../../shared/pipeline/recovery/ports';
import { DEDUPE_TABLE_KEY, DEDUPE_TABLE_TTL_ATTRIBUTE } from '../../shared/wiring/function-env';
import {
  arrivalKey,
  attemptKey,
  batchGet,
  EXPECTED_ATTRIBUTE,
  epochSeconds,
  type RecoveryWriterOptions,
} from './recovery-table';

/** Retry attempts per failure on DynamoDB. */
export function dynamoAttemptStore(options: RecoveryWriterOptions): AttemptStore {
  const now = options.now ?? (() => new Date());
  const expiration = (at: Date): AttributeValue => ({ N: String(epochSeconds(at) + options.ttlSeconds) });
  const update = (
    userId: number,
    failureId: number,
    expression: string,
    values: Record<string, AttributeValue>,
  ) =>
    new UpdateItemCommand({
      TableName: options.tableName,
      Key: { [DEDUPE_TABLE_KEY]: { S: attemptKey(userId, failureId) } },
      UpdateExpression: expression,
      ExpressionAttributeNames: { '#expiration': DEDUPE_TABLE_TTL_ATTRIBUTE },
      ExpressionAttributeValues: values,
      ReturnValues: 'UPDATED_NEW',
    });

  return {
    async load(userId, failureIds) {
      const idByKey = new Map(failureIds.map((id) => [attemptKey(userId, id), id]));
      const items = await batchGet(options, [...idByKey.keys()], now());
      const records = new Map<number, FailureRecord>();
      for (const item of items) {
        const failureId = idByKey.get(item[DEDUPE_TABLE_KEY]?.S ?? '');
        if (failureId === undefined) continue;
        records.set(failureId, {
          failureId,
          attempts: Number(item.attempts?.N ?? '0'),
          exhaustedAt: item.exhaustedAt?.S ?? null,
          arrivedAt: item.arrivedAt?.S ?? null,
        });
      }
      return records;
    },

    async recordAttempt(userId, failureId, at) {
      const answer = await options.client.send(
        update(
          userId,
          failureId,
          'ADD attempts :one SET lastAttemptAt = :at, firstAttemptAt = if_not_exists(firstAttemptAt, :at), #expiration = :expiration',
          { ':one': { N: '1' }, ':at': { S: at.toISOString() }, ':expiration': expiration(at) },
        ),
      );
      return Number(answer.Attributes?.attempts?.N ?? '1');
    },

    async markExhausted(userId, failureId, at) {
      const command = update(userId, failureId, 'SET exhaustedAt = :at, #expiration = :expiration', {
        ':at': { S: at.toISOString() },
        ':expiration': expiration(at),
      });
      command.input.ConditionExpression = 'attribute_not_exists(exhaustedAt)';
      try {
        await options.client.send(command);
        return true;
      } catch (error) {
        if (error instanceof ConditionalCheckFailedException) return false;
        throw error;
      }
    },

    async expectRedeliveries(expected, at) {
      // On the arrival item, where the normalizer's one write finds it (`arrival-store.ts`). The core
      // calls this per retry request: at most 100 failures.
      const write = (ref: (typeof expected)[number]) =>
        options.client.send(
          new UpdateItemCommand({
            TableName: options.tableName,
            Key: { [DEDUPE_TABLE_KEY]: { S: arrivalKey(ref) } },
            UpdateExpression:
              'ADD #expected :eventType SET #expiration = if_not_exists(#expiration, :expiration)',
            ExpressionAttributeNames: {
              '#expected': EXPECTED_ATTRIBUTE,
              '#expiration': DEDUPE_TABLE_TTL_ATTRIBUTE,
            },
            ExpressionAttributeValues: {
              ':eventType': { SS: [storedEventType(ref.eventType)] },
              ':expiration': expiration(at),
            },
          }),
        );
      await Promise.all(expected.map(write));
    },

    async markArrived(userId, failureId, at) {
      await options.client.send(
        update(
          userId,
          failureId,
          'SET arrivedAt = if_not_exists(arrivedAt, :at), #expiration = :expiration',
          {
            ':at': { S: at.toISOString() },
            ':expiration': expiration(at),
          },
        ),
      );
    },
  };
}
