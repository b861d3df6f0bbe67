/**
 * Lambda entry: API Gateway `POST /callbacks/{token}` -> verify -> SQS. Settings and clients are set up once
 * per instance; a missing environment variable fails the cold start with its name.
 */
import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SQSClient } from '@aws-sdk/client-sqs';
import { sqsQueue } from './commons/aws-adapters';
import { ingestEnvironment } from './commons/environment';
import { secretTokenSource } from './commons/secret-token-source';
import { composeIngest } from './compose/ingest';

const env = ingestEnvironment();

export const handler = composeIngest(env.settings, {
  queue: sqsQueue(new SQSClient({}), env.queueUrl),
  tokens: secretTokenSource({
    provider: new SecretsProvider({ awsSdkV3Client: new SecretsManagerClient({}) }),
    secretId: env.tokenSecretArn,
    maxAgeSeconds: env.tokenCacheSeconds,
  }),
});
