/**
 * The normalizer's effectively-once rule, over ports and without Lambda types. Per received message: decode
 * the queued callback, normalize it (pure core), claim-check an object too large for an event, then publish
 * it through Powertools Idempotency keyed by the callback's dedupe key. The dedupe record is claimed
 * IN_PROGRESS before the publish and marked COMPLETED only after the bus accepted the event; a failed
 * publish deletes the claim so a retry publishes again. A message that can never succeed is parked on the
 * dead-letter queue with its reason at once; anything else that fails rejects, after delaying the message's
 * redelivery (backoff), for the queue to deliver it again. Each published (or duplicate) callback is then
 * recorded as arrived, for the failure poller.
 */

import { randomUUID } from 'node:crypto';
import { IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import type { BasePersistenceLayer } from '@aws-lambda-powertools/idempotency/persistence';
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
import { metricCategory } from './metric-category';
import { normalizeCallback } from './normalize-callback';

export interface NormalizerDependencies {
  readonly publisher: EventPublisher;
  readonly deadLetters: DeadLetterQueue;
  /** Powertools Idempotency persistence layer on the dedupe table (see `createDedupeStore`). */
  readonly dedupe: BasePersistenceLayer;
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
   * Told about each callback that became an event (or was a duplicate of one), by category, event type,
   * object type and object id,
   * so the failure poller skips bunq failures whose callback has since arrived. Best effort: a failed write
   * is logged and the message still succeeds (the worst case is one redundant retry, deduplicated here).
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
  /** Resolves when the message is done with (published, a duplicate, dead-lettered); rejects to retry it. */
  process(received: ReceivedMessage): Promise<void>;
  /** Emits the batch's counts and flushes metrics. */
  end(): void;
}

export interface Normalizer {
  /**
   * Starts a batch. `remainingTimeMs` is the time the invocation has left: a claim left IN_PROGRESS by a
   * crash expires then, so the retry is not blocked for longer.
   */
  startBatch(remainingTimeMs?: () => number): NormalizeBatch;
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

/** Dedupe records are keyed by this prefix and the callback's dedupe key, whatever the function's name. */
const DEDUPE_KEY_PREFIX = 'bunq-callback';

type LambdaContextLike = Parameters<IdempotencyConfig['registerLambdaContext']>[0];

export function createNormalizer(deps: NormalizerDependencies): Normalizer {
  const { logger, metrics } = deps;
  const idempotency = new IdempotencyConfig({
    eventKeyJmesPath: 'dedupKey',
    expiresAfterSeconds: deps.dedupeTtlSeconds,
    throwOnNoIdempotencyKey: true,
  });
  // Calls whose publish really ran; a call missing from it was answered from the dedupe store.
  const publishedCalls = new Set<string>();

  const publishOnce = makeIdempotent(
    async (input: { dedupKey: string; callId: string; entry: BusEntry }): Promise<{ eventId: string }> => {
      const [result] = await deps.publisher.publish([input.entry]);
      if (result === undefined || !result.ok) {
        const problem = `PutEvents refused the event: ${result?.errorCode ?? 'no result'} ${result?.errorMessage ?? ''}`;
        if (result !== undefined && PERMANENT_PUT_EVENTS_ERRORS.has(result.errorCode)) {
          throw new PublishRejectedError(problem.trim());
        }
        throw new PublishFailedError(problem.trim());
      }
      publishedCalls.add(input.callId);
      return { eventId: result.eventId };
    },
    { persistenceStore: deps.dedupe, config: idempotency, keyPrefix: DEDUPE_KEY_PREFIX },
  );

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

  async function processMessage(received: ReceivedMessage, published: Map<string, number>): Promise<void> {
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
      dedupKey: detail.dedupKey,
    };
    const callId = randomUUID();
    let result: { eventId: string };
    try {
      result = await publishOnce({ dedupKey: detail.dedupKey, callId, entry: built.entry });
    } catch (error) {
      if (!(error instanceof PublishRejectedError)) throw error;
      await deadLetter(received, 'event-rejected', error.message);
      return;
    }
    if (publishedCalls.delete(callId)) {
      logger.info('event published', { ...log, eventId: result.eventId });
      // Counted per batch and category: one metric document per category instead of one per event.
      // Bounded dimension: the body names the category, so an invented one counts as OTHER.
      const dimension = metricCategory(detail.category);
      published.set(dimension, (published.get(dimension) ?? 0) + 1);
    } else {
      logger.info('duplicate callback suppressed', { ...log, eventId: result.eventId });
      metrics.addMetric(NORMALIZE_METRICS.duplicatesSuppressed, MetricUnit.Count, 1);
    }
    if (deps.arrivals !== undefined && detail.objectId !== null) {
      await deps.arrivals
        .recordArrival({
          category: detail.category,
          eventType: detail.eventType,
          objectType: detail.objectType,
          objectId: detail.objectId,
        })
        .catch((error: unknown) =>
          logger.warn('arrival not recorded for the failure poller', { ...log, error }),
        );
    }
  }

  /** Runs one message; on failure, sets its redelivery delay (when it can) and rethrows. */
  async function processWithBackoff(received: ReceivedMessage, published: Map<string, number>) {
    try {
      await processMessage(received, published);
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
      // Powertools reads only the remaining time of the context it is given.
      if (remainingTimeMs !== undefined) {
        idempotency.registerLambdaContext({
          getRemainingTimeInMillis: remainingTimeMs,
        } as unknown as LambdaContextLike);
      }
      const published = new Map<string, number>();
      return {
        process: (received) => processWithBackoff(received, published),
        end() {
          for (const [category, count] of published) {
            countWithDimension(
              metrics,
              NORMALIZE_METRICS.eventsPublished,
              METRIC_DIMENSIONS.category,
              category,
              count,
            );
          }
          flushMetrics(metrics);
        },
      };
    },
  };
}
