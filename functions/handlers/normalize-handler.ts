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
import { buildBusEntry } from '../../shared/normalize/bus-entry';
import { normalizeCallback } from '../../shared/normalize/normalize-callback';
import type { BusEntry, DeadLetterQueue, EventPublisher, QueueMessage } from '../../shared/pipeline/ports';
import { decodeQueuedCallback, MESSAGE_ATTRIBUTE } from '../../shared/pipeline/queued-callback';
import { countWithDimension, flushMetrics } from '../commons/observability';

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
}

export type NormalizeHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;

/** A publish that PutEvents refused; thrown inside the idempotent function so the claim is released. */
export class PublishFailedError extends Error {
  override readonly name = 'PublishFailedError';
}

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
        throw new PublishFailedError(
          `PutEvents refused the event: ${result?.errorCode ?? 'no result'} ${result?.errorMessage ?? ''}`.trim(),
        );
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
    countWithDimension(metrics, 'DeadLettered', 'reason', reason);
  }

  async function processRecord(record: SQSRecord): Promise<void> {
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
    const built = buildBusEntry(normalized.detail, deps.eventSource);
    if (!built.ok) {
      await deadLetter(message, record, built.reason, built.problem);
      return;
    }

    const { detail } = normalized;
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
    const result = await publishOnce({ dedupKey: detail.dedupKey, callId, entry: built.entry });
    if (publishedCalls.delete(callId)) {
      logger.info('event published', { ...log, eventId: result.eventId });
      countWithDimension(metrics, 'EventsPublished', 'category', detail.category);
    } else {
      logger.info('duplicate callback suppressed', { ...log, eventId: result.eventId });
      metrics.addMetric('DuplicatesSuppressed', MetricUnit.Count, 1);
    }
  }

  async function processRecordLogged(record: SQSRecord): Promise<void> {
    try {
      await processRecord(record);
    } catch (error) {
      // Reported as a batch item failure: SQS redelivers it, and dead-letters it after maxReceiveCount.
      logger.warn('record failed; it will be redelivered', {
        messageId: record.messageId,
        receiveCount: record.attributes.ApproximateReceiveCount,
        error,
      });
      throw error;
    }
  }

  return async (event, context) => {
    idempotency.registerLambdaContext(context);
    const processor = new BatchProcessor(EventType.SQS);
    try {
      return await processPartialResponse(event, processRecordLogged, processor, {
        context,
        throwOnFullBatchFailure: false,
      });
    } finally {
      flushMetrics(metrics);
    }
  };
}
