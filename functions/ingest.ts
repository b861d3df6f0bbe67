/**
 * Lambda entry: API Gateway `POST /callbacks/{token}` -> verify -> SQS. Configuration and clients are set up
 * once per instance; a missing environment variable fails the cold start with its name.
 */
import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SQSClient } from '@aws-sdk/client-sqs';
import { INGEST_ENV } from '../shared/wiring/function-env';
import { SERVICE_NAMES } from '../shared/wiring/metrics';
import { sqsQueue } from './commons/aws-adapters';
import { listEnv, requireEnv, requireIntEnv } from './commons/env';
import { createLogger, createMetrics } from './commons/observability';
import { secretTokenSource } from './commons/token-source';
import { createIngestHandler } from './handlers/ingest-handler';

const SERVICE = SERVICE_NAMES.ingest;

export const handler = createIngestHandler({
  queue: sqsQueue(new SQSClient({}), requireEnv(INGEST_ENV.queueUrl)),
  tokens: secretTokenSource({
    provider: new SecretsProvider({ awsSdkV3Client: new SecretsManagerClient({}) }),
    secretId: requireEnv(INGEST_ENV.tokenSecretArn),
    maxAgeSeconds: requireIntEnv(INGEST_ENV.tokenCacheSeconds),
  }),
  allowedSourceCidrs: listEnv(INGEST_ENV.allowedSourceCidrs),
  maxBodyBytes: requireIntEnv(INGEST_ENV.maxBodyBytes),
  logger: createLogger(SERVICE),
  metrics: createMetrics(SERVICE),
});
