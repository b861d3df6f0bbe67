/**
 * Lambda entry: SQS callbacks queue -> normalize -> dedupe (DynamoDB) -> EventBridge. Configuration and
 * clients are set up once per instance; a missing environment variable fails the cold start with its name.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SQSClient } from '@aws-sdk/client-sqs';
import { NORMALIZE_ENV } from '../shared/contract/function-env';
import { eventBridgePublisher, sqsQueue } from './commons/aws-adapters';
import { createDedupeStore } from './commons/dedupe-store';
import { requireEnv, requireIntEnv } from './commons/env';
import { createLogger, createMetrics } from './commons/observability';
import { createNormalizeHandler } from './handlers/normalize-handler';

const SERVICE = 'bunq-webhooks-normalize';

export const handler = createNormalizeHandler({
  publisher: eventBridgePublisher(new EventBridgeClient({}), requireEnv(NORMALIZE_ENV.eventBusName)),
  deadLetters: sqsQueue(new SQSClient({}), requireEnv(NORMALIZE_ENV.deadLetterQueueUrl)),
  dedupe: createDedupeStore({
    tableName: requireEnv(NORMALIZE_ENV.dedupeTableName),
    client: new DynamoDBClient({}),
  }),
  dedupeTtlSeconds: requireIntEnv(NORMALIZE_ENV.dedupeTtlSeconds),
  eventSource: requireEnv(NORMALIZE_ENV.eventSource),
  logger: createLogger(SERVICE),
  metrics: createMetrics(SERVICE),
});
