/**
 * Lambda entry: EventBridge Scheduler -> one reconciler run (bunq's event listing from the cursor, callbacks
 * that never arrived put on the normalizer's queue, filter drift checked). Settings and clients are set up
 * once per instance; a missing environment variable fails the cold start with its name. The bunq client is
 * made per run on the state secret it shares with the failure poller. With partner onboarding (the fleet
 * table in the environment) each invocation then reconciles the fleet: every provisioned user on its own
 * credentials and callback URL, behind one rate gate, on a budget under the timeout, the pass kept in the
 * table (`functions/commons/fleet-reconcile-lambda.ts`).
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
import { fleetReconcileEnvironment } from './commons/fleet-reconcile-environment';
import { lambdaFleetReconcile } from './commons/fleet-reconcile-lambda';
import { reconcileBunqApi, reconciledCallbackSink } from './commons/reconcile-bunq';
import { dynamoCursorStore } from './commons/reconcile-store';
import { secretTokenSource } from './commons/secret-token-source';
import { composeReconcile } from './compose/reconcile';
import { composeReconcileAndFleet } from './compose/reconcile-and-fleet';

const env = reconcileEnvironment();
const fleetEnv = fleetReconcileEnvironment();
const stateStore = bunqStateSecret(env.bunqStateSecretArn);
// Only a reconciler that repairs filters, or reconciles the fleet, reads the callback token (our exact URL).
const secrets = new SecretsManagerClient({});
const tokens =
  env.tokenSecretArn === null
    ? null
    : secretTokenSource({
        provider: new SecretsProvider({ awsSdkV3Client: secrets }),
        secretId: env.tokenSecretArn,
        maxAgeSeconds: 60,
      });
const dynamo = new DynamoDBClient({});
const shared = {
  arrivals: dynamoArrivalLog({ client: dynamo, tableName: env.tableName }),
  cursors: dynamoCursorStore({ client: dynamo, tableName: env.tableName }),
  redeliveries: dynamoAttemptStore({
    client: dynamo,
    tableName: env.tableName,
    ttlSeconds: env.attemptTtlSeconds,
  }),
  sink: reconciledCallbackSink(sqsQueue(new SQSClient({}), env.callbackQueueUrl)),
};
const currentToken = async (): Promise<string | undefined> =>
  tokens === null ? undefined : (await tokens.validTokens())[0];

const own = composeReconcile(env.settings, {
  ...shared,
  bunqClient: (logger) =>
    reconcileBunqApi(new BunqApiClient({ baseUrl: env.bunqBaseUrl, stateStore, logger })),
  expected: async () => {
    // The partner's own filters are compared with our exact URL only when they may be repaired.
    const current = env.settings.repairFilters ? await currentToken() : undefined;
    return {
      target: current === undefined ? null : `${env.callbackBaseUrl}${current}`,
      owns: ownsUnder(env.callbackBaseUrl),
      scopes: env.scopes,
    };
  },
});

const fleet =
  fleetEnv === null
    ? null
    : lambdaFleetReconcile({
        fleet: fleetEnv,
        settings: env.settings,
        bunqBaseUrl: env.bunqBaseUrl,
        tableName: env.tableName,
        dynamo,
        secrets,
        ports: {
          ...shared,
          callbackBaseUrl: env.callbackBaseUrl,
          currentToken: async () => {
            const token = await currentToken();
            if (token === undefined) throw new Error('the fleet reconcile needs the callback token secret');
            return token;
          },
        },
      });

export const handler = composeReconcileAndFleet(own, fleet?.handler ?? null, fleet?.invoked);
