/**
 * The failure poller's memory, in the dedupe table next to the dedupe markers (distinct key prefixes, same
 * `id` key and `expiration` TTL attribute):
 *
 * - `arrived#<category>#<objectId>`: written by the normalizer after it published a callback (or found it
 *   was a duplicate of one), with `callbacks`, a string set of `["<eventType>","<objectType>"]` (JSON), since
 *   ids are unique per object type only and two objects can share a category and id; read by the poller to
 *   skip bunq failures whose callback has since arrived (`matchFailure`), and by the reconciler. Lives as
 *   long as a dedupe marker.
 * - `retry#<userId>#<failureId>`: the poller's retry attempts for one bunq failure (`attempts`,
 *   `firstAttemptAt`, `lastAttemptAt`, `exhaustedAt`, `arrivedAt`). Lives `attemptTtlSeconds` after its last
 *   change.
 *
 * DynamoDB deletes expired items lazily (up to days later), so reads treat an expired item as absent.
 */
import {
  type AttributeValue,
  BatchGetItemCommand,
  ConditionalCheckFailedException,
  type DynamoDBClient,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import {
  type ArrivalEntry,
  type ArrivalLog,
  type ArrivalRecorder,
  type ArrivedCallback,
  type AttemptStore,
  arrivalId,
  type CallbackRef,
  type FailureRecord,
} from '../../shared/pipeline/recovery/ports';
import { DEDUPE_TABLE_KEY, DEDUPE_TABLE_TTL_ATTRIBUTE } from '../../shared/wiring/function-env';

export const ARRIVAL_KEY_PREFIX = 'arrived#';
export const ATTEMPT_KEY_PREFIX = 'retry#';
/** BatchGetItem takes at most 100 keys. */
const BATCH_GET_MAX_KEYS = 100;
/** Rounds of UnprocessedKeys (DynamoDB throttling) before a look-up gives up. */
const BATCH_GET_MAX_ROUNDS = 5;

/** The item key of a callback's arrival. */
export const arrivalKey = (ref: CallbackRef): string => `${ARRIVAL_KEY_PREFIX}${arrivalId(ref)}`;
/** The item key of a failure's attempt record. */
export const attemptKey = (userId: number, failureId: number): string =>
  `${ATTEMPT_KEY_PREFIX}${userId}#${failureId}`;

export interface RecoveryTableOptions {
  readonly client: DynamoDBClient;
  readonly tableName: string;
  /** @default () => new Date() */
  readonly now?: () => Date;
}

export interface RecoveryWriterOptions extends RecoveryTableOptions {
  /** Seconds an item lives after its last write. */
  readonly ttlSeconds: number;
}

const epochSeconds = (date: Date): number => Math.floor(date.getTime() / 1_000);

/** The normalizer's side of the arrival log: one small item per callback that became an event. */
export function dynamoArrivalRecorder(options: RecoveryWriterOptions): ArrivalRecorder {
  const now = options.now ?? (() => new Date());
  return {
    async recordArrival(arrival: ArrivedCallback) {
      const at = now();
      // ADD to a string set: a second object under the same category and id is added, never overwrites.
      await options.client.send(
        new UpdateItemCommand({
          TableName: options.tableName,
          Key: { [DEDUPE_TABLE_KEY]: { S: arrivalKey(arrival) } },
          UpdateExpression:
            'ADD callbacks :callbacks SET arrivedAt = if_not_exists(arrivedAt, :at), #expiration = :expiration',
          ExpressionAttributeNames: { '#expiration': DEDUPE_TABLE_TTL_ATTRIBUTE },
          ExpressionAttributeValues: {
            ':callbacks': { SS: [JSON.stringify([arrival.eventType, arrival.objectType])] },
            ':at': { S: at.toISOString() },
            ':expiration': { N: String(epochSeconds(at) + options.ttlSeconds) },
          },
        }),
      );
    },
  };
}

/** The poller's side of the arrival log. */
export function dynamoArrivalLog(options: RecoveryTableOptions): ArrivalLog {
  const now = options.now ?? (() => new Date());
  return {
    async arrivals(refs) {
      const byKey = new Map(refs.map((ref) => [arrivalKey(ref), arrivalId(ref)]));
      const items = await batchGet(options, [...byKey.keys()], now());
      const found = new Map<string, readonly ArrivalEntry[]>();
      for (const item of items) {
        const id = byKey.get(item[DEDUPE_TABLE_KEY]?.S ?? '');
        // An item written before `callbacks` existed has none: matchFailure treats that as ambiguous.
        if (id !== undefined) found.set(id, (item.callbacks?.SS ?? []).flatMap(parseEntry));
      }
      return found;
    },
  };
}

/** One element of an arrival's `callbacks` set; a malformed one (edited by hand) is left out. */
function parseEntry(text: string): ArrivalEntry[] {
  try {
    const [eventType, objectType] = JSON.parse(text) as unknown[];
    if ((eventType === null || typeof eventType === 'string') && typeof objectType === 'string') {
      return [{ eventType, objectType }];
    }
  } catch {
    // Falls through: not one of ours.
  }
  return [];
}

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

/** Every unexpired item among `keys`, in batches of 100, retrying what DynamoDB left unprocessed. */
async function batchGet(
  options: RecoveryTableOptions,
  keys: readonly string[],
  at: Date,
): Promise<Array<Record<string, AttributeValue>>> {
  const unique = [...new Set(keys)];
  const items: Array<Record<string, AttributeValue>> = [];
  for (let start = 0; start < unique.length; start += BATCH_GET_MAX_KEYS) {
    let pending: Array<Record<string, AttributeValue>> = unique
      .slice(start, start + BATCH_GET_MAX_KEYS)
      .map((key) => ({ [DEDUPE_TABLE_KEY]: { S: key } }));
    for (let round = 1; pending.length > 0; round += 1) {
      if (round > BATCH_GET_MAX_ROUNDS) {
        throw new Error(
          `DynamoDB left ${pending.length} keys of table ${options.tableName} unprocessed after ${BATCH_GET_MAX_ROUNDS} rounds (throttled).`,
        );
      }
      if (round > 1) await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** round));
      const answer = await options.client.send(
        new BatchGetItemCommand({
          RequestItems: { [options.tableName]: { Keys: pending, ConsistentRead: true } },
        }),
      );
      items.push(...(answer.Responses?.[options.tableName] ?? []));
      pending = answer.UnprocessedKeys?.[options.tableName]?.Keys ?? [];
    }
  }
  const nowSeconds = epochSeconds(at);
  return items.filter((item) => {
    const expires = Number(item[DEDUPE_TABLE_TTL_ATTRIBUTE]?.N ?? Number.POSITIVE_INFINITY);
    return !(expires <= nowSeconds);
  });
}
