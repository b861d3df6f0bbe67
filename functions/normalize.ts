/**
 * Lambda entry: SQS callbacks queue -> normalize -> dedupe (DynamoDB) -> EventBridge, with objects too large
 * for an event claim-checked to S3. Configuration and clients are set up once per instance; a missing
 * environment variable fails the cold start with its name.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import { NORMALIZE_ENV } from '../shared/wiring/function-env';
import { SERVICE_NAMES } from '../shared/wiring/metrics';
import { eventBridgePublisher, s3ObjectStore, sqsQueue, sqsVisibility } from './commons/aws-adapters';
import { createDedupeStore } from './commons/dedupe-store';
import { requireEnv, requireIntEnv } from './commons/env';
import { createLogger, createMetrics } from './commons/observability';
import { dynamoArrivalRecorder } from './commons/recovery-store';
import { createNormalizeHandler } from './handlers/normalize-handler';

const SERVICE = SERVICE_NAMES.normalize;
const sqs = new SQSClient({});
const dynamo = new DynamoDBClient({});

export const handler = createNormalizeHandler({
  publisher: eventBridgePublisher(new EventBridgeClient({}), requireEnv(NORMALIZE_ENV.eventBusName)),
  deadLetters: sqsQueue(sqs, requireEnv(NORMALIZE_ENV.deadLetterQueueUrl)),
  dedupe: createDedupeStore({
    tableName: requireEnv(NORMALIZE_ENV.dedupeTableName),
    client: dynamo,
  }),
  dedupeTtlSeconds: requireIntEnv(NORMALIZE_ENV.dedupeTtlSeconds),
  eventSource: requireEnv(NORMALIZE_ENV.eventSource),
  objectStore: s3ObjectStore(new S3Client({}), requireEnv(NORMALIZE_ENV.claimCheckBucket)),
  visibility: sqsVisibility(sqs, requireEnv(NORMALIZE_ENV.callbackQueueUrl)),
  backoff: {
    baseSeconds: requireIntEnv(NORMALIZE_ENV.retryBackoffBaseSeconds),
    maxSeconds: requireIntEnv(NORMALIZE_ENV.retryBackoffMaxSeconds),
  },
  // Callbacks that arrived, for the failure poller (retry-failures) to skip: same table, same lifetime.
  // Only when the poller runs: it is one more DynamoDB write per callback.
  arrivals:
    requireEnv(NORMALIZE_ENV.recordArrivals) === 'true'
      ? dynamoArrivalRecorder({
          client: dynamo,
          tableName: requireEnv(NORMALIZE_ENV.dedupeTableName),
          ttlSeconds: requireIntEnv(NORMALIZE_ENV.dedupeTtlSeconds),
        })
      : undefined,
  logger: createLogger(SERVICE),
  metrics: createMetrics(SERVICE),
});
