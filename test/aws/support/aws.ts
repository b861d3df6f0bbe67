/**
 * Plain AWS SDK clients pointed at the tier's moto endpoint, and the few helpers the AWS tests share: unique
 * resource names (test files run in parallel against one server) and waiting on a condition.
 */
import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { MOTO_ENDPOINT_ENV } from './moto-server';

/** moto's endpoint, or undefined when the tier is skipped (moto not installed). */
export const motoEndpoint: string | undefined = process.env[MOTO_ENDPOINT_ENV];

/** `describe` when moto runs, `describe.skip` otherwise (the global setup said why, once). */
export const describeAws: jest.Describe = motoEndpoint === undefined ? describe.skip : describe;

export const REGION = 'eu-west-1';
/** moto's default account. */
export const ACCOUNT_ID = '123456789012';

const clientConfig = (endpoint: string) => ({
  endpoint,
  region: REGION,
  credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
});

/** One client of each kind the pipeline uses, all on moto (the tier's, or the one at `endpoint`). */
export function awsClients(endpoint: string = motoEndpoint as string) {
  return {
    sqs: new SQSClient(clientConfig(endpoint)),
    dynamo: new DynamoDBClient(clientConfig(endpoint)),
    events: new EventBridgeClient(clientConfig(endpoint)),
    s3: new S3Client({ ...clientConfig(endpoint), forcePathStyle: true }),
    secrets: new SecretsManagerClient(clientConfig(endpoint)),
  };
}

export type AwsClients = ReturnType<typeof awsClients>;

/** Closes the clients' sockets so the worker exits promptly. */
export function destroyClients(clients: AwsClients): void {
  for (const client of Object.values(clients)) client.destroy();
}

/**
 * The environment the deployable bundles read their SDK configuration from (they create their clients with
 * `new XClient({})`, as in Lambda): moto's endpoint for every service, the region and credentials.
 */
export function bundleSdkEnvironment(): Record<string, string> {
  return {
    AWS_ENDPOINT_URL: motoEndpoint as string,
    AWS_REGION: REGION,
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
  };
}

/** A resource name unique to this run: `<prefix>-<8 hex>`. */
export const uniqueName = (prefix: string): string => `${prefix}-${randomUUID().slice(0, 8)}`;

/** Polls `probe` until it returns a value other than undefined; fails with `what` after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Creates a queue and returns its URL and ARN. */
export async function createQueue(
  sqs: SQSClient,
  name: string,
  attributes: Record<string, string> = {},
): Promise<{ url: string; arn: string }> {
  const created = await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }));
  const url = created.QueueUrl as string;
  const answer = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }),
  );
  return { url, arn: answer.Attributes?.QueueArn as string };
}

/** One ReceiveMessage call with every attribute, short-polled. */
export async function receive(
  sqs: SQSClient,
  url: string,
  options: { max?: number; visibilityTimeout?: number; waitSeconds?: number } = {},
): Promise<Message[]> {
  const answer = await sqs.send(
    new ReceiveMessageCommand({
      QueueUrl: url,
      MaxNumberOfMessages: options.max ?? 10,
      VisibilityTimeout: options.visibilityTimeout,
      WaitTimeSeconds: options.waitSeconds ?? 0,
      MessageAttributeNames: ['All'],
      MessageSystemAttributeNames: ['All'],
    }),
  );
  return answer.Messages ?? [];
}

/** The queue's approximate visible and in-flight message counts. */
export async function queueDepth(
  sqs: SQSClient,
  url: string,
): Promise<{ visible: number; inFlight: number }> {
  const answer = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: url,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return {
    visible: Number(answer.Attributes?.ApproximateNumberOfMessages ?? '0'),
    inFlight: Number(answer.Attributes?.ApproximateNumberOfMessagesNotVisible ?? '0'),
  };
}
