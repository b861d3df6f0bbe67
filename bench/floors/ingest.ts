// The ingest's floor: only the SDK clients it uses, constructed as its entry does.
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SQSClient } from '@aws-sdk/client-sqs';

export const clients = [new SQSClient({}), new SecretsManagerClient({})];
