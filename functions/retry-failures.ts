/**
 * Lambda entry: EventBridge Scheduler -> one poll of bunq's failed callbacks (list, skip the ones that
 * arrived since, retry the rest, give up after the configured attempts). Settings and clients are set up
 * once per instance; a missing environment variable fails the cold start with its name. The bunq client
 * itself is made per run on the state secret (see `RetryFailuresPorts.bunqClient`).
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BunqApiClient } from '../shared/bunq/api/client';
import { createLogger } from '../shared/logging/observability';
import { pinnedChainOf } from '../shared/pipeline/recovery/pinned-certificates';
import { fetchServedChain } from '../shared/pipeline/recovery/served-chain';
import { SERVICE_NAMES } from '../shared/wiring/metrics';
import { bunqStateSecret } from './commons/bunq-state-secret';
import { retryFailuresEnvironment } from './commons/environment';
import { recoveryTableStores } from './commons/table-stores';
import { composeRetryFailures, fleetOfCallbackBase } from './compose/retry-failures';

const env = retryFailuresEnvironment();
const stateStore = bunqStateSecret(env.bunqStateSecretArn);

const logger = createLogger(SERVICE_NAMES.retryFailures);
const bunqClient = () => new BunqApiClient({ baseUrl: env.bunqBaseUrl, stateStore, logger });
const host = env.certificateCheckHost;

export const handler = composeRetryFailures(env.settings, {
  bunqClient,
  ...recoveryTableStores(new DynamoDBClient({}), env.tableName, env.attemptTtlSeconds),
  logger,
  // With partner onboarding: whose failure each one is, by the `/u/{userId}` segment of our target.
  ...fleetOfCallbackBase(env.callbackBaseUrl),
  // With a custom domain: compare the certificate it serves with the chains pinned at bunq, every poll.
  ...(host === undefined
    ? {}
    : {
        certificateCheck: {
          servedChain: async () => (await fetchServedChain(host, 443)).pems,
          pinnedChains: async () => {
            const client = bunqClient();
            return (await client.listCertificatesPinned(await client.getUserId())).map(pinnedChainOf);
          },
        },
      }),
});
