/**
 * The failure poller's memory, in the dedupe table next to the dedupe markers (distinct key prefixes, same
 * `id` key and `expiration` TTL attribute):
 *
 * - `arrived#<category>#<objectId>`: written by the normalizer before it publishes a callback (or finds it
 *   a duplicate of one), with `callbacks`, a string set of `["<eventType>","<objectType>"]` (JSON), since
 *   ids are unique per object type only and two objects can share a category and id, and
 *   `first ["<eventType>","<objectType>"]`, the dedupe key of the first such callback; read by the poller to
 *   skip bunq failures whose callback has since arrived (`matchFailure`), and by the reconciler. Lives as
 *   long as a dedupe marker. Before asking bunq to re-send failures, the poller adds their event types
 *   (JSON) to `expected` on the same item, so the normalizer's write (returning the old item) tells a
 *   re-sent callback apart (`recoveredBy: "failure-retry"`); an item with `expected` but no `arrivedAt` is
 *   no arrival.
 * - `retry#<userId>#<failureId>`: the poller's retry attempts for one bunq failure (`attempts`,
 *   `firstAttemptAt`, `lastAttemptAt`, `exhaustedAt`, `arrivedAt`). Lives `attemptTtlSeconds` after its last
 *   change.
 *
 * DynamoDB deletes expired items lazily (up to days later), so reads treat an expired item as absent.
 */
import { type AttributeValue, BatchGetItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { arrivalId, type CallbackRef } from '../../shared/pipeline/recovery/ports';
import { DEDUPE_TABLE_KEY, DEDUPE_TABLE_TTL_ATTRIBUTE } from '../../shared/wiring/function-env';

export const ARRIVAL_KEY_PREFIX = 'arrived#';
export const ATTEMPT_KEY_PREFIX = 'retry#';
/** On an arrival item: the event types (JSON) of the redeliveries the poller asked bunq for. */
export const EXPECTED_ATTRIBUTE = 'expected';
/** On an arrival item, before `["<eventType>","<objectType>"]`: the dedupe key of the first such callback. */
export const FIRST_ATTRIBUTE_PREFIX = 'first ';
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

export const epochSeconds = (date: Date): number => Math.floor(date.getTime() / 1_000);

/** Every unexpired item among `keys`, in batches of 100, retrying what DynamoDB left unprocessed. */
export async function batchGet(
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
