/**
 * The reconciler's cursor in the dedupe table, next to the poller's items: `reconcile#<userId>` holds
 * `lastEventId`, the id of the last bunq event the reconciler settled. It has no `expiration`: losing it would
 * make the next run start over at the newest event and skip whatever is between.
 */
import { type DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import type { ReconcileCursorStore } from '../../shared/pipeline/reconcile/ports';
import { DEDUPE_TABLE_KEY } from '../../shared/wiring/function-env';

export const CURSOR_KEY_PREFIX = 'reconcile#';

export interface CursorTableOptions {
  readonly client: DynamoDBClient;
  readonly tableName: string;
  /** @default () => new Date() */
  readonly now?: () => Date;
}

/** The item key of a user's cursor. */
export const cursorKey = (userId: number): string => `${CURSOR_KEY_PREFIX}${userId}`;

export function dynamoCursorStore(options: CursorTableOptions): ReconcileCursorStore {
  const now = options.now ?? (() => new Date());
  return {
    async load(userId) {
      const answer = await options.client.send(
        new GetItemCommand({
          TableName: options.tableName,
          Key: { [DEDUPE_TABLE_KEY]: { S: cursorKey(userId) } },
          ConsistentRead: true,
        }),
      );
      const text = answer.Item?.lastEventId?.N;
      return text === undefined ? null : Number(text);
    },
    async save(userId, lastEventId) {
      await options.client.send(
        new PutItemCommand({
          TableName: options.tableName,
          Item: {
            [DEDUPE_TABLE_KEY]: { S: cursorKey(userId) },
            lastEventId: { N: String(lastEventId) },
            savedAt: { S: now().toISOString() },
          },
        }),
      );
    },
  };
}
