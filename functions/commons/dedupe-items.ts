/** The dedupe table's items as the DynamoDB dedupe store (`./dedupe-store.ts`) writes and reads them. */
import { type AttributeValue, ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  type ClaimWrite,
  type PublishedKey,
  RECORD_KEY_PREFIX,
  type StoredClaim,
} from '../../shared/pipeline/normalize/dedupe';
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

/** Sends a conditional write; false when its condition failed. */
export async function conditional(write: () => Promise<unknown>): Promise<boolean> {
  try {
    await write();
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
}

export const key = (id: string): Item => ({ [DEDUPE_TABLE_KEY]: S(id) });
export const claimItem = (write: ClaimWrite): Item => ({
  ...key(write.key),
  status: S('CLAIMED'),
  batch: S(write.batch),
  in_progress_expiration: N(write.inProgressUntilMs),
  [DEDUPE_TABLE_TTL_ATTRIBUTE]: N(write.expiresAtSeconds),
});

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

/** The item of one batch: each published key (without the prefix) with its event id. */
export function batchItem(batch: string, published: readonly PublishedKey[], expiresAtSeconds: number): Item {
  const listed = Object.fromEntries(published.map((one) => [short(one.key), S(one.eventId)]));
  return {
    ...key(batchId(batch)),
    status: S('BATCH'),
    published: { M: listed },
    [DEDUPE_TABLE_TTL_ATTRIBUTE]: N(expiresAtSeconds),
  };
}

/** The published keys (with the prefix) and event ids a batch item lists; undefined when absent or expired. */
export function batchListing(item: Item | undefined, nowSeconds: number): Map<string, string> | undefined {
  if (item === undefined || Number(item.expiration?.N) < nowSeconds) return undefined;
  const listed = Object.entries(item.published?.M ?? {});
  return new Map(listed.map(([name, value]) => [`${KEY_PREFIX}${name}`, value.S ?? '']));
}
