/**
 * One run of the failure poller (the core; no Lambda or AWS types):
 *
 * 1. list every callback bunq gave up on (`NotificationFilterFailure`, all pages);
 * 2. skip those whose callback has since arrived: the normalizer logs each callback it published by
 *    category, event type and object id (all a failure record names) with its object type, and a failure
 *    that matches exactly one arrived object is settled for good (an ambiguous match is retried);
 * 3. give up on those already retried `maxAttempts` times (counted once, as `exhausted`);
 * 4. ask bunq to deliver the rest again, in chunks of at most 100 ids, and count an attempt for every id
 *    bunq accepted. Before each request, the callbacks it will bring are noted where the normalizer's
 *    arrival write finds them, so their events say `recoveredBy: "failure-retry"`.
 *
 * Errors never escape: a failed step is counted in `pollErrors`, logged, and ends or narrows the run, so the
 * caller always gets a report to turn into metrics.
 */
import { BunqApiError, BunqError } from '../../bunq/api/errors';
import { MAX_RETRY_IDS_PER_CALL } from '../../bunq/api/limits';
import type { BunqLogger } from '../../bunq/api/logger';
import type { NotificationFilterFailure } from '../../bunq/api/schemas';
import {
  type ArrivalEntry,
  type ArrivalLog,
  type AttemptStore,
  type BunqFailuresApi,
  type CallbackRef,
  type FailureRecord,
  matchFailure,
} from './ports';

/** Attempt-store writes in flight at once. */
const WRITE_CONCURRENCY = 10;

export interface RecoverFailuresDependencies {
  readonly bunq: BunqFailuresApi;
  readonly arrivals: ArrivalLog;
  readonly attempts: AttemptStore;
  /** Retries per failure before the poller gives up on it (at least 1). */
  readonly maxAttempts: number;
  readonly logger: BunqLogger;
  /** @default () => new Date() */
  readonly now?: () => Date;
}

/** What one run saw and did; the handler turns it into metrics. */
export interface RecoveryReport {
  /** Failures bunq listed, or null when the listing failed. */
  readonly listed: number | null;
  /** Listed failures whose callback has arrived since (never retried). */
  readonly alreadyArrived: number;
  /**
   * Listed failures whose callback has not arrived: retried now, waiting, given up on, or without an id.
   * Null when the run could not tell (the listing or the arrival look-up failed).
   */
  readonly outstanding: number | null;
  /** Failure ids bunq accepted for redelivery in this run. */
  readonly retriesRequested: number;
  /** Failures given up on in this run (each counted in the one run that gave up on it). */
  readonly retriesExhausted: number;
  /** Failures given up on earlier and still listed. */
  readonly givenUp: number;
  /** Failures without an id: they cannot be retried (bunq's public spec omits the field). */
  readonly withoutId: number;
  /** Steps that failed: the listing, a look-up, a refused chunk, a store write. */
  readonly pollErrors: number;
}

type Outcome = { -readonly [K in keyof RecoveryReport]: RecoveryReport[K] };

/** A run that has done nothing yet: nothing listed or outstanding known, every count zero. */
export function emptyRecoveryReport(): Outcome {
  return {
    listed: null,
    alreadyArrived: 0,
    outstanding: null,
    retriesRequested: 0,
    retriesExhausted: 0,
    givenUp: 0,
    withoutId: 0,
    pollErrors: 0,
  };
}

/** Runs one poll. Never throws for a failure of bunq or of the stores: see {@link RecoveryReport.pollErrors}. */
export async function recoverFailures(deps: RecoverFailuresDependencies): Promise<RecoveryReport> {
  const { logger } = deps;
  const now = deps.now ?? (() => new Date());
  if (!Number.isSafeInteger(deps.maxAttempts) || deps.maxAttempts < 1) {
    throw new RangeError(
      `maxAttempts must be a whole number of at least 1; got ${String(deps.maxAttempts)}.`,
    );
  }
  const report: Outcome = emptyRecoveryReport();
  const fail = (step: string, error: unknown, extra: Record<string, unknown> = {}): void => {
    report.pollErrors += 1;
    logger.error(`failure poll: ${step} failed`, { ...extra, ...describeError(error) });
  };

  let userId: number;
  let failures: NotificationFilterFailure[];
  try {
    userId = await deps.bunq.getUserId();
    failures = await deps.bunq.listNotificationFilterFailures(userId);
  } catch (error) {
    fail('listing bunq failures', error);
    return report;
  }
  report.listed = failures.length;

  // The same failure may show on two pages if bunq adds one while we read; each id counts once.
  const byId = new Map<number, NotificationFilterFailure>();
  const withoutId: NotificationFilterFailure[] = [];
  for (const failure of failures) {
    if (typeof failure.id === 'number') byId.set(failure.id, failure);
    else withoutId.push(failure);
  }

  let records: ReadonlyMap<number, FailureRecord>;
  let arrivals: ReadonlyMap<string, readonly ArrivalEntry[]>;
  try {
    records = await deps.attempts.load(userId, [...byId.keys()]);
    const refs = [...byId.values(), ...withoutId].map(callbackRef).filter(isRef);
    arrivals = await deps.arrivals.arrivals(refs);
  } catch (error) {
    fail('looking up arrivals and attempts', error, { userId });
    return report;
  }

  let ambiguous = 0;
  const hasArrived = (failure: NotificationFilterFailure): boolean => {
    const ref = callbackRef(failure);
    const match = ref === null ? 'absent' : matchFailure(ref, arrivals);
    if (match === 'ambiguous') ambiguous += 1;
    return match === 'arrived';
  };

  let outstanding = 0;
  const newlyArrived: number[] = [];
  const toRetry: number[] = [];
  const toGiveUp: NotificationFilterFailure[] = [];
  for (const failure of withoutId) {
    if (hasArrived(failure)) {
      report.alreadyArrived += 1;
      continue;
    }
    outstanding += 1;
    report.withoutId += 1;
  }
  for (const [id, failure] of byId) {
    const record = records.get(id);
    if (record?.arrivedAt != null) {
      report.alreadyArrived += 1;
      continue;
    }
    if (hasArrived(failure)) {
      report.alreadyArrived += 1;
      newlyArrived.push(id);
      continue;
    }
    outstanding += 1;
    const attempts = record?.attempts ?? 0;
    if (attempts < deps.maxAttempts) toRetry.push(id);
    else if (record?.exhaustedAt != null) report.givenUp += 1;
    else toGiveUp.push(failure);
  }
  report.outstanding = outstanding;
  if (ambiguous > 0) {
    // Retried rather than skipped: a duplicate is suppressed downstream, a skipped failure would be lost.
    logger.info('failure poll: arrivals that match more than one callback; retrying those failures', {
      userId,
      count: ambiguous,
    });
  }
  if (report.withoutId > 0) {
    logger.warn('failure poll: bunq listed failures without an id; they cannot be retried', {
      userId,
      count: report.withoutId,
    });
  }

  await eachLimited(newlyArrived, async (id) => {
    try {
      await deps.attempts.markArrived(userId, id, now());
    } catch (error) {
      fail('marking a failure as arrived', error, { userId, failureId: id });
    }
  });

  await eachLimited(toGiveUp, async (failure) => {
    const id = failure.id as number;
    try {
      if (await deps.attempts.markExhausted(userId, id, now())) {
        report.retriesExhausted += 1;
        logger.error('failure poll: giving up on a callback bunq could not deliver', {
          userId,
          failureId: id,
          category: failure.category,
          eventType: failure.event_type,
          objectId: failure.object_id,
          attempts: records.get(id)?.attempts ?? 0,
          responseCode: failure.response_code,
        });
      } else {
        report.givenUp += 1;
      }
    } catch (error) {
      fail('marking a failure as given up', error, { userId, failureId: id });
    }
  });

  for (let start = 0; start < toRetry.length; start += MAX_RETRY_IDS_PER_CALL) {
    const chunk = toRetry.slice(start, start + MAX_RETRY_IDS_PER_CALL);
    let accepted: readonly number[] = [];
    let abort = false;
    const expected = chunk.map((id) => callbackRef(byId.get(id) as NotificationFilterFailure)).filter(isRef);
    try {
      await deps.attempts.expectRedeliveries(expected, now());
    } catch (error) {
      // Retried all the same: a re-sent callback without its mark beats one bunq gives up on.
      fail('noting the expected redeliveries', error, { userId, ids: expected.length });
    }
    try {
      const result = await deps.bunq.retryNotificationFilterFailures(userId, chunk);
      for (const refused of result.failedChunks) {
        // bunq refuses a whole chunk for one unknown id (404), e.g. one that left the listing since: the
        // next run lists again and sends the rest. Anything else (auth, rate limit, network) ends the run.
        fail('a retry request', refused.error, { userId, ids: refused.ids.length });
        abort ||= isAbortingError(refused.error);
      }
      accepted = result.retriedIds;
    } catch (error) {
      fail('a retry request', error, { userId, ids: chunk.length });
      abort = true;
    }
    report.retriesRequested += accepted.length;
    await eachLimited(accepted, async (id) => {
      try {
        await deps.attempts.recordAttempt(userId, id, now());
      } catch (error) {
        fail('recording a retry attempt', error, { userId, failureId: id });
      }
    });
    if (abort) break;
  }

  logger.info('failure poll finished', { userId, ...report });
  return report;
}

function callbackRef(failure: NotificationFilterFailure): FailureRef | null {
  const { category, event_type: eventType, object_id: objectId } = failure;
  if (typeof category !== 'string' || category === '' || objectId === null || objectId === undefined) {
    return null;
  }
  return {
    category,
    eventType: typeof eventType === 'string' && eventType !== '' ? eventType : null,
    objectId,
  };
}

/** What a failure record names of its callback. */
type FailureRef = CallbackRef & { readonly eventType: string | null };

const isRef = (ref: FailureRef | null): ref is FailureRef => ref !== null;

/** An error after which further bunq calls in this run are pointless (anything but a refusal of the ids). */
function isAbortingError(error: unknown): boolean {
  return !(error instanceof BunqApiError && (error.status === 400 || error.status === 404));
}

/** Identifiers of an error for a log line: name, HTTP status, bunq's (scrubbed) description; no secrets. */
function describeError(error: unknown): Record<string, unknown> {
  if (error instanceof BunqApiError) {
    return { error: error.name, status: error.status, description: error.description };
  }
  if (error instanceof BunqError) return { error: error.name, message: error.message };
  if (error instanceof Error) return { error: error.name, message: error.message };
  return { error: 'unknown' };
}

async function eachLimited<T>(items: readonly T[], task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next] as T;
      next += 1;
      await task(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(WRITE_CONCURRENCY, items.length) }, worker));
}
