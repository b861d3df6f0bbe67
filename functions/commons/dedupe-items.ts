/** The dedupe table's items as the DynamoDB dedupe store (`./dedupe-store.ts`) writes and reads them. */
import { type AttributeValue, ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { RECORD_KEY_PREFIX, type StoredClaim } from '../../shared/pipeline/normalize/dedupe';
import { DEDUPE_TABLE_KEY, DEDUPE_TABLE_TTL_ATTRIBUTE } from '../../shared/wiring/function-env';

export type Item = Record<string, AttributeValue>;
export const S = (value: string): AttributeValue => ({ S: value });
export const N = (value: number): AttributeValue => ({ N: String(value) });
export const ATTRIBUTES: Record<string, string> = {
  id: DEDUPE_TABLE_KEY,
  exp: DEDUPE_TABLE_TTL_ATTRIBUTE,
  status: 'status',
  batch: 'batch',
  ipe: 'in_progress_expiration',
};
/** `#name` placeholders for the attributes an expression uses (DynamoDB refuses unused ones). */
export const names = (...used: string[]) =>
  Object.fromEntries(used.map((name) => [`#${name}`, ATTRIBUTES[name] ?? name]));
/** Batch items list keys without the prefix all record keys share (fewer bytes: one write unit at 10). */
export const KEY_PREFIX = RECORD_KEY_PREFIX;
export const short = (key: string) => (key.startsWith(KEY_PREFIX) ? key.slice(KEY_PREFIX.length) : key);
export const batchId = (batch: string) => `bunq-callback-batch#${batch}`;
export const isConditionFailure = (error: unknown) => error instanceof ConditionalCheckFailedException;

export function heldBy(item: Item | undefined, nowMs: number): StoredClaim {
  const status = item?.status?.S;
  if (status === 'COMPLETED') {
    const legacy =
      item?.data?.S === undefined ? undefined : (JSON.parse(item.data.S) as { eventId?: string });
    return { state: 'completed', eventId: item?.eventId?.S ?? legacy?.eventId ?? null };
  }
  // A Powertools claim (INPROGRESS) has no batch; one that vanished meanwhile is retried as in progress.
  const until = Number(item?.in_progress_expiration?.N ?? nowMs);
  return { state: 'claimed', batch: item?.batch?.S ?? null, inProgressUntilMs: until };
}
