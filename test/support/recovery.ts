/** Test doubles for the failure recovery core: a fake bunq failures API and in-memory stores. */
import type { RetryFailuresResult } from '../../shared/bunq/api/client';
import { BunqError } from '../../shared/bunq/api/errors';
import type { NotificationFilterFailure } from '../../shared/bunq/api/schemas';
import type { ReconcileCursorStore } from '../../shared/pipeline/reconcile/ports';
import {
  type ArrivalAnswer,
  type ArrivalEntry,
  type ArrivalLog,
  type ArrivalRecorder,
  type ArrivedCallback,
  type AttemptStore,
  answersRetry,
  arrivalId,
  type BunqFailuresApi,
  type CallbackRef,
  type ExpectedRedelivery,
  type FailureRecord,
  storedEventType,
} from '../../shared/pipeline/recovery/ports';

export const USER_ID = 4_201;

let nextObjectId = 1_000;

/** A failure as bunq lists it; `id` and `object_id` unique unless given. */
export function failure(overrides: Partial<NotificationFilterFailure> = {}): NotificationFilterFailure {
  nextObjectId += 1;
  return {
    id: nextObjectId,
    created: '2026-01-02 03:04:05.678901',
    updated: '2026-01-02 03:09:05.678901',
    category: 'MUTATION',
    event_type: 'MUTATION_CREATED',
    object_id: nextObjectId + 500_000,
    exception_message: 'The callback target answered HTTP 503.',
    response_code: 503,
    notification_filters: [],
    ...overrides,
  };
}

/**
 * bunq's failure listing and retry, in memory. By default a retry is accepted and the failure stays listed
 * (bunq's behaviour there is unverified); `deliver` removes it instead.
 */
export class FakeBunq implements BunqFailuresApi {
  failures: NotificationFilterFailure[] = [];
  readonly retryCalls: number[][] = [];
  listCalls = 0;
  /** Thrown by the next listing. */
  listError: Error | undefined;
  /** Decides the fate of each retry call: accepted (default), refused with an error, or thrown. */
  onRetry: (ids: readonly number[]) => 'accept' | BunqError | Error = () => 'accept';
  /** Remove a failure from the listing once retried (what the simulator does on a delivered retry). */
  deliver = false;

  async getUserId(): Promise<number> {
    return USER_ID;
  }

  async listNotificationFilterFailures(userId: number): Promise<NotificationFilterFailure[]> {
    expect(userId).toBe(USER_ID);
    this.listCalls += 1;
    if (this.listError !== undefined) throw this.listError;
    return this.failures.map((item) => ({ ...item }));
  }

  async retryNotificationFilterFailures(
    userId: number,
    ids: readonly number[],
  ): Promise<RetryFailuresResult> {
    expect(userId).toBe(USER_ID);
    this.retryCalls.push([...ids]);
    const fate = this.onRetry(ids);
    if (fate === 'accept') {
      if (this.deliver) this.failures = this.failures.filter((item) => !ids.includes(item.id as number));
      return { retriedIds: [...ids], failedChunks: [] };
    }
    if (fate instanceof BunqError) return { retriedIds: [], failedChunks: [{ ids: [...ids], error: fate }] };
    throw fate;
  }

  /** Every id sent in a retry, in order. */
  retriedIds(): number[] {
    return this.retryCalls.flat();
  }
}

type Writable<T> = { -readonly [K in keyof T]: T[K] };

/** The arrival log and the attempt store in memory, with switches to make each operation fail. */
export class MemoryRecoveryStore implements ArrivalRecorder, ArrivalLog, AttemptStore {
  /** What arrived, by {@link arrivalId}: one entry per event type and object type. */
  readonly arrived = new Map<string, ArrivalEntry[]>();
  readonly records = new Map<string, Writable<FailureRecord>>();
  failLoad = false;
  failArrivals = false;
  failRecordAttempt = false;
  failExpect = false;

  /** The poller's expected redeliveries, by {@link arrivalId}: stored event types. */
  readonly expected = new Map<string, Set<string>>();
  /** The dedupe key of the first callback per `<arrivalId> <eventType> <objectType>`. */
  readonly firsts = new Map<string, string>();

  async recordArrival(arrival: ArrivedCallback): Promise<ArrivalAnswer> {
    const id = arrivalId(arrival);
    const entries = this.arrived.get(id) ?? [];
    if (!entries.some((e) => e.eventType === arrival.eventType && e.objectType === arrival.objectType)) {
      entries.push({ eventType: arrival.eventType, objectType: arrival.objectType });
    }
    this.arrived.set(id, entries);
    const kind = `${id} ${arrival.eventType} ${arrival.objectType}`;
    const first = this.firsts.get(kind);
    if (first === undefined) this.firsts.set(kind, arrival.dedupKey);
    return { answersRetry: answersRetry(arrival, [...(this.expected.get(id) ?? [])], first) };
  }

  async expectRedeliveries(expected: readonly ExpectedRedelivery[]): Promise<void> {
    if (this.failExpect) throw new Error('write failed');
    for (const ref of expected) {
      const id = arrivalId(ref);
      this.expected.set(id, new Set([...(this.expected.get(id) ?? []), storedEventType(ref.eventType)]));
    }
  }

  async arrivals(refs: readonly CallbackRef[]): Promise<ReadonlyMap<string, readonly ArrivalEntry[]>> {
    if (this.failArrivals) throw new Error('arrival look-up failed');
    const found = new Map<string, readonly ArrivalEntry[]>();
    for (const id of refs.map(arrivalId)) {
      const entries = this.arrived.get(id);
      if (entries !== undefined) found.set(id, [...entries]);
    }
    return found;
  }

  async load(userId: number, failureIds: readonly number[]): Promise<ReadonlyMap<number, FailureRecord>> {
    if (this.failLoad) throw new Error('ProvisionedThroughputExceededException');
    const found = new Map<number, FailureRecord>();
    for (const id of failureIds) {
      const record = this.records.get(`${userId}#${id}`);
      if (record !== undefined) found.set(id, { ...record });
    }
    return found;
  }

  async recordAttempt(userId: number, failureId: number): Promise<number> {
    if (this.failRecordAttempt) throw new Error('write failed');
    const record = this.record(userId, failureId);
    record.attempts += 1;
    return record.attempts;
  }

  async markExhausted(userId: number, failureId: number, at: Date): Promise<boolean> {
    const record = this.record(userId, failureId);
    if (record.exhaustedAt !== null) return false;
    record.exhaustedAt = at.toISOString();
    return true;
  }

  async markArrived(userId: number, failureId: number, at: Date): Promise<void> {
    const record = this.record(userId, failureId);
    record.arrivedAt ??= at.toISOString();
  }

  attemptsOf(failureId: number, userId = USER_ID): number {
    return this.records.get(`${userId}#${failureId}`)?.attempts ?? 0;
  }

  private record(userId: number, failureId: number): Writable<FailureRecord> {
    const key = `${userId}#${failureId}`;
    let record = this.records.get(key);
    if (record === undefined) {
      record = { failureId, attempts: 0, exhaustedAt: null, arrivedAt: null };
      this.records.set(key, record);
    }
    return record;
  }
}

/** A logger that keeps every call, for assertions about what was logged. */
export function recordingLogger() {
  const lines: Array<{ level: string; message: string; attributes: Record<string, unknown> }> = [];
  const at =
    (level: string) =>
    (message: string, ...attributes: Array<Record<string, unknown>>) =>
      lines.push({ level, message, attributes: Object.assign({}, ...attributes) });
  return { logger: { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') }, lines };
}

/** The reconciler's cursor per user, in memory. */
export class MemoryCursorStore implements ReconcileCursorStore {
  readonly cursors = new Map<number, number>();

  async load(userId: number): Promise<number | null> {
    return this.cursors.get(userId) ?? null;
  }

  async save(userId: number, lastEventId: number): Promise<void> {
    this.cursors.set(userId, lastEventId);
  }
}
