/**
 * The dedupe key: stable for the same callback however many times bunq (up to 6 tries), SQS (redelivery),
 * the failure poller or the reconciler deliver it. bunq's body carries no delivery id, timestamp or signature, so the key is built
 * from what identifies a callback: category, object type, object id and the object's `updated` time (one
 * key per category, object and update). Objects without an id or without `updated` fall back to a hash of
 * the category, event type, object type and the object's content.
 *
 * v2 leaves the event type out of the key of an identified object: bunq's event listing names no event
 * type, so a callback the reconciler rebuilds carries an inferred one, and the key must still match the
 * real callback's when that arrives late. (v1 keys included it; a callback delivered once before and once
 * after the upgrade gets one key of each kind.)
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
      ? [parts.category, parts.objectType, 'id', parts.objectId, parts.updated]
      : [parts.category, parts.eventType, parts.objectType, 'content', sha256(JSON.stringify(parts.object))];
  return `v2:${sha256(JSON.stringify(identity))}`;
}
