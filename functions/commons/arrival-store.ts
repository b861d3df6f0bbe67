/** The arrival log on the dedupe table (see `recovery-table.ts`): the normalizer writes it, the poller reads it. */
import { UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import {
  type ArrivalEntry,
  type ArrivalLog,
  type ArrivalRecorder,
  type ArrivedCallback,
  arrivalId,
} from '../../shared/pipeline/recovery/ports';
import { DEDUPE_TABLE_KEY, DEDUPE_TABLE_TTL_ATTRIBUTE } from '../../shared/wiring/function-env';
import {
  arrivalKey,
  batchGet,
  epochSeconds,
  type RecoveryTableOptions,
  type RecoveryWriterOptions,
} from './recovery-table';

/** The normalizer's side of the arrival log: one small item per category and object id that arrived. */
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
        // An item written before `callbacks` existed has none: matchFailure treats that as ambiguous.
        if (id !== undefined) found.set(id, (item.callbacks?.SS ?? []).flatMap(parseEntry));
      }
      return found;
    },
  };
}
