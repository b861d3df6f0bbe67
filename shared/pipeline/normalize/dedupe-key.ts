/**
 * The dedupe key: stable for the same callback however many times bunq (up to 6 tries), SQS (redelivery) or
 * the failure poller deliver it. bunq's body carries no delivery id, timestamp or signature, so the key is
 * built from what identifies a callback: category, event type, object type, object id and the object's
 * `updated` time. Objects without an id or without `updated` fall back to a hash of the object's content.
 */
import { createHash } from 'node:crypto';

export interface DedupeKeyParts {
  readonly category: string;
  readonly eventType: string | null;
  readonly objectType: string;
  readonly objectId: number | string | null;
  /** The raw bunq `updated` text (not the converted one, so a converter change cannot change keys). */
  readonly updated: string | null;
  readonly object: unknown;
}

const sha256 = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

export function dedupeKey(parts: DedupeKeyParts): string {
  const identity =
    parts.objectId !== null && parts.updated !== null
      ? ['id', parts.objectId, parts.updated]
      : ['content', sha256(JSON.stringify(parts.object))];
  return `v1:${sha256(JSON.stringify([parts.category, parts.eventType, parts.objectType, ...identity]))}`;
}
