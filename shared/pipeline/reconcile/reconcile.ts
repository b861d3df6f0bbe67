/**
 * One reconciler run (the core; no Lambda or AWS types). It finds the callbacks bunq never sent and never
 * reported: those lost to a replaced filter set, a pin mismatch, a refused source address, a failure record
 * older than the poller looked, or bunq never trying.
 *
 * 1. Filter drift: read our notification filters and compare them with what `register` set; with `repair`,
 *    put missing ones back with `register`'s read-merge-write.
 * 2. Read bunq's event listing from the cursor (the last settled event id, kept in the state store). On the
 *    very first run the cursor is set to the newest event and nothing is reconciled: history from before
 *    the reconciler existed has no arrival records to compare with.
 * 3. Settle the events older than the grace period (longer than bunq's own six tries a minute apart), oldest
 *    first, stopping at the first younger one. For each, the callbacks bunq would have sent for the
 *    categories we registered: arrived (in the arrival log) → nothing; bunq lists a failure for it → ask bunq
 *    to retry that failure (noted first as an expected redelivery, so its event says
 *    `recoveredBy: "failure-retry"`); else → rebuild the callback from the listed object and hand it to the normalizer
 *    marked `recoveredBy: "reconciliation"` (counted as missed by bunq). The normalizer's dedupe key is per
 *    (category, object, update), so a late real callback after it, or a second run, makes no second event.
 * 4. Move the cursor past the settled events.
 *
 * Errors never escape: a failed step is counted in `errors`, logged, and ends or narrows the run.
 */

import type { NotificationFilterFailure } from '../../bunq/api/client';
import type { BunqEvent } from '../../bunq/api/events';
import type { BunqLogger } from '../../bunq/api/logger';
import { bunqTimeToRfc3339 } from '../../bunq/callback/time';
import {
  type ArrivalEntry,
  type ArrivalLog,
  type AttemptStore,
  arrivalId,
  type CallbackRef,
  type ExpectedRedelivery,
  objectArrived,
} from '../recovery/ports';
import { callbacksFor, type ExpectedCallback, reconstructedCallback } from './event-categories';
import { detectFilterDrift, repairScope, type ScopeDrift } from './filter-drift';
import type {
  ExpectedFilters,
  ReconcileBunqApi,
  ReconcileCursorStore,
  ReconciledCallbackSink,
} from './ports';

/** bunq tries a callback six times a minute apart; wait longer than that before calling it missed. */
export const DEFAULT_RECONCILE_GRACE_MS = 10 * 60_000;
export const DEFAULT_RECONCILE_INTERVAL_MS = 5 * 60_000;
/** 50 pages of 200: 10,000 events per run, about 50 s at bunq's GET limit of 3 per 3 s. */
export const DEFAULT_MAX_PAGES = 50;

export interface ReconcileDependencies {
  readonly bunq: ReconcileBunqApi;
  readonly arrivals: ArrivalLog;
  readonly cursors: ReconcileCursorStore;
  readonly sink: ReconciledCallbackSink;
  readonly expected: ExpectedFilters;
  /** Milliseconds after an event's creation before it is settled. */
  readonly graceMs: number;
  /**
   * Where a retry this run asks bunq for is noted first, as the failure poller does, so the re-sent
   * callback's event says `recoveredBy: "failure-retry"`. @default none (the re-sent event says null)
   */
  readonly redeliveries?: Pick<AttemptStore, 'expectRedeliveries'>;
  /** Re-apply missing filters. @default false */
  readonly repairFilters?: boolean;
  /** Event pages (200 each) read per run. @default 50 */
  readonly maxPages?: number;
  readonly logger: BunqLogger;
  /** @default () => new Date() */
  readonly now?: () => Date;
}

/** What one run saw and did; the handler turns it into metrics. */
export interface ReconcileReport {
  /** Events read after the cursor. */
  eventsRead: number;
  /** Events settled in this run (older than the grace period). */
  eventsSettled: number;
  /** Events left for a later run (younger than the grace period). */
  eventsWaiting: number;
  /** Expected callbacks that had arrived. */
  alreadyArrived: number;
  /** Expected callbacks bunq lists as failed: asked bunq to retry them. */
  failureRetries: number;
  /** Expected callbacks found only here: rebuilt and handed to the normalizer (the `MissedByBunq` metric). */
  missedByBunq: number;
  /** Settled events whose object no registered category covers, or that have no object id. */
  notCovered: number;
  /** Registered filters missing or changed (the `FilterDrift` metric). */
  filterDrift: number;
  /** Whether the filters could be read (else {@link filterDrift} means nothing). */
  filtersRead: boolean;
  /** Scopes whose filters were re-applied. */
  filtersRepaired: number;
  /** True for the first run of a user: the cursor was set, nothing reconciled. */
  initialized: boolean;
  /** The cursor after the run, or null when it is unknown (a failure before it was read). */
  cursor: number | null;
  /** Steps that failed. */
  errors: number;
}

export function emptyReconcileReport(): ReconcileReport {
  return {
    eventsRead: 0,
    eventsSettled: 0,
    eventsWaiting: 0,
    alreadyArrived: 0,
    failureRetries: 0,
    missedByBunq: 0,
    notCovered: 0,
    filterDrift: 0,
    filtersRead: false,
    filtersRepaired: 0,
    initialized: false,
    cursor: null,
    errors: 0,
  };
}

interface Expectation {
  readonly event: BunqEvent;
  readonly objectType: string;
  readonly object: Readonly<Record<string, unknown>>;
  readonly callback: ExpectedCallback;
  readonly ref: CallbackRef;
}

/** Runs once. Never throws for a failure of bunq or of the stores: see {@link ReconcileReport.errors}. */
export async function reconcile(deps: ReconcileDependencies): Promise<ReconcileReport> {
  const { logger, expected } = deps;
  const now = deps.now ?? (() => new Date());
  if (!Number.isFinite(deps.graceMs) || deps.graceMs < 0) {
    throw new RangeError(
      `graceMs must be a number of milliseconds, at least 0; got ${String(deps.graceMs)}.`,
    );
  }
  const report = emptyReconcileReport();
  const fail = (step: string, error: unknown, extra: Record<string, unknown> = {}): void => {
    report.errors += 1;
    logger.error(`reconcile: ${step} failed`, { ...extra, ...describeError(error) });
  };

  let userId: number;
  try {
    userId = await deps.bunq.getUserId();
  } catch (error) {
    fail('opening the bunq session', error);
    return report;
  }

  await checkFilters(deps, userId, report, fail);

  let cursor: number | null;
  try {
    cursor = await deps.cursors.load(userId);
  } catch (error) {
    fail('reading the cursor', error, { userId });
    return report;
  }
  if (cursor === null) {
    try {
      const newest = await deps.bunq.listEventsSince(userId, 0, { maxPages: 1 });
      const start = Math.max(0, ...newest.events.map((event) => event.id));
      await deps.cursors.save(userId, start);
      report.cursor = start;
      report.initialized = true;
      logger.info('reconcile: first run; cursor set to the newest event', { userId, cursor: start });
    } catch (error) {
      fail('setting the first cursor', error, { userId });
    }
    return report;
  }
  report.cursor = cursor;

  const maxPages = deps.maxPages ?? DEFAULT_MAX_PAGES;
  let events: readonly BunqEvent[];
  try {
    const read = await deps.bunq.listEventsSince(userId, cursor, { maxPages });
    events = read.events;
    if (!read.complete) {
      // Reading walks back from the newest event: the part of the gap next to the cursor is unread and is
      // skipped once the cursor passes the events read. Counted as an error so the alarm says so.
      fail('reading every new event', new Error(`more than ${maxPages} pages of new events`), {
        userId,
        cursor,
        read: events.length,
        oldestRead: events[0]?.id ?? null,
      });
    }
  } catch (error) {
    fail('listing bunq events', error, { userId, cursor });
    return report;
  }
  report.eventsRead = events.length;

  const dueBefore = now().getTime() - deps.graceMs;
  const settled: BunqEvent[] = [];
  for (const event of events) {
    const created = Date.parse(bunqTimeToRfc3339(event.created ?? event.updated) ?? '');
    if (Number.isFinite(created) && created > dueBefore) break;
    settled.push(event);
  }
  report.eventsWaiting = events.length - settled.length;
  if (settled.length === 0) return finish(deps, report, userId);

  const expectations = settled.flatMap((event) => expectationsOf(event, expected));
  const covered = new Set(expectations.map((expectation) => expectation.event.id));
  report.notCovered = settled.filter((event) => !covered.has(event.id)).length;

  let arrivals: ReadonlyMap<string, readonly ArrivalEntry[]>;
  try {
    arrivals = await deps.arrivals.arrivals(expectations.map((expectation) => expectation.ref));
  } catch (error) {
    fail('looking up arrivals', error, { userId });
    return finish(deps, report, userId);
  }
  // By object type too: two objects of different types can share a category and id.
  const missing = expectations.filter(
    (expectation) =>
      !objectArrived(
        { ...expectation.ref, objectType: expectation.objectType, eventType: expectation.callback.eventType },
        arrivals,
      ),
  );
  report.alreadyArrived = expectations.length - missing.length;

  let failureIds = new Map<string, number[]>();
  if (missing.length > 0) {
    try {
      failureIds = failuresByRef(await deps.bunq.listNotificationFilterFailures(userId), expected.owns);
    } catch (error) {
      fail('listing bunq failures', error, { userId });
      return finish(deps, report, userId);
    }
  }

  // Settle event by event, so the cursor only passes events whose every callback was handled.
  let lastSettled = cursor;
  const retries: number[] = [];
  const redeliveries: ExpectedRedelivery[] = [];
  for (const event of settled) {
    let handled = true;
    for (const expectation of missing.filter((entry) => entry.event.id === event.id)) {
      const ids = failureIds.get(arrivalId(expectation.ref));
      if (ids !== undefined) {
        retries.push(...ids);
        redeliveries.push({ ...expectation.ref, eventType: expectation.callback.eventType });
        continue;
      }
      try {
        await deps.sink.submit({
          body: reconstructedCallback(expectation.callback, expectation.objectType, expectation.object),
          receivedAt: now().toISOString(),
        });
        report.missedByBunq += 1;
        logger.warn('reconcile: a callback bunq never sent; publishing it from the event listing', {
          userId,
          eventId: event.id,
          category: expectation.ref.category,
          objectType: expectation.objectType,
          objectId: expectation.ref.objectId,
        });
      } catch (error) {
        fail('handing a rebuilt callback to the normalizer', error, { userId, eventId: event.id });
        handled = false;
        break;
      }
    }
    if (!handled) break;
    lastSettled = event.id;
    report.eventsSettled += 1;
  }

  if (retries.length > 0) {
    try {
      await deps.redeliveries?.expectRedeliveries(redeliveries, now());
    } catch (error) {
      // Retried all the same: a re-sent callback without its mark beats one bunq gives up on.
      fail('noting the expected redeliveries', error, { userId, ids: redeliveries.length });
    }
    try {
      const result = await deps.bunq.retryNotificationFilterFailures(userId, retries);
      report.failureRetries = result.retriedIds.length;
      for (const refused of result.failedChunks) fail('a failure retry', refused.error, { userId });
    } catch (error) {
      // The failures stay listed, so the failure poller retries them in its next run.
      fail('a failure retry', error, { userId, ids: retries.length });
    }
  }

  if (lastSettled !== cursor) {
    try {
      await deps.cursors.save(userId, lastSettled);
      report.cursor = lastSettled;
    } catch (error) {
      // The next run settles the same events again; the normalizer's dedupe keeps it to one event each.
      fail('saving the cursor', error, { userId, cursor: lastSettled });
    }
  }
  return finish(deps, report, userId);
}

async function checkFilters(
  deps: ReconcileDependencies,
  userId: number,
  report: ReconcileReport,
  fail: (step: string, error: unknown, extra?: Record<string, unknown>) => void,
): Promise<void> {
  let drift: ScopeDrift[];
  let current: Map<number | null, Awaited<ReturnType<ReconcileBunqApi['getNotificationFilterUrls']>>>;
  try {
    ({ drift, current } = await detectFilterDrift(deps.bunq, userId, deps.expected));
  } catch (error) {
    fail('reading notification filters', error, { userId });
    return;
  }
  report.filtersRead = true;
  for (const scope of drift) {
    report.filterDrift += scope.missing.length + scope.changed.length;
    deps.logger.error('reconcile: our notification filters at bunq differ from what register set', {
      userId,
      monetaryAccountId: scope.monetaryAccountId,
      missing: scope.missing,
      changed: scope.changed,
      repair: deps.repairFilters === true,
    });
    if (deps.repairFilters !== true) continue;
    try {
      await repairScope(deps.bunq, userId, deps.expected, scope, current.get(scope.monetaryAccountId) ?? []);
      report.filtersRepaired += 1;
    } catch (error) {
      fail('repairing notification filters', error, { userId, monetaryAccountId: scope.monetaryAccountId });
    }
  }
}

function finish(deps: ReconcileDependencies, report: ReconcileReport, userId: number): ReconcileReport {
  deps.logger.info('reconcile run finished', { userId, ...report });
  return report;
}

/** The callbacks we registered for that bunq would have sent for this event's object. */
function expectationsOf(event: BunqEvent, expected: ExpectedFilters): Expectation[] {
  const [objectType, object] = Object.entries(event.object ?? {})[0] ?? [];
  if (objectType === undefined || typeof object !== 'object' || object === null) return [];
  const record = object as Record<string, unknown>;
  const objectId = record.id;
  if (typeof objectId !== 'number' && typeof objectId !== 'string') return [];
  const account = event.monetary_account_id ?? null;
  const categories = new Set(
    expected.scopes
      .filter((scope) => scope.monetaryAccountId === null || scope.monetaryAccountId === account)
      .flatMap((scope) => scope.categories),
  );
  return callbacksFor(objectType, record)
    .filter((callback) => categories.has(callback.category))
    .map((callback) => ({
      event,
      objectType,
      object: record,
      callback,
      ref: { category: callback.category, objectId },
    }));
}

/**
 * Our failures by callback: those listing one of our targets, or no filter at all (bunq shows a failure's
 * filters as they are now, so a failure whose filter was removed since lists none). Another integration's
 * failures are its own business.
 */
function failuresByRef(
  failures: readonly NotificationFilterFailure[],
  owns: (target: string) => boolean,
): Map<string, number[]> {
  const byRef = new Map<string, number[]>();
  for (const failure of failures) {
    if (typeof failure.id !== 'number' || typeof failure.category !== 'string') continue;
    const targets = (failure.notification_filters ?? []).flatMap((filter) =>
      typeof filter.notification_target === 'string' ? [filter.notification_target] : [],
    );
    if (targets.length > 0 && !targets.some(owns)) continue;
    if (failure.object_id === null || failure.object_id === undefined) continue;
    const key = arrivalId({ category: failure.category, objectId: failure.object_id });
    byRef.set(key, [...(byRef.get(key) ?? []), failure.id]);
  }
  return byRef;
}

function describeError(error: unknown): Record<string, unknown> {
  if (error instanceof Error) {
    const status = (error as { status?: unknown }).status;
    return { error: error.name, message: error.message, ...(typeof status === 'number' ? { status } : {}) };
  }
  return { error: 'unknown' };
}
