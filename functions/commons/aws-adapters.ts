/**
 * The pipeline's ports implemented with the AWS SDK v3. Clients are injected so tests can pass a mock or a
 * loopback endpoint; entry files create them once at module load.
 */
import { type EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import {
  ChangeMessageVisibilityCommand,
  type MessageAttributeValue,
  SendMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type {
  BusEntry,
  CallbackQueue,
  DeadLetterQueue,
  EventPublisher,
  MessageVisibility,
  ObjectStore,
  PublishResult,
  QueueMessage,
} from '../../shared/pipeline/ports';

function toMessageAttributes(attributes: QueueMessage['attributes']): Record<string, MessageAttributeValue> {
  const result: Record<string, MessageAttributeValue> = {};
  for (const [name, value] of Object.entries(attributes)) {
    result[name] = { DataType: 'String', StringValue: value };
  }
  return result;
}

/** An SQS queue as a {@link CallbackQueue} or {@link DeadLetterQueue}: resolves once SQS accepted it. */
export function sqsQueue(client: SQSClient, queueUrl: string): CallbackQueue & DeadLetterQueue {
  return {
    async send(message) {
      await client.send(
        new SendMessageCommand({
          QueueUrl: queueUrl,
          MessageBody: message.body,
          MessageAttributes: toMessageAttributes(message.attributes),
        }),
      );
    },
  };
}

/** An EventBridge bus as an {@link EventPublisher}: one PutEvents call for up to 10 entries. */
export function eventBridgePublisher(client: EventBridgeClient, eventBusName: string): EventPublisher {
  return {
    async publish(entries: readonly BusEntry[]): Promise<PublishResult[]> {
      if (entries.length === 0) return [];
      if (entries.length > 10) throw new RangeError('PutEvents takes at most 10 entries per call');
      const output = await client.send(
        new PutEventsCommand({
          Entries: entries.map((entry) => ({
            EventBusName: eventBusName,
            Source: entry.source,
            DetailType: entry.detailType,
            Detail: entry.detail,
            Time: entry.time,
          })),
        }),
      );
      const results = output.Entries ?? [];
      return entries.map((_, index): PublishResult => {
        const result = results[index];
        if (result?.EventId !== undefined && result.ErrorCode === undefined) {
          return { ok: true, eventId: result.EventId };
        }
        return {
          ok: false,
          errorCode: result?.ErrorCode ?? 'MissingResult',
          errorMessage: result?.ErrorMessage ?? 'PutEvents returned no result for this entry',
        };
      });
    },
  };
}

/** An SQS queue's visibility control: delays the next delivery of a received message. */
export function sqsVisibility(client: SQSClient, queueUrl: string): MessageVisibility {
  return {
    async delay(receiptHandle, seconds) {
      await client.send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: queueUrl,
          ReceiptHandle: receiptHandle,
          VisibilityTimeout: seconds,
        }),
      );
    },
  };
}

/** An S3 bucket as the claim-check {@link ObjectStore}; the bucket's default encryption applies. */
export function s3ObjectStore(client: S3Client, bucket: string): ObjectStore {
  return {
    async put(key, body) {
      await client.send(
        new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: 'application/json' }),
      );
      return `s3://${bucket}/${key}`;
    },
  };
}
