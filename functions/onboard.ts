/**
 * Lambda entry: the onboarding queue (one job per `PARTNER_USER_PROVISION` callback, put there by the
 * ingest) -> onboard each provisioned user that became active: OAuth code exchanged, credentials stored in
 * their own secret, our filters registered at the user's callback URL, the fleet registry updated. Settings
 * and clients are set up once per instance; a missing environment variable fails the cold start with its name.
 */
import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import * as z from 'zod';
import { BunqApiClient } from '../shared/bunq/api/client';
import { httpTokenExchange } from '../shared/pipeline/onboard/oauth-exchange';
import { fleetOAuthClient } from './commons/fleet-oauth-client';
import { dynamoFleetRegistry } from './commons/fleet-registry';
import { secretsManagerFleetCredentials } from './commons/fleet-secrets';
import { onboardEnvironment } from './commons/onboard-environment';
import { cursorKey } from './commons/reconcile-store';
import { secretTokenSource } from './commons/secret-token-source';
import { composeOnboard } from './compose/onboard';

const env = onboardEnvironment();
const secretsClient = new SecretsManagerClient({});
const provider = new SecretsProvider({ awsSdkV3Client: secretsClient });
const tokens = secretTokenSource({ provider, secretId: env.tokenSecretArn, maxAgeSeconds: 60 });

export const handler = composeOnboard(env.settings, {
  exchange: httpTokenExchange({
    tokenUrl: env.oauthTokenUrl,
    credentials: fleetOAuthClient(provider, env.oauthClientSecretArn),
  }),
  credentials: secretsManagerFleetCredentials({ client: secretsClient, prefix: env.credentialSecretPrefix }),
  userApi: (logger) => (stateStore) => new BunqApiClient({ baseUrl: env.bunqBaseUrl, stateStore, logger }),
  registry: dynamoFleetRegistry({ client: new DynamoDBClient({}), tableName: env.fleetTableName }),
  currentToken: async () => z.string().parse((await tokens.validTokens())[0]),
  cursorRef: cursorKey,
});
