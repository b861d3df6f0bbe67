/**
 * What the reconciler core needs from the outside world: the bunq API (the project's `BunqApiClient` plus
 * `listEventsSince` fits), the arrival log the normalizer writes (shared with the failure poller), a store
 * for the cursor into bunq's event listing, and a way into the normalizer for the callbacks bunq never sent.
 */
import type {
  NotificationFilterFailure,
  NotificationFilterInput,
  NotificationFilterUrl,
  RetryFailuresResult,
} from '../../bunq/api/client';
import type { EventsSince, EventsSinceOptions } from '../../bunq/api/events';

/** The bunq calls one reconciler run makes. */
export interface ReconcileBunqApi {
  getUserId(): Promise<number>;
  /** Events with an id above `afterId`, oldest first (see `listEventsSince`). */
  listEventsSince(userId: number, afterId: number, options?: EventsSinceOptions): Promise<EventsSince>;
  getNotificationFilterUrls(userId: number, monetaryAccountId?: number): Promise<NotificationFilterUrl[]>;
  /** Replaces the whole filter set of the scope (bunq's POST); answers the set bunq now has. */
  setNotificationFilterUrls(
    userId: number,
    filters: readonly NotificationFilterInput[],
    monetaryAccountId?: number,
  ): Promise<NotificationFilterUrl[]>;
  listNotificationFilterFailures(userId: number): Promise<NotificationFilterFailure[]>;
  retryNotificationFilterFailures(userId: number, ids: readonly number[]): Promise<RetryFailuresResult>;
}

/** Where the reconciler keeps, per bunq user, the id of the last event it settled. Never expires. */
export interface ReconcileCursorStore {
  /** The last settled event id, or null before the first run. */
  load(userId: number): Promise<number | null>;
  save(userId: number, lastEventId: number): Promise<void>;
}

/** A callback rebuilt from the event listing, for the normalizer. */
export interface ReconciledCallback {
  /** A `{"NotificationUrl": {...}}` body around the listed object. */
  readonly body: Buffer;
  /** When the reconciler found it missing (RFC 3339); becomes the event's `receivedAt`. */
  readonly receivedAt: string /** The fleet's user it belongs to (as a callback to `/callbacks/{token}/u/{userId}` would). @default none */;
  readonly userId?: number;
}

/**
 * Hands a rebuilt callback to the normalizer, marked `recoveredBy: "reconciliation"`, so it goes through the
 * same dedupe, claim check, publish and arrival record as a real one. Resolves once it is durably queued.
 */
export interface ReconciledCallbackSink {
  submit(callback: ReconciledCallback): Promise<void>;
}

/** The filters `register` set up, which the reconciler checks each run. */
export interface ExpectedFilters {
  /**
   * Our callback URL with its current token, or null when the reconciler may not know the token (then a
   * registered category counts as present when any filter of ours has it, an old token is not noticed, and
   * nothing can be repaired).
   */
  readonly target: string | null;
  /** Whether a target is ours (the URL, or one under our callback base URL, e.g. with an old token). */
  readonly owns: (target: string) => boolean;
  /** The scopes registered: user level (`monetaryAccountId: null`) and accounts. */
  readonly scopes: ReadonlyArray<{
    readonly monetaryAccountId: number | null;
    readonly categories: readonly string[];
  }>;
}
