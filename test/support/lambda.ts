/** Typed factories for Lambda events and contexts, shaped like the real ones. */
import { createHash, randomUUID } from 'node:crypto';
import type { Context, SQSRecord } from 'aws-lambda';
import type { QueueMessage } from '../../shared/pipeline/ports';

export function lambdaContext(overrides: Partial<Context> & { remainingMs?: number } = {}): Context {
  const { remainingMs = 30_000, ...rest } = overrides;
  const deadline = Date.now() + remainingMs;
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: 'test-normalize',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:test-normalize',
    memoryLimitInMB: '512',
    awsRequestId: randomUUID(),
    logGroupName: '/aws/lambda/test-normalize',
    logStreamName: 'stream',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
    ...rest,
  };
}

export { apiGatewayEvent, type CallbackRequestOptions } from '../../bench/api-gateway-event';

let sequence = 0;

/** An SQS record as Lambda's event source mapping delivers it. */
export function sqsRecord(
  message: QueueMessage,
  overrides: { receiveCount?: number; messageId?: string } = {},
): SQSRecord {
  sequence += 1;
  const messageAttributes: SQSRecord['messageAttributes'] = {};
  for (const [name, value] of Object.entries(message.attributes)) {
    messageAttributes[name] = {
      stringValue: value,
      dataType: 'String',
      stringListValues: [],
      binaryListValues: [],
    };
  }
  return {
    messageId: overrides.messageId ?? randomUUID(),
    receiptHandle: `receipt-${sequence}`,
    body: message.body,
    attributes: {
      ApproximateReceiveCount: String(overrides.receiveCount ?? 1),
      SentTimestamp: String(Date.now()),
      SenderId: 'AIDAEXAMPLE',
      ApproximateFirstReceiveTimestamp: String(Date.now()),
    },
    messageAttributes,
    md5OfBody: createHash('md5').update(message.body).digest('hex'),
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:eu-west-1:123456789012:callbacks',
    awsRegion: 'eu-west-1',
  };
}
