/** The arrival log on the dedupe table (see `recovery-table.ts`): the normalizer writes it, the poller reads it. */
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { type ArrivalLog, type ArrivalRecorder, arrivalId } from '../../shared/pipeline/recovery/ports';
import { DEDUPE_TABLE_KEY, DEDUPE_TABLE_TTL_ATTRIBUTE } from '../../shared/wiring/function-env';
import {
  arrivalKey,
  batchGet,
  epochSeconds,
  type RecoveryTableOptions,
  type RecoveryWriterOptions,
} from './recovery-table';

/** The normalizer's side of the arrival log: one small item per callback that became an event. */
export function dynamoArrivalRecorder(options: RecoveryWriterOptions): ArrivalRecorder {
  const now = options.now ?? (() => new Date());
  return {
    async recordArrival(ref) {
      const at = now();
      await options.client.send(
        new PutItemCommand({
          TableName: options.tableName,
          Item: {
            [DEDUPE_TABLE_KEY]: { S: arrivalKey(ref) },
            [DEDUPE_TABLE_TTL_ATTRIBUTE]: { N: String(epochSeconds(at) + options.ttlSeconds) },
            arrivedAt: { S: at.toISOString() },
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
    async arrived(refs) {
      const byKey = new Map(refs.map((ref) => [arrivalKey(ref), arrivalId(ref)]));
      const items = await batchGet(options, [...byKey.keys()], now());
      const found = new Set<string>();
      for (const item of items) {
        const id = byKey.get(item[DEDUPE_TABLE_KEY]?.S ?? '');
        if (id !== undefined) found.add(id);
      }
      return found;
    },
  };
}
