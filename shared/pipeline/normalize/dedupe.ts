/**
 * Batch-commit dedupe: the normalizer's effectively-once rule at 1 + 1/batch writes per callback.
 *
 * Each record is claimed with a conditional write before it is published (the claim names its batch and
 * expires with the invocation's deadline), and once every record of the batch is done, the keys whose
 * events the bus accepted are committed in one item per batch. A copy that finds a claim reads the claim's
 * batch item: the key is listed (published: a duplicate), the batch committed without it or the claim's
 * deadline passed with no commit (its invocation died before publishing, or could not commit: the copy takes
 * the claim over and publishes), or the claim is still live (another copy is at work: retry later). A marker
 * is never committed for an unpublished event (principle 4): a batch item lists only accepted events.
 *
 * The store is a port: DynamoDB in AWS (`functions/commons/dedupe-store.ts`), SQLite locally.
 */
import { createHash } from 'node:crypto';

/** What holds a key in the store. */
export type StoredClaim =
  /** A marker of its own: the event was published (`eventId` when known). */
  | { readonly state: 'completed'; readonly eventId: string | null }
  /**
   * Claimed for a batch, published or not: the batch item (`batch`) tells. A claim with no batch item to
   * read (`batch` null) is live until the store frees it at its in-progress expiry.
   */
  | { readonly state: 'claimed'; readonly batch: string | null; readonly inProgressUntilMs: number };

/** A claim to write. */
export interface ClaimWrite {
  /** The record key ({@link dedupeRecordKey}). */
  readonly key: string;
  /** The batch item this claim's completion will be committed in. */
  readonly batch: string;
  /** The invocation's deadline (epoch ms): no commit of this batch can come after it. */
  readonly inProgressUntilMs: number;
  /** When the claim expires (epoch seconds, the TTL attribute). */
  readonly expiresAtSeconds: number;
}

/** A key whose event the bus accepted. */
export interface PublishedKey {
  readonly key: string;
  readonly eventId: string;
}

/** Where dedupe records live. Every method may throw; the normalizer then retries the record. */
export interface DedupeStore {
  /**
   * Writes the claim when nothing live holds the key (no record, an expired one, or a claim without a batch
   * past its in-progress expiry); otherwise returns what holds it and writes nothing.
   */
  claim(write: ClaimWrite, nowMs: number): Promise<StoredClaim | null>;
  /** Replaces the claim of batch `from` with `write`; false when the claim no longer names `from`. */
  takeOver(write: ClaimWrite, from: string): Promise<boolean>;
  /** The keys a committed batch item lists, with their event ids; undefined when it was never committed. */
  readBatch(batch: string): Promise<ReadonlyMap<string, string> | undefined>;
  /** Deletes this batch's claim on `key` (its publish failed), so the next copy publishes at once. */
  release(key: string, batch: string): Promise<void>;
  /** Commits, in one write, the keys of `batch` whose events were published. */
  commitBatch(batch: string, published: readonly PublishedKey[], expiresAtSeconds: number): Promise<void>;
  /** Marks one claim completed on its own record: the fallback when the batch commit failed. */
  complete(published: PublishedKey, batch: string, expiresAtSeconds: number): Promise<void>;
}

/** The outcome of claiming a key. */
export type ClaimOutcome =
  | { readonly kind: 'claimed' }
  | { readonly kind: 'published'; readonly eventId: string | null }
  | { readonly kind: 'in-progress' };

/**
 * Records are keyed by this prefix and the MD5 (base64) of the JSON of the callback's dedupe key: the ids
 * Powertools Idempotency gave them (`keyPrefix` `bunq-callback`), so markers written before this store
 * replaced it still suppress their callbacks.
 */
export const RECORD_KEY_PREFIX = 'bunq-callback#';

/** The record key of a callback's dedupe key (see {@link RECORD_KEY_PREFIX}). */
export function dedupeRecordKey(dedupKey: string): string {
  return `${RECORD_KEY_PREFIX}${createHash('md5').update(JSON.stringify(dedupKey)).digest('base64')}`;
}

/** Claims `write.key`, resolving a claim held by another batch through that batch's item. */
export async function claimKey(
  store: DedupeStore,
  write: ClaimWrite,
  nowMs: number = Date.now(),
): Promise<ClaimOutcome> {
  const held = await store.claim(write, nowMs);
  if (held === null) return { kind: 'claimed' };
  if (held.state === 'completed') return { kind: 'published', eventId: held.eventId };
  if (held.batch === null) return { kind: 'in-progress' };
  const committed = await store.readBatch(held.batch);
  const eventId = committed?.get(write.key);
  if (eventId !== undefined) return { kind: 'published', eventId };
  // Not listed: the batch committed without it, or (no commit) it is still running until its deadline.
  if (committed === undefined && held.inProgressUntilMs >= nowMs) return { kind: 'in-progress' };
  return (await store.takeOver(write, held.batch)) ? { kind: 'claimed' } : { kind: 'in-progress' };
}
