/**
 * Claim check for objects too large for one EventBridge entry: the object is stored (S3 in AWS, a directory
 * locally) under a key derived from the callback's dedupe key, and the event carries a reference instead.
 */
import { createHash } from 'node:crypto';
import type { CallbackEventDetail } from '../../contract/callback-event';

export interface ClaimCheck {
  readonly key: string;
  readonly body: Buffer;
  readonly sha256: string;
}

/** The stored form of a detail's object: its JSON, under a key that is the same for every delivery. */
export function claimCheckFor(detail: CallbackEventDetail): ClaimCheck {
  const body = Buffer.from(JSON.stringify(detail.object), 'utf8');
  const digest = createHash('sha256').update(detail.dedupKey).digest('hex');
  return {
    key: `objects/${digest.slice(0, 2)}/${digest}.json`,
    body,
    sha256: createHash('sha256').update(body).digest('hex'),
  };
}

/** The detail with the object replaced by a reference to where it was stored. */
export function withObjectRef(
  detail: CallbackEventDetail,
  check: ClaimCheck,
  uri: string,
): CallbackEventDetail {
  return { ...detail, object: null, objectRef: { uri, bytes: check.body.length, sha256: check.sha256 } };
}
