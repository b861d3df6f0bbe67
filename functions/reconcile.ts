/**
 * Lambda entry: EventBridge Scheduler -> one reconciler run (bunq's event listing from the cursor, callbacks
 * that never arrived put on the normalizer's queue, filter drift checked). Settings and clients are set up
 * once per instance; a missing environment variable fails the cold start with its name. The bunq client is
 * made per run on the state secret it shares with the failure poller.
 */
import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SQSClient } from '@aws-sdk/client-sqs';
import { BunqApiClient } from '../shared/bunq/api/client';
import { ownsUnder } from '../shared/pipeline/onboard/ports';
import { dynamoArrivalLog } from './commons/arrival-store';
import { dynamoAttemptStore } from './commons/attempt-store';
import { sqsQueue } from './commons/aws-adapters';
import { bunqStateSecret } from './commons/bunq-state-secret';
import { reconcileEnvironment } from './commons/environment';
import { reconcileBunqApi, reconciledCallbackSink } from './commons/reconcile-bunq';
import { dynamoCursorStore } from './commons/reconcile-store';
import { secretTokenSource } from './commons/secret-token-source';
import { composeReconcile } from './compose/reconcile';

const env = reconcileEnvironment();
const stateStore = bunqStateSecret(env.bunqStateSecretArn);
// Only a reconciler that repairs filters reads the callback token (it must write our exact URL).
const tokens =
  env.tokenSecretArn === null
    ? null
    : secretTokenSource({
        provider: new SecretsProvider({ awsSdkV3Client: new SecretsManagerClient({}) }),
        secretId: env.tokenSecretArn,
        maxAgeSeconds: 60,
      });
const dynamo = new DynamoDBClient({});

export const handler = composeReconcile(env.settings, {
  bunqClient: (logger) =>
    reconcileBunqApi(new BunqApiClient({ baseUrl: env.bunqBaseUrl, stateStore, logger })),
  arrivals: dynamoArrivalLog({ client: dynamo, tableName: env.tableName }),
  cursors: dynamoCursorStore({ client: dynamo, tableName: env.tableName }),
  redeliveries: dynamoAttemptStore({
    client: dynamo,
    tableName: env.tableName,
    ttlSeconds: env.attemptTtlSeconds,
  }),
  sink: reconciledCallbackSink(sqsQueue(new SQSClient({}), env.callbackQueueUrl)),
  expected: async () => {
    const [current] = tokens === null ? [] : await tokens.validTokens();
    return {
      target: current === undefined ? null : `${env.callbackBaseUrl}${current}`,
      owns: ownsUnder(env.callbackBaseUrl),
      scopes: env.scopes,
    };
  },
});
