/**
 * What Lambda's SQS event source mapping does, which moto does not model: receive a batch, hand it to the
 * handler as an `SQSEvent`, delete the records it did not report as failed. The failed ones stay on the
 * queue, to come back after their visibility timeout (or the backoff the handler set).
 */
import { DeleteMessageBatchCommand, type Message, type SQSClient } from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { lambdaContext } from '../../support/lambda';
import { REGION, receive } from './aws';

export type SqsHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse | undefined>;

/** A received SQS message as the event source mapping passes it to the function. */
export function toSqsRecord(message: Message, queueArn: string): SQSRecord {
  const messageAttributes: SQSRecord['messageAttributes'] = {};
  for (const [name, value] of Object.entries(message.MessageAttributes ?? {})) {
    messageAttributes[name] = {
      stringValue: value.StringValue,
      dataType: value.DataType ?? 'String',
      stringListValues: [],
      binaryListValues: [],
    };
  }
  const attributes = message.Attributes ?? {};
  return {
    messageId: message.MessageId as string,
    receiptHandle: message.ReceiptHandle as string,
    body: message.Body ?? '',
    attributes: {
      ApproximateReceiveCount: attributes.ApproximateReceiveCount ?? '1',
      SentTimestamp: attributes.SentTimestamp ?? String(Date.now()),
      SenderId: attributes.SenderId ?? 'AIDAEXAMPLE',
      ApproximateFirstReceiveTimestamp: attributes.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
    },
    messageAttributes,
    md5OfBody: message.MD5OfBody ?? '',
    eventSource: 'aws:sqs',
    eventSourceARN: queueArn,
    awsRegion: REGION,
  };
}

export interface PollResult {
  /** The records handed to the handler. */
  readonly records: SQSRecord[];
  /** The message ids the handler reported as failed (left on the queue). */
  readonly failed: string[];
}

/** One poll: receive up to 10 messages, invoke the handler, delete the successes. */
export async function pollOnce(
  sqs: SQSClient,
  queue: { url: string; arn: string },
  handler: SqsHandler,
): Promise<PollResult> {
  const messages = await receive(sqs, queue.url);
  if (messages.length === 0) return { records: [], failed: [] };
  const records = messages.map((message) => toSqsRecord(message, queue.arn));
  const response = await handler({ Records: records }, lambdaContext({ remainingMs: 60_000 }));
  const failed = (response?.batchItemFailures ?? []).map((failure) => failure.itemIdentifier);
  const done = records.filter((record) => !failed.includes(record.messageId));
  if (done.length > 0) {
    await sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: queue.url,
        Entries: done.map((record, index) => ({ Id: String(index), ReceiptHandle: record.receiptHandle })),
      }),
    );
  }
  return { records, failed };
}
