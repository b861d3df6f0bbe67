/**
 * What the failure recovery core needs from the outside world: the bunq API (the project's
 * `BunqApiClient` fits as is), the log of callbacks that arrived (written by the normalizer), and the store
 * of retry attempts per failure. In AWS both stores live in the dedupe table (see
 * `functions/commons/arrival-store.ts`, `attempt-store.ts`); tests pass in-memory fakes.
 */
import type { NotificationFilterFailure, RetryFailuresResult } from '../../bunq/api/client';

/** The bunq calls the poller makes. {@link BunqApiClient} implements them (pagination and chunking included). */
export interface BunqFailuresApi {
  /** The user whose failures are listed (`/user/{userId}/...`). */
  getUserId(): Promise<number>;
  /** Every failure bunq lists for the user, all pages. */
  listNotificationFilterFailures(userId: number): Promise<NotificationFilterFailure[]>;
  /** Asks bunq to deliver these failures again (at most 100 ids per call to bunq). */
  retryNotificationFilterFailures(userId: number, ids: readonly number[]): Promise<RetryFailuresResult>;
}

/** A callback as bunq's failure listing names it: its category and the id of its object. */
export interface CallbackRef {
  readonly category: string;
  readonly objectId: number | string;
}

/** The normalizer's side: told about every callback that became an event (or was a duplicate of one). */
export interface ArrivalRecorder {
  recordArrival(ref: CallbackRef): Promise<void>;
}

/** The poller's side: which callbacks arrived. */
export interface ArrivalLog {
  /** The refs among `refs` that arrived, as {@link arrivalId} strings. */
  arrived(refs: readonly CallbackRef[]): Promise<ReadonlySet<string>>;
}

/** What the poller remembers about one failure. */
export interface FailureRecord {
  readonly failureId: number;
  /** Retries bunq accepted for this failure so far. */
  readonly attempts: number;
  /** When the poller gave up on it (RFC 3339), or null. */
  readonly exhaustedAt: string | null;
  /** When the poller saw that its callback had arrived (RFC 3339), or null. Such a failure is never retried. */
  readonly arrivedAt: string | null;
}

/** Retry attempts per failure of one bunq user. */
export interface AttemptStore {
  /** The records of these failures; failures never seen are missing from the map. */
  load(userId: number, failureIds: readonly number[]): Promise<ReadonlyMap<number, FailureRecord>>;
  /** Counts one accepted retry; resolves with the new count. */
  recordAttempt(userId: number, failureId: number, at: Date): Promise<number>;
  /** Marks the failure as given up; resolves true only for the call that marked it (so it counts once). */
  markExhausted(userId: number, failureId: number, at: Date): Promise<boolean>;
  /** Marks the failure's callback as arrived, so it is never retried even after the arrival log forgets it. */
  markArrived(userId: number, failureId: number, at: Date): Promise<void>;
}

/** A callback's identity in the arrival log: `<category>#<objectId>`. */
export function arrivalId(ref: CallbackRef): string {
  return `${ref.category}#${String(ref.objectId)}`;
}
