/**
 * Lambda entry: EventBridge Scheduler -> one poll of bunq's failed callbacks (list, skip the ones that
 * arrived since, retry the rest, give up after the configured attempts). Configuration and clients are set
 * up once per instance; a missing environment variable fails the cold start with its name. The bunq client
 * itself is made per run on the state secret (see `RetryFailuresDependencies.bunqClient`).
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { BunqApiClient } from '../shared/bunq/api/client';
import { SecretsManagerBunqStateStore } from '../shared/bunq/api/secrets-manager-state-store';
import { guardPlaceholderApiKey } from '../shared/pipeline/recovery/state-guard';
import { RETRY_FAILURES_ENV } from '../shared/wiring/function-env';
import { SERVICE_NAMES } from '../shared/wiring/metrics';
import { requireEnv, requireIntEnv } from './commons/env';
import { createLogger, createMetrics } from './commons/observability';
import { dynamoArrivalLog, dynamoAttemptStore } from './commons/recovery-store';
import { createRetryFailuresHandler } from './handlers/retry-failures-handler';

const SERVICE = SERVICE_NAMES.retryFailures;

const logger = createLogger(SERVICE);
const secretId = requireEnv(RETRY_FAILURES_ENV.bunqStateSecretArn);
const baseUrl = requireEnv(RETRY_FAILURES_ENV.bunqBaseUrl);
const tableName = requireEnv(RETRY_FAILURES_ENV.tableName);
const stateStore = guardPlaceholderApiKey(
  new SecretsManagerBunqStateStore({ secretId, client: new SecretsManagerClient({}) }),
  secretId,
);
const dynamo = new DynamoDBClient({});

export const handler = createRetryFailuresHandler({
  bunqClient: () => new BunqApiClient({ baseUrl, stateStore, logger }),
  arrivals: dynamoArrivalLog({ client: dynamo, tableName }),
  attempts: dynamoAttemptStore({
    client: dynamo,
    tableName,
    ttlSeconds: requireIntEnv(RETRY_FAILURES_ENV.attemptTtlSeconds),
  }),
  maxAttempts: requireIntEnv(RETRY_FAILURES_ENV.maxAttempts),
  logger,
  metrics: createMetrics(SERVICE),
});
