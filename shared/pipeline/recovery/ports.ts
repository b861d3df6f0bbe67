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

/** A callback's object as the arrival log files it: its category and the id of its object. */
export interface CallbackRef {
  readonly category: string;
  readonly objectId: number | string;
}

/** A callback that became an event: where the arrival log files it, and what else tells it apart. */
export interface ArrivedCallback extends CallbackRef {
  /** bunq's `event_type`, or null when the callback had none. */
  readonly eventType: string | null;
  readonly objectType: string;
  /** The event's `dedupKey`: tells a redelivery of the same callback from another one. */
  readonly dedupKey: string;
}

/** What recording an arrival tells the normalizer. */
export interface ArrivalAnswer {
  /**
   * The failure poller had asked bunq to re-send a failed callback of this category, object and event type,
   * and this is the first callback of its kind since (or a redelivery of that one): bunq's answer to the
   * retry, marked `recoveredBy: "failure-retry"`.
   */
  readonly answersRetry: boolean;
}

/** A failure the poller is about to ask bunq to re-send: what bunq's failure record names of its callback. */
export interface ExpectedRedelivery extends CallbackRef {
  readonly eventType: string | null;
}

/** One callback that arrived under a category and object id. */
export interface ArrivalEntry {
  readonly eventType: string | null;
  readonly objectType: string;
}

/**
 * The normalizer's side: told about every callback before it is published (or found a duplicate), in the
 * one write that also answers whether the poller asked for it.
 */
export interface ArrivalRecorder {
  recordArrival(arrival: ArrivedCallback): Promise<ArrivalAnswer>;
}

/** The poller's and the reconciler's side: which callbacks arrived. */
export interface ArrivalLog {
  /**
   * For each of `refs` under which something arrived, keyed by its {@link arrivalId}: every distinct event
   * type and object type that arrived there. Ids are unique per object type only, so one category and id can
   * hold two objects (SHARE's ShareInviteBankInquiry and ShareInviteBankResponse both count 1, 2, ...).
   */
  arrivals(refs: readonly CallbackRef[]): Promise<ReadonlyMap<string, readonly ArrivalEntry[]>>;
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
  /**
   * Notes, before the retry request, the callbacks bunq is about to re-send, where the normalizer's
   * arrival write finds them (keyed by category and object id, like the arrival log), so their events are
   * marked `recoveredBy: "failure-retry"`.
   */
  expectRedeliveries(expected: readonly ExpectedRedelivery[], at: Date): Promise<void>;
}

/** How the stores keep an event type (a failure's or an arrival's): JSON, so null is a value like any other. */
export const storedEventType = (eventType: string | null): string => JSON.stringify(eventType);

/**
 * Whether an arrival answers a requested retry: a redelivery was expected for its event type (or for any,
 * when bunq's failure named none), and no other callback of its event and object type arrived first.
 *
 * @param expected the {@link storedEventType}s the poller noted for the arrival's category and object id
 * @param firstDedupKey the dedupe key of the first callback of the arrival's event and object type, if any
 */
export function answersRetry(
  arrival: Pick<ArrivedCallback, 'eventType' | 'dedupKey'>,
  expected: readonly string[],
  firstDedupKey: string | null | undefined,
): boolean {
  const wanted = expected.includes(storedEventType(arrival.eventType)) || expected.includes('null');
  return wanted && (firstDedupKey == null || firstDedupKey === arrival.dedupKey);
}

/** Where the arrival log files a callback: `<category>#<objectId>`. */
export function arrivalId(ref: CallbackRef): string {
  return `${ref.category}#${String(ref.objectId)}`;
}

/** Whether a failure's callback arrived: only an unambiguous match counts. */
export type ArrivalMatch = 'arrived' | 'absent' | 'ambiguous';

/**
 * Matches one of bunq's failure records (category, event type, object id: it names no object type) against
 * the arrivals. Skipping a failure whose callback did not arrive loses it (bunq gives up), while retrying
 * one that did costs a duplicate the normalizer suppresses: so a match that fits arrivals of more than one
 * object type, a record without an event type, and an arrival filed without its types (by an earlier
 * version) are `ambiguous`, to be treated as not arrived.
 */
export function matchFailure(
  failure: CallbackRef & { readonly eventType: string | null },
  arrivals: ReadonlyMap<string, readonly ArrivalEntry[]>,
): ArrivalMatch {
  const entries = arrivals.get(arrivalId(failure));
  if (entries === undefined) return 'absent';
  if (failure.eventType === null || entries.length === 0) return 'ambiguous';
  const objectTypes = new Set(
    entries.filter((entry) => entry.eventType === failure.eventType).map((entry) => entry.objectType),
  );
  if (objectTypes.size === 0) return 'absent';
  return objectTypes.size === 1 ? 'arrived' : 'ambiguous';
}

/**
 * Whether a callback about a known object arrived (the reconciler knows the object type from bunq's event
 * listing; the event type only sometimes). An arrival filed without its types (by an earlier version)
 * counts, as it did then.
 */
export function objectArrived(
  ref: CallbackRef & { readonly objectType: string; readonly eventType: string | null },
  arrivals: ReadonlyMap<string, readonly ArrivalEntry[]>,
): boolean {
  const entries = arrivals.get(arrivalId(ref));
  if (entries === undefined) return false;
  if (entries.length === 0) return true;
  return entries.some(
    (entry) =>
      entry.objectType === ref.objectType && (ref.eventType === null || entry.eventType === ref.eventType),
  );
}
