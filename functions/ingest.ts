/**
 * Lambda entry: API Gateway `POST /callbacks/{token}` -> verify -> SQS. Settings and clients are set up once
 * per instance; a missing environment variable fails the cold start with its name.
 *
 * Its two AWS calls (SQS SendMessage, Secrets Manager GetSecretValue) go through the lean signed client of
 * `shared/aws/`, not the AWS SDK: the SDK's clients were about 300 KB of the bundle, loaded on every cold
 * start before the first callback could be acknowledged (docs/COST.md, `npm run bench`).
 */
import { leanSecretsProvider } from '../shared/aws/secrets';
import { leanSqsQueue } from '../shared/aws/sqs-queue';
import { stateServerPublicKey } from '../shared/pipeline/ingest/server-public-key';
import { ingestEnvironment } from './commons/environment';
import { secretTokenSource } from './commons/secret-token-source';
import { composeIngest } from './compose/ingest';

const env = ingestEnvironment();
// One cached reader for both secrets: the callback token and (when signatures are checked) the bunq state.
const secrets = leanSecretsProvider();
const stateSecret = env.signatureKeyStateSecretArn;

export const handler = composeIngest(env.settings, {
  queue: leanSqsQueue({ queueUrl: env.queueUrl }),
  ...(env.onboardingQueueUrl === undefined
    ? {}
    : { onboardingQueue: leanSqsQueue({ queueUrl: env.onboardingQueueUrl }) }),
  tokens: secretTokenSource({
    provider: secrets,
    secretId: env.tokenSecretArn,
    maxAgeSeconds: env.tokenCacheSeconds,
  }),
  // Cached like the token: the key changes only with a new installation.
  ...(stateSecret === undefined
    ? {}
    : {
        serverPublicKey: stateServerPublicKey(() =>
          secrets.get(stateSecret, { maxAge: env.tokenCacheSeconds, transform: 'json' }),
        ),
      }),
});
