/**
 * The AWS resources of the pipeline, created in moto as the stack creates them (names made unique per test):
 * the callbacks queue with its dead-letter queue, the dedupe table with its TTL attribute, the claim-check
 * bucket, the bus, and an "observer" rule that delivers every event on the bus to a queue the test reads.
 */
import { UpdateTimeToLiveCommand } from '@aws-sdk/client-dynamodb';
import { CreateEventBusCommand, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import type { QueueMessage } from '../../../shared/pipeline/ports';
import { encodeQueuedCallback } from '../../../shared/pipeline/queued-callback';
import {
  DEDUPE_TABLE_KEY,
  DEDUPE_TABLE_TTL_ATTRIBUTE,
  NORMALIZE_ENV,
} from '../../../shared/wiring/function-env';
import { createHashKeyTable } from '../../support/dedupe-table';
import { type AwsClients, createQueue, REGION, receive, uniqueName } from './aws';

export interface Queue {
  readonly url: string;
  readonly arn: string;
}

export interface PipelineResources {
  readonly callbacks: Queue;
  readonly deadLetters: Queue;
  readonly tableName: string;
  readonly bucket: string;
  readonly busName: string;
  /** Receives every event put on the bus, in the shape a rule target gets. */
  readonly observer: Queue;
}

export interface ResourceOptions {
  /** Receives before SQS moves a message to the dead-letter queue. @default 3 */
  readonly maxReceiveCount?: number;
  /** The callbacks queue's visibility timeout. @default 30 */
  readonly visibilityTimeoutSeconds?: number;
  /** The `source` the observer rule matches. @default 'bunq' */
  readonly eventSource?: string;
}

export async function createPipelineResources(
  clients: AwsClients,
  options: ResourceOptions = {},
): Promise<PipelineResources> {
  const deadLetters = await createQueue(clients.sqs, uniqueName('callbacks-dlq'));
  const callbacks = await createQueue(clients.sqs, uniqueName('callbacks'), {
    VisibilityTimeout: String(options.visibilityTimeoutSeconds ?? 30),
    RedrivePolicy: JSON.stringify({
      deadLetterTargetArn: deadLetters.arn,
      maxReceiveCount: options.maxReceiveCount ?? 3,
    }),
  });

  const tableName = uniqueName('dedupe');
  await createHashKeyTable(clients.dynamo, tableName, DEDUPE_TABLE_KEY, 'S');
  await clients.dynamo.send(
    new UpdateTimeToLiveCommand({
      TableName: tableName,
      TimeToLiveSpecification: { AttributeName: DEDUPE_TABLE_TTL_ATTRIBUTE, Enabled: true },
    }),
  );

  const bucket = uniqueName('claim-check');
  await clients.s3.send(
    new CreateBucketCommand({ Bucket: bucket, CreateBucketConfiguration: { LocationConstraint: REGION } }),
  );

  const busName = uniqueName('bunq');
  await clients.events.send(new CreateEventBusCommand({ Name: busName }));
  const observer = await createQueue(clients.sqs, uniqueName('observer'));
  const ruleName = uniqueName('observe');
  await clients.events.send(
    new PutRuleCommand({
      Name: ruleName,
      EventBusName: busName,
      EventPattern: JSON.stringify({ source: [options.eventSource ?? 'bunq'] }),
    }),
  );
  await clients.events.send(
    new PutTargetsCommand({
      Rule: ruleName,
      EventBusName: busName,
      Targets: [{ Id: 'observer', Arn: observer.arn }],
    }),
  );
  return { callbacks, deadLetters, tableName, bucket, busName, observer };
}

/** Enqueues a callback body the way the ingest does (same message format and attributes). */
export async function enqueueCallback(
  clients: AwsClients,
  queueUrl: string,
  body: string | Buffer,
  requestId = uniqueName('req'),
): Promise<QueueMessage> {
  const message = encodeQueuedCallback({
    body: Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8'),
    receivedAt: new Date().toISOString(),
    sourceIp: '185.40.108.10',
    requestId,
  });
  await clients.sqs.send(
    new SendMessageCommand({
      QueueUrl: queueUrl,
      MessageBody: message.body,
      MessageAttributes: Object.fromEntries(
        Object.entries(message.attributes).map(([name, value]) => [
          name,
          { DataType: 'String', StringValue: value },
        ]),
      ),
    }),
  );
  return message;
}

/** Reads messages off a queue until `count` arrived (moto delivers rule targets within PutEvents). */
export async function drain(clients: AwsClients, queueUrl: string, count: number) {
  const messages = [];
  for (
    let batch = await receive(clients.sqs, queueUrl);
    batch.length > 0;
    batch = await receive(clients.sqs, queueUrl)
  ) {
    messages.push(...batch);
    if (messages.length >= count) break;
  }
  return messages;
}

/** The dedupe TTL the normalize function runs with in this tier. */
export const DEDUPE_TTL_SECONDS = 3_600;

/** The normalize function's environment over these resources (arrivals off unless overridden). */
export function normalizeEnvironment(resources: PipelineResources, overrides: Record<string, string> = {}) {
  return {
    [NORMALIZE_ENV.dedupeTableName]: resources.tableName,
    [NORMALIZE_ENV.dedupeTtlSeconds]: String(DEDUPE_TTL_SECONDS),
    [NORMALIZE_ENV.eventBusName]: resources.busName,
    [NORMALIZE_ENV.eventSource]: 'bunq',
    [NORMALIZE_ENV.deadLetterQueueUrl]: resources.deadLetters.url,
    [NORMALIZE_ENV.callbackQueueUrl]: resources.callbacks.url,
    [NORMALIZE_ENV.retryBackoffBaseSeconds]: '3',
    [NORMALIZE_ENV.retryBackoffMaxSeconds]: '3',
    [NORMALIZE_ENV.claimCheckBucket]: resources.bucket,
    [NORMALIZE_ENV.recordArrivals]: 'false',
    ...overrides,
  };
}
