/**
 * Lambda entry: SQS callbacks queue -> normalize -> dedupe (DynamoDB) -> EventBridge, with objects too large
 * for an event claim-checked to S3. Settings and clients are set up once per instance; a missing
 * environment variable fails the cold start with its name.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import { eventBridgePublisher, s3ObjectStore, sqsQueue, sqsVisibility } from './commons/aws-adapters';
import { normalizeEnvironment } from './commons/environment';
import { normalizeTableStores } from './commons/table-stores';
import { composeNormalize } from './compose/normalize';

const env = normalizeEnvironment();
const sqs = new SQSClient({});

export const handler = composeNormalize(env.settings, {
  publisher: eventBridgePublisher(new EventBridgeClient({}), env.eventBusName),
  deadLetters: sqsQueue(sqs, env.deadLetterQueueUrl),
  ...normalizeTableStores(new DynamoDBClient({}), env.dedupeTableName, env.settings.dedupeTtlSeconds),
  objectStore: s3ObjectStore(new S3Client({}), env.claimCheckBucket),
  visibility: sqsVisibility(sqs, env.callbackQueueUrl),
});
