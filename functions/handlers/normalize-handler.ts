/**
 * The normalize Lambda's handler: maps an SQS batch to the normalizer core
 * (`shared/pipeline/normalize/normalizer.ts`, the effectively-once rule) and the messages it could not
 * finish, or whose dedupe marker the batch could not commit, to batch item failures, which SQS redelivers.
 */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type { Normalizer, ReceivedMessage } from '../../shared/pipeline/normalize/normalizer';

export type NormalizeHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;

/** An SQS record as the core sees it: body and string attributes, delivery count and send time. */
export function toReceivedMessage(record: SQSRecord): ReceivedMessage {
  const attributes: Record<string, string> = {};
  for (const [name, value] of Object.entries(record.messageAttributes ?? {})) {
    if (value.stringValue !== undefined) attributes[name] = value.stringValue;
  }
  return {
    messageId: record.messageId,
    receiptHandle: record.receiptHandle,
    message: { body: record.body, attributes },
    sentAt: new Date(Number(record.attributes.SentTimestamp) || Date.now()).toISOString(),
    receiveCount: Number(record.attributes.ApproximateReceiveCount) || 1,
  };
}

export function createNormalizeHandler(normalizer: Normalizer): NormalizeHandler {
  return async function normalizeHandler(event, context) {
    const batch = normalizer.startBatch(() => context.getRemainingTimeInMillis());
    let response: SQSBatchResponse = { batchItemFailures: [] };
    try {
      // Records run concurrently; one that rejects is reported as a batch item failure, not thrown.
      response = await processPartialResponse(
        event,
        (record: SQSRecord) => batch.process(toReceivedMessage(record)),
        new BatchProcessor(EventType.SQS),
        { context, throwOnFullBatchFailure: false },
      );
    } finally {
      // After every record settled: the batch's dedupe markers are committed in one write.
      const uncommitted = await batch.end();
      const failed = new Set(response.batchItemFailures.map((failure) => failure.itemIdentifier));
      for (const messageId of uncommitted) failed.add(messageId);
      response = { batchItemFailures: [...failed].map((itemIdentifier) => ({ itemIdentifier })) };
    }
    return response;
  };
}
