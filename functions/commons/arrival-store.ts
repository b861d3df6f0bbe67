/** The arrival log on the dedupe table (see `recovery-table.ts`): the normalizer writes it, the poller reads it. */
import { UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import {
  type ArrivalEntry,
  type ArrivalLog,
  type ArrivalRecorder,
  type ArrivedCallback,
  answersRetry,
  arrivalId,
} from '../../shared/pipeline/recovery/ports';
import { DEDUPE_TABLE_KEY, DEDUPE_TABLE_TTL_ATTRIBUTE } from '../../shared/wiring/function-env';
import {
  arrivalKey,
  batchGet,
  EXPECTED_ATTRIBUTE,
  epochSeconds,
  FIRST_ATTRIBUTE_PREFIX,
  type RecoveryTableOptions,
  type RecoveryWriterOptions,
} from './recovery-table';

/**
 * The normalizer's side of the arrival log: one small item per category and object id that arrived. The
 * same write keeps the dedupe key of the first callback of each event and object type and returns the item
 * as it was, so the poller's expected redeliveries (`attempt-store.ts`) answer `answersRetry` at no extra
 * request.
 */
export function dynamoArrivalRecorder(options: RecoveryWriterOptions): ArrivalRecorder {
  const now = options.now ?? (() => new Date());
  return {
    async recordArrival(arrival: ArrivedCallback) {
      const at = now();
      const kind = JSON.stringify([arrival.eventType, arrival.objectType]);
      // ADD to a string set: a second object under the same category and id is added, never overwrites.
      const answer = await options.client.send(
        new UpdateItemCommand({
          TableName: options.tableName,
          Key: { [DEDUPE_TABLE_KEY]: { S: arrivalKey(arrival) } },
          UpdateExpression:
            'ADD callbacks :callbacks SET arrivedAt = if_not_exists(arrivedAt, :at), #expiration = :expiration, #first = if_not_exists(#first, :dedupKey)',
          ExpressionAttributeNames: {
            '#expiration': DEDUPE_TABLE_TTL_ATTRIBUTE,
            '#first': `${FIRST_ATTRIBUTE_PREFIX}${kind}`,
          },
          ExpressionAttributeValues: {
            ':callbacks': { SS: [kind] },
            ':at': { S: at.toISOString() },
            ':expiration': { N: String(epochSeconds(at) + options.ttlSeconds) },
            ':dedupKey': { S: arrival.dedupKey },
          },
          ReturnValues: 'ALL_OLD',
        }),
      );
      const old = answer?.Attributes;
      return {
        answersRetry: answersRetry(
          arrival,
          old?.[EXPECTED_ATTRIBUTE]?.SS ?? [],
          old?.[`${FIRST_ATTRIBUTE_PREFIX}${kind}`]?.S,
        ),
      };
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
    // Not one of ours: left out.
  }
  return [];
}

/** The poller's and the reconciler's side of the arrival log. */
export function dynamoArrivalLog(options: RecoveryTableOptions): ArrivalLog {
  const now = options.now ?? (() => new Date());
  return {
    async arrivals(refs) {
      const byKey = new Map(refs.map((ref) => [arrivalKey(ref), arrivalId(ref)]));
      const items = await batchGet(options, [...byKey.keys()], now());
      const found = new Map<string, readonly ArrivalEntry[]>();
      for (const item of items) {
        const id = byKey.get(item[DEDUPE_TABLE_KEY]?.S ?? '');
        // An item written before `callbacks` existed has none: matchFailure treats that as ambiguous. One
        // holding only the poller's expected redeliveries (no `arrivedAt`) is no arrival.
        if (id !== undefined && item.arrivedAt !== undefined) {
          found.set(id, (item.callbacks?.SS ?? []).flatMap(parseEntry));
        }
      }
      return found;
    },
  };
}
