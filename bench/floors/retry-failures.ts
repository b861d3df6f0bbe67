// The failure poller's floor: only the SDK clients it uses, constructed as its entry does.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

export const clients = [new SecretsManagerClient({}), new DynamoDBClient({})];
