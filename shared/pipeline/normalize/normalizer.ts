/**
 * The normalizer's effectively-once rule, over ports and without Lambda types. Per received message: decode
 * the queued callback, normalize it (pure core), claim-check an object too large for an event, then publish
 * it through Powertools Idempotency keyed by the callback's dedupe key. The dedupe record is claimed
 * IN_PROGRESS before the publish and marked COMPLETED only after the bus accepted the event; a failed
 * publish deletes the claim so a retry publishes again. A message that can never succeed is parked on the
 * dead-letter queue with its reason at once; anything else that fails rejects, after delaying the message's
 * redelivery (backoff), for the queue to deliver it again. Each callback is recorded as arrived, for the
 * failure poller, before its publish: that write also says whether it is bunq's answer to a retry the
 * poller asked for (`recoveredBy: "failure-retry"`).
 */

import { randomUUID } from 'node:crypto';
import type { Logger } from '@aws-lambda-powertools/logger';
import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { countSchemaMismatch, countWithDimension, flushMetrics } from '../../logging/observability';
import { METRIC_DIMENSIONS, NORMALIZE_METRICS } from '../../wiring/metrics';
import { type BackoffPolicy, backoffSeconds } from '../backoff';
import type {
  BusEntry,
  DeadLetterQueue,
  EventPublisher,
  MessageVisibility,
  ObjectStore,
  QueueMessage,
} from '../ports';
import { decodeQueuedCallback, MESSAGE_ATTRIBUTE } from '../queued-callback';
import type { ArrivalRecorder } from '../recovery/ports';
import { buildBusEntry } from './bus-entry';
import { claimCheckFor, withObjectRef } from './claim-check';
import { claimKey, type DedupeStore, dedupeRecordKey, type PublishedKey } from './dedupe';
import { metricCategory } from './metric-category';
import { normalizeCallback } from './normalize-callback';

export interface NormalizerDependencies {
  readonly publisher: EventPublisher;
  readonly deadLetters: DeadLetterQueue;
  /** The dedupe records (`./dedupe.ts`; DynamoDB: `createDedupeStore`). */
  readonly dedupe: DedupeStore;
  /** Seconds a published callback's marker lives. */
  readonly dedupeTtlSeconds: number;
  /** The `source` of every event. */
  readonly eventSource: string;
  readonly logger: Logger;
  readonly metrics: Metrics;
  /** Where objects too large for an event are stored. Without it, such callbacks are dead-lettered. */
  readonly objectStore?: ObjectStore;
  /** Delays the redelivery of a failed message (backoff). Without it, the queue's visibility timeout applies. */
  readonly visibility?: MessageVisibility;
  /** Backoff for transient failures. @default { baseSeconds: 10, maxSeconds: 300 } */
  readonly backoff?: BackoffPolicy;
  /**
   * Told about each callback before it is published (or found a duplicate), by category, event type, object
   * type, object id and dedupe key, so the failure poller skips bunq failures whose callback has since
   * arrived; its answer marks bunq's answer to a retry the poller asked for. Best effort: a failed write is
   * logged and the message still succeeds (the worst case is one redundant retry, deduplicated here, or a
   * re-sent callback without its `recoveredBy`).
   * @default none
   */
  readonly arrivals?: ArrivalRecorder;
}

/** A message as the queue delivered it. */
export interface ReceivedMessage {
  readonly messageId: string;
  /** Identifies this delivery, to delay the next one. */
  readonly receiptHandle: string;
  readonly message: QueueMessage;
  /** When the message was sent, as a fallback receive time for a message without one (RFC 3339). */
  readonly sentAt: string;
  /** Deliveries so far, this one included. */
  readonly receiveCount: number;
}

/** One batch of received messages; processed concurrently, then ended once. */
export interface NormalizeBatch {
  /**
   * Resolves when the message is done with (published, a duplicate, dead-lettered); rejects to retry it. A
   * published message's dedupe marker is committed only by {@link end}.
   */
  process(received: ReceivedMessage): Promise<void>;
  /**
   * Commits the batch's published keys (one write), emits the batch's counts and flushes metrics. Resolves to
   * the ids of the messages whose marker could not be committed: report them as failures, so the queue
   * redelivers them (they may publish again once their claim's deadline passed; never lost).
   */
  end(): Promise<readonly string[]>;
}

export interface Normalizer {
  /**
   * Starts a batch. `remainingTimeMs` is the time the invocation has left: a claim of a batch that never
   * committed is taken over after it, so a crash blocks the retry no longer.
   */
  startBatch(remainingTimeMs?: () => number): NormalizeBatch;
}

/** Another copy of the callback holds a live claim; thrown so the queue retries this one later. */
export class DedupeInProgressError extends Error {
  override readonly name = 'DedupeInProgressError';
}

/** A publish that failed for now (throttling, an outage); thrown so the claim is released and the queue retries. */
export class PublishFailedError extends Error {
  override readonly name = 'PublishFailedError';
}

/** A publish the bus refused for this event's content; retrying cannot help, so it is dead-lettered. */
export class PublishRejectedError extends Error {
  override readonly name = 'PublishRejectedError';
}

/** PutEvents entry errors about the entry itself, not the service's state. */
const PERMANENT_PUT_EVENTS_ERRORS = new Set(['MalformedDetail', 'InvalidArgument', 'ValidationException']);

const DEFAULT_BACKOFF: BackoffPolicy = { baseSeconds: 10, maxSeconds: 300 };

/** A batch's deadline when the invocation's remaining time is not known. */
const DEFAULT_DEADLINE_MS = 5 * 60_000;

/** Published keys per batch item: at most about 7 KB, far under DynamoDB's 400 KB item limit. */
const KEYS_PER_BATCH_ITEM = 100;

/** A published message whose marker waits for the batch commit. */
interface Pending extends PublishedKey {
  readonly messageId: string;
  readonly batch: string;
}

/** State of one batch. */
interface BatchState {
  readonly id: string;
  readonly deadlineMs: number;
  slots: number;
  readonly pending: Pending[];
  readonly published: Map<string, number>;
}

export function createNormalizer(deps: NormalizerDependencies): Normalizer {
  const { logger, metrics } = deps;
  const ttl = deps.dedupeTtlSeconds;
  const expiresAt = () => Math.floor(Date.now() / 1_000) + ttl;

  async function publish(entry: BusEntry): Promise<string> {
    const [result] = await deps.publisher.publish([entry]);
    if (result === undefined || !result.ok) {
      const problem = `PutEvents refused the event: ${result?.errorCode ?? 'no result'} ${result?.errorMessage ?? ''}`;
      if (result !== undefined && PERMANENT_PUT_EVENTS_ERRORS.has(result.errorCode)) {
        throw new PublishRejectedError(problem.trim());
      }
      throw new PublishFailedError(problem.trim());
    }
    return result.eventId;
  }

  /** Claims, publishes, and queues the marker for the batch commit; a failed publish releases the claim. */
  async function publishOnce(
    batch: BatchState,
    messageId: string,
    dedupKey: string,
    entry: BusEntry,
  ): Promise<{ published: boolean; eventId: string | null }> {
    const key = dedupeRecordKey(dedupKey);
    const item = `${batch.id}.${Math.floor(batch.slots++ / KEYS_PER_BATCH_ITEM)}`;
    const claim = { key, batch: item, inProgressUntilMs: batch.deadlineMs, expiresAtSeconds: expiresAt() };
    const outcome = await claimKey(deps.dedupe, claim);
    if (outcome.kind === 'published') return { published: false, eventId: outcome.eventId };
    if (outcome.kind === 'in-progress') {
      throw new DedupeInProgressError(`another copy of this callback holds its dedupe claim (${dedupKey})`);
    }
    let eventId: string;
    try {
      eventId = await publish(entry);
    } catch (error) {
      await deps.dedupe.release(key, item).catch((releaseError: unknown) =>
        // The claim then frees itself: its batch commits without it, or its deadline passes.
        logger.warn('dedupe claim not released', { messageId, error: releaseError }),
      );
      throw error;
    }
    batch.pending.push({ key, eventId, messageId, batch: item });
    return { published: true, eventId };
  }

  /** Commits each batch item's published keys; falls back to one marker per key. Returns what failed. */
  async function commit(batch: BatchState): Promise<string[]> {
    const items = new Map<string, Pending[]>();
    for (const pending of batch.pending) {
      const published = items.get(pending.batch);
      if (published === undefined) items.set(pending.batch, [pending]);
      else published.push(pending);
    }
    const failed: string[] = [];
    await Promise.all(
      [...items].map(async ([item, published]) => {
        try {
          await deps.dedupe.commitBatch(item, published, expiresAt());
          return;
        } catch (error) {
          logger.warn('batch dedupe commit failed; committing each marker on its own', { item, error });
        }
        await Promise.all(
          published.map((one) =>
            deps.dedupe.complete(one, item, expiresAt()).catch((error: unknown) => {
              logger.error('dedupe marker not committed; the message will be redelivered', {
                messageId: one.messageId,
                eventId: one.eventId,
                error,
              });
              failed.push(one.messageId);
            }),
          ),
        );
      }),
    );
    return failed;
  }

  async function deadLetter(received: ReceivedMessage, reason: string, problem: string): Promise<void> {
    await deps.deadLetters.send({
      body: received.message.body,
      attributes: {
        ...received.message.attributes,
        [MESSAGE_ATTRIBUTE.deadLetterReason]: reason,
        [MESSAGE_ATTRIBUTE.deadLetterDetail]: problem,
        sourceMessageId: received.messageId,
      },
    });
    logger.error('callback dead-lettered', { messageId: received.messageId, reason, problem });
    countWithDimension(metrics, NORMALIZE_METRICS.deadLettered, METRIC_DIMENSIONS.reason, reason);
  }

  async function processMessage(received: ReceivedMessage, batch: BatchState): Promise<void> {
    const { messageId } = received;
    let callback: ReturnType<typeof decodeQueuedCallback>;
    try {
      callback = decodeQueuedCallback(received.message, received.sentAt);
    } catch (error) {
      await deadLetter(received, 'invalid-message', error instanceof Error ? error.message : String(error));
      return;
    }

    const normalized = normalizeCallback(
      callback.body,
      callback.receivedAt,
      callback.recoveredBy ?? null,
      callback.userId ?? null,
    );
    if (!normalized.ok) {
      await deadLetter(received, normalized.reason, normalized.problem);
      return;
    }
    if (normalized.schemaMismatch !== null) {
      // Drift, not failure: the event is still published, untyped; the path shows where bunq changed.
      const { objectType, path, code } = normalized.schemaMismatch;
      logger.warn('object does not match its schema', { messageId, objectType, path, code });
      countSchemaMismatch(metrics, objectType, path);
    }
    let detail = normalized.detail;
    if (deps.arrivals !== undefined && detail.objectId !== null) {
      // Before the publish: the same write answers whether the failure poller asked bunq for this callback.
      const arrival = await deps.arrivals
        .recordArrival({
          category: detail.category,
          eventType: detail.eventType,
          objectType: detail.objectType,
          objectId: detail.objectId,
          dedupKey: detail.dedupKey,
        })
        .catch((error: unknown) => {
          logger.warn('arrival not recorded for the failure poller', { messageId, error });
          return null;
        });
      if (arrival?.answersRetry === true && detail.recoveredBy === null) {
        detail = { ...detail, recoveredBy: 'failure-retry' };
      }
    }
    let built = buildBusEntry(detail, deps.eventSource);
    if (!built.ok && deps.objectStore !== undefined) {
      // Too large for one event: store the object and publish a reference to it instead.
      const check = claimCheckFor(detail);
      const uri = await deps.objectStore.put(check.key, check.body);
      detail = withObjectRef(detail, check, uri);
      built = buildBusEntry(detail, deps.eventSource);
      if (built.ok) {
        logger.info('object claim-checked', { messageId, uri, bytes: check.body.length });
        metrics.addMetric(NORMALIZE_METRICS.claimChecked, MetricUnit.Count, 1);
      }
    }
    if (!built.ok) {
      await deadLetter(received, built.reason, built.problem);
      return;
    }

    const log = {
      messageId,
      requestId: callback.requestId,
      category: detail.category,
      eventType: detail.eventType,
      objectType: detail.objectType,
      objectId: detail.objectId,
    };
    let result: { published: boolean; eventId: string | null };
    try {
      result = await publishOnce(batch, messageId, detail.dedupKey, built.entry);
    } catch (error) {
      if (!(error instanceof PublishRejectedError)) throw error;
      await deadLetter(received, 'event-rejected', error.message);
      return;
    }
    const { published } = batch;
    if (result.published) {
      // Without the dedupe key, unlike the other lines: the event carries it, and the event id joins them.
      logger.info('event published', { ...log, eventId: result.eventId });
      // Counted per batch and category: one metric document per category instead of one per event.
      // Bounded dimension: the body names the category, so an invented one counts as OTHER.
      const dimension = metricCategory(detail.category);
      published.set(dimension, (published.get(dimension) ?? 0) + 1);
    } else {
      logger.info('duplicate callback suppressed', {
        ...log,
        dedupKey: detail.dedupKey,
        eventId: result.eventId,
      });
      metrics.addMetric(NORMALIZE_METRICS.duplicatesSuppressed, MetricUnit.Count, 1);
    }
  }

  /** Runs one message; on failure, sets its redelivery delay (when it can) and rethrows. */
  async function processWithBackoff(received: ReceivedMessage, batch: BatchState) {
    try {
      await processMessage(received, batch);
    } catch (error) {
      // The queue redelivers it (after a backoff when we can set one), and moves it to the dead-letter
      // queue after maxReceiveCount.
      const receiveCount = received.receiveCount;
      const delaySeconds = backoffSeconds(deps.backoff ?? DEFAULT_BACKOFF, receiveCount);
      logger.warn('record failed; it will be redelivered', {
        messageId: received.messageId,
        receiveCount,
        delaySeconds: deps.visibility === undefined ? undefined : delaySeconds,
        error,
      });
      if (deps.visibility !== undefined) {
        try {
          await deps.visibility.delay(received.receiptHandle, delaySeconds);
        } catch (visibilityError) {
          // The queue's own visibility timeout still brings it back; only the backoff is lost.
          logger.warn('could not set the retry delay', {
            messageId: received.messageId,
            error: visibilityError,
          });
        }
      }
      throw error;
    }
  }

  return {
    startBatch(remainingTimeMs) {
      const batch: BatchState = {
        id: randomUUID(),
        deadlineMs: Date.now() + (remainingTimeMs?.() ?? DEFAULT_DEADLINE_MS),
        slots: 0,
        pending: [],
        published: new Map(),
      };
      return {
        process: (received) => processWithBackoff(received, batch),
        async end() {
          const uncommitted = await commit(batch);
          for (const [category, count] of batch.published) {
            countWithDimension(
              metrics,
              NORMALIZE_METRICS.eventsPublished,
              METRIC_DIMENSIONS.category,
              category,
              count,
            );
          }
          flushMetrics(metrics);
          return uncommitted;
        },
      };
    },
  };
}
