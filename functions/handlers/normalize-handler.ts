/**
 * The normalize Lambda's handler: SQS batch in, one EventBridge event per distinct callback out.
 *
 * Per record: decode the queued callback, normalize it (pure core), then publish it through Powertools
 * Idempotency keyed by the callback's dedupe key. The dedupe record is claimed IN_PROGRESS before the
 * publish and marked COMPLETED only after PutEvents accepted the event; a failed publish deletes the claim
 * so a retry publishes again. A record that can never succeed is parked on the dead-letter queue with its
 * reason at once; everything else that fails is reported as a batch item failure for SQS to redeliver.
 */

import { randomUUID } from 'node:crypto';
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import type { BasePersistenceLayer } from '@aws-lambda-powertools/idempotency/persistence';
import type { Logger } from '@aws-lambda-powertools/logger';
import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { type BackoffPolicy, backoffSeconds } from '../../shared/pipeline/backoff';
import { buildBusEntry } from '../../shared/pipeline/normalize/bus-entry';
import { claimCheckFor, withObjectRef } from '../../shared/pipeline/normalize/claim-check';
import { normalizeCallback } from '../../shared/pipeline/normalize/normalize-callback';
import type {
  BusEntry,
  DeadLetterQueue,
  EventPublisher,
  MessageVisibility,
  ObjectStore,
  QueueMessage,
} from '../../shared/pipeline/ports';
import { decodeQueuedCallback, MESSAGE_ATTRIBUTE } from '../../shared/pipeline/queued-callback';
import type { ArrivalRecorder } from '../../shared/pipeline/recovery/ports';
import { METRIC_DIMENSIONS, NORMALIZE_METRICS } from '../../shared/wiring/metrics';
import { countSchemaMismatch, countWithDimension, flushMetrics } from '../commons/observability';

export interface NormalizeDependencies {
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
  /** Delays the redelivery of a failed record (backoff). Without it, the queue's visibility timeout applies. */
  readonly visibility?: MessageVisibility;
  /** Backoff for transient failures. @default { baseSeconds: 10, maxSeconds: 300 } */
  readonly backoff?: BackoffPolicy;
  /**
   * Told about each callback that became an event (or was a duplicate of one), by category and object id,
   * so the failure poller skips bunq failures whose callback has since arrived. Best effort: a failed write
   * is logged and the record still succeeds (the worst case is one redundant retry, deduplicated here).
   * @default none
   */
  readonly arrivals?: ArrivalRecorder;
}

export type NormalizeHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;

/** A publish that failed for now (throttling, an outage); thrown so the claim is released and SQS retries. */
export class PublishFailedError extends Error {
  override readonly name = 'PublishFailedError';
}

/** A publish EventBridge refused for this event's content; retrying cannot help, so it is dead-lettered. */
export class PublishRejectedError extends Error {
  override readonly name = 'PublishRejectedError';
}

/** PutEvents entry errors about the entry itself, not the service's state. */
const PERMANENT_PUT_EVENTS_ERRORS = new Set(['MalformedDetail', 'InvalidArgument', 'ValidationException']);

const DEFAULT_BACKOFF: BackoffPolicy = { baseSeconds: 10, maxSeconds: 300 };

/** Dedupe records are keyed by this prefix and the callback's dedupe key, whatever the function's name. */
const DEDUPE_KEY_PREFIX = 'bunq-callback';

function toQueueMessage(record: SQSRecord): QueueMessage {
  const attributes: Record<string, string> = {};
  for (const [name, value] of Object.entries(record.messageAttributes ?? {})) {
    if (value.stringValue !== undefined) attributes[name] = value.stringValue;
  }
  return { body: record.body, attributes };
}

export function createNormalizeHandler(deps: NormalizeDependencies): NormalizeHandler {
  const { logger, metrics } = deps;
  const idempotency = new IdempotencyConfig({
    eventKeyJmesPath: 'dedupKey',
    expiresAfterSeconds: deps.dedupeTtlSeconds,
    throwOnNoIdempotencyKey: true,
  });
  // Calls whose publish really ran in this invocation; a call missing from it was answered from the store.
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

  async function deadLetter(message: QueueMessage, record: SQSRecord, reason: string, problem: string) {
    await deps.deadLetters.send({
      body: message.body,
      attributes: {
        ...message.attributes,
        [MESSAGE_ATTRIBUTE.deadLetterReason]: reason,
        [MESSAGE_ATTRIBUTE.deadLetterDetail]: problem,
        sourceMessageId: record.messageId,
      },
    });
    logger.error('callback dead-lettered', { messageId: record.messageId, reason, problem });
    countWithDimension(metrics, NORMALIZE_METRICS.deadLettered, METRIC_DIMENSIONS.reason, reason);
  }

  async function processRecord(record: SQSRecord, published: Map<string, number>): Promise<void> {
    const message = toQueueMessage(record);
    const sentAt = new Date(Number(record.attributes.SentTimestamp) || Date.now()).toISOString();
    let callback: ReturnType<typeof decodeQueuedCallback>;
    try {
      callback = decodeQueuedCallback(message, sentAt);
    } catch (error) {
      await deadLetter(
        message,
        record,
        'invalid-message',
        error instanceof Error ? error.message : String(error),
      );
      return;
    }

    const normalized = normalizeCallback(callback.body, callback.receivedAt);
    if (!normalized.ok) {
      await deadLetter(message, record, normalized.reason, normalized.problem);
      return;
    }
    if (normalized.schemaMismatch !== null) {
      // Drift, not failure: the event is still published, untyped; the path shows where bunq changed.
      const { objectType, path, code } = normalized.schemaMismatch;
      logger.warn('object does not match its schema', {
        messageId: record.messageId,
        objectType,
        path,
        code,
      });
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
        logger.info('object claim-checked', { messageId: record.messageId, uri, bytes: check.body.length });
        metrics.addMetric(NORMALIZE_METRICS.claimChecked, MetricUnit.Count, 1);
      }
    }
    if (!built.ok) {
      await deadLetter(message, record, built.reason, built.problem);
      return;
    }

    const log = {
      messageId: record.messageId,
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
      await deadLetter(message, record, 'event-rejected', error.message);
      return;
    }
    if (publishedCalls.delete(callId)) {
      logger.info('event published', { ...log, eventId: result.eventId });
      // Counted per batch and category: one metric document per category instead of one per event.
      published.set(detail.category, (published.get(detail.category) ?? 0) + 1);
    } else {
      logger.info('duplicate callback suppressed', { ...log, eventId: result.eventId });
      metrics.addMetric(NORMALIZE_METRICS.duplicatesSuppressed, MetricUnit.Count, 1);
    }
    if (deps.arrivals !== undefined && detail.objectId !== null) {
      await deps.arrivals
        .recordArrival({ category: detail.category, objectId: detail.objectId })
        .catch((error: unknown) =>
          logger.warn('arrival not recorded for the failure poller', { ...log, error }),
        );
    }
  }

  async function processRecordLogged(record: SQSRecord, published: Map<string, number>): Promise<void> {
    try {
      await processRecord(record, published);
    } catch (error) {
      // Reported as a batch item failure: SQS redelivers it (after a backoff when we can set one), and
      // moves it to the dead-letter queue after maxReceiveCount.
      const receiveCount = Number(record.attributes.ApproximateReceiveCount) || 1;
      const delaySeconds = backoffSeconds(deps.backoff ?? DEFAULT_BACKOFF, receiveCount);
      logger.warn('record failed; it will be redelivered', {
        messageId: record.messageId,
        receiveCount,
        delaySeconds: deps.visibility === undefined ? undefined : delaySeconds,
        error,
      });
      if (deps.visibility !== undefined) {
        try {
          await deps.visibility.delay(record.receiptHandle, delaySeconds);
        } catch (visibilityError) {
          // The queue's own visibility timeout still brings it back; only the backoff is lost.
          logger.warn('could not set the retry delay', {
            messageId: record.messageId,
            error: visibilityError,
          });
        }
      }
      throw error;
    }
  }

  return async (event, context) => {
    idempotency.registerLambdaContext(context);
    const processor = new BatchProcessor(EventType.SQS);
    const published = new Map<string, number>();
    try {
      return await processPartialResponse(
        event,
        (record: SQSRecord) => processRecordLogged(record, published),
        processor,
        {
          context,
          throwOnFullBatchFailure: false,
        },
      );
    } finally {
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
    }
  };
}
