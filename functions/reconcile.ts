/**
 * Lambda entry: EventBridge Scheduler -> one reconciler run (bunq's event listing from the cursor, callbacks
 * that never arrived published through the normalizer's queue, filter drift checked). Configuration and
 * clients are set up once per instance; a missing environment variable fails the cold start with its name.
 * The bunq client is made per run on the state secret it shares with the failure poller.
 */
import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SQSClient } from '@aws-sdk/client-sqs';
import { z } from 'zod';
import { BunqApiClient } from '../shared/bunq/api/client';
import { SecretsManagerBunqStateStore } from '../shared/bunq/api/secrets-manager-state-store';
import { encodeQueuedCallback } from '../shared/pipeline/queued-callback';
import { guardPlaceholderApiKey } from '../shared/pipeline/recovery/state-guard';
import { RECONCILE_ENV } from '../shared/wiring/function-env';
import { SERVICE_NAMES } from '../shared/wiring/metrics';
import { sqsQueue } from './commons/aws-adapters';
import { requireEnv, requireIntEnv } from './commons/env';
import { createLogger, createMetrics } from './commons/observability';
import { reconcileBunqApi } from './commons/reconcile-bunq';
import { dynamoCursorStore } from './commons/reconcile-store';
import { dynamoArrivalLog } from './commons/recovery-store';
import { secretTokenSource } from './commons/token-source';
import { createReconcileHandler } from './handlers/reconcile-handler';

const scopesSchema = z.array(
  z.object({ monetaryAccountId: z.number().int().positive().nullable(), categories: z.array(z.string()) }),
);

const logger = createLogger(SERVICE_NAMES.reconcile);
const secretId = requireEnv(RECONCILE_ENV.bunqStateSecretArn);
const baseUrl = requireEnv(RECONCILE_ENV.bunqBaseUrl);
const tableName = requireEnv(RECONCILE_ENV.tableName);
const callbackBaseUrl = requireEnv(RECONCILE_ENV.callbackBaseUrl);
const scopes = scopesSchema.parse(JSON.parse(requireEnv(RECONCILE_ENV.expectedFilters)));
const stateStore = guardPlaceholderApiKey(
  new SecretsManagerBunqStateStore({ secretId, client: new SecretsManagerClient({}) }),
  secretId,
);
// Only a reconciler that repairs filters reads the callback token (it must write our exact URL).
const tokenSecretArn = process.env[RECONCILE_ENV.tokenSecretArn];
const tokens =
  tokenSecretArn === undefined || tokenSecretArn === ''
    ? null
    : secretTokenSource({ provider: new SecretsProvider(), secretId: tokenSecretArn, maxAgeSeconds: 60 });
const dynamo = new DynamoDBClient({});
const queue = sqsQueue(new SQSClient({}), requireEnv(RECONCILE_ENV.callbackQueueUrl));

export const handler = createReconcileHandler({
  bunq: () => reconcileBunqApi(new BunqApiClient({ baseUrl, stateStore, logger })),
  arrivals: dynamoArrivalLog({ client: dynamo, tableName }),
  cursors: dynamoCursorStore({ client: dynamo, tableName }),
  sink: {
    submit: (callback) =>
      queue.send(
        encodeQueuedCallback({
          body: callback.body,
          receivedAt: callback.receivedAt,
          sourceIp: 'reconciler',
          requestId: `reconcile-${callback.receivedAt}`,
          recoveredBy: 'reconciliation',
        }),
      ),
  },
  expected: async () => {
    const [current] = tokens === null ? [] : await tokens.validTokens();
    return {
      target: current === undefined ? null : `${callbackBaseUrl}${current}`,
      owns: (target) => target.startsWith(callbackBaseUrl),
      scopes,
    };
  },
  graceMs: requireIntEnv(RECONCILE_ENV.graceMs),
  repairFilters: requireEnv(RECONCILE_ENV.repairFilters) === 'true',
  logger,
  metrics: createMetrics(SERVICE_NAMES.reconcile),
});
