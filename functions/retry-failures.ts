/**
 * Lambda entry: EventBridge Scheduler -> one poll of bunq's failed callbacks (list, skip the ones that
 * arrived since, retry the rest, give up after the configured attempts). Settings and clients are set up
 * once per instance; a missing environment variable fails the cold start with its name. The bunq client
 * itself is made per run on the state secret (see `RetryFailuresPorts.bunqClient`).
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { BunqApiClient } from '../shared/bunq/api/client';
import { SecretsManagerBunqStateStore } from '../shared/bunq/api/secrets-manager-state-store';
import { guardPlaceholderApiKey } from '../shared/pipeline/recovery/state-guard';
import { retryFailuresEnvironment } from './commons/environment';
import { recoveryTableStores } from './commons/table-stores';
import { composeRetryFailures } from './compose/retry-failures';

const env = retryFailuresEnvironment();
const stateStore = guardPlaceholderApiKey(
  new SecretsManagerBunqStateStore({
    secretId: env.bunqStateSecretArn,
    client: new SecretsManagerClient({}),
  }),
  env.bunqStateSecretArn,
);

export const handler = composeRetryFailures(env.settings, {
  bunqClient: (logger) => new BunqApiClient({ baseUrl: env.bunqBaseUrl, stateStore, logger }),
  ...recoveryTableStores(new DynamoDBClient({}), env.tableName, env.attemptTtlSeconds),
});
