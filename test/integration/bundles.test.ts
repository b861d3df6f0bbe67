/**
 * The deployable bundles, built exactly as the stack builds them (`infra/constructs/bundling.ts`: ESM, tree
 * shaken, minified, source maps), imported by a fresh `node --enable-source-maps` as Lambda imports them,
 * and invoked against moto: the ingest puts a callback on a real SQS queue; the normalizer turns it into an
 * event that an EventBridge rule delivers to a queue.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  CreateEventBusCommand,
  EventBridgeClient,
  PutRuleCommand,
  PutTargetsCommand,
} from '@aws-sdk/client-eventbridge';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import type { SQSEvent } from 'aws-lambda';
import { build } from 'esbuild';
import { BUNDLE_FILE, esbuildOptions } from '../../infra/constructs/bundling';
import { INGEST_ENV, NORMALIZE_ENV } from '../../shared/wiring/function-env';
import { fixtureText } from '../support/fixtures';
import { apiGatewayEvent, lambdaContext } from '../support/lambda';
import { type Moto, startMoto } from '../support/moto';

const run = promisify(execFile);
const ROOT = join(__dirname, '..', '..');
const region = 'eu-west-1';
const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
const TOKEN = 'bundle-test-token-0123456789abcdefghijkl';

/** Imports `bundle` in a fresh process with `env`, calls its handler with `event`, prints the answer. */
async function invoke(bundle: string, env: Record<string, string>, event: unknown): Promise<unknown> {
  const context = lambdaContext();
  const script = `
    const { handler } = await import(${JSON.stringify(pathToFileURL(bundle).href)});
    const context = { ...JSON.parse(process.env.TEST_CONTEXT), getRemainingTimeInMillis: () => 30000 };
    const answer = await handler(JSON.parse(process.env.TEST_EVENT), context);
    process.stdout.write('ANSWER ' + JSON.stringify(answer));`;
  const { stdout } = await run(
    process.execPath,
    ['--enable-source-maps', '--input-type=module', '--eval', script],
    {
      env: {
        PATH: process.env.PATH ?? '',
        AWS_REGION: region,
        AWS_ACCESS_KEY_ID: credentials.accessKeyId,
        AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        POWERTOOLS_LOG_LEVEL: 'WARN',
        TEST_EVENT: JSON.stringify(event),
        TEST_CONTEXT: JSON.stringify(context),
        ...env,
      },
      timeout: 60_000,
    },
  );
  const line =
    stdout.split('\n').find((l) => l.startsWith('ANSWER ')) ?? stdout.slice(stdout.indexOf('ANSWER '));
  return JSON.parse(line.slice('ANSWER '.length));
}

async function receiveOne(sqs: SQSClient, queueUrl: string): Promise<Message> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const { Messages } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MessageAttributeNames: ['All'],
        AttributeNames: ['All'],
        WaitTimeSeconds: 1,
      }),
    );
    if (Messages?.[0] !== undefined) return Messages[0];
  }
  throw new Error(`nothing arrived on ${queueUrl}`);
}

describe('deployable bundles against moto', () => {
  let moto: Moto;
  let dir: string;
  let sqs: SQSClient;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'bunq-bundles-'));
    moto = await startMoto();
    sqs = new SQSClient({ endpoint: moto.endpoint, region, credentials });
    for (const name of ['ingest', 'normalize']) {
      await build(esbuildOptions(join(ROOT, 'functions', `${name}.ts`), join(dir, name, BUNDLE_FILE)));
    }
  }, 120_000);
  afterAll(async () => {
    sqs?.destroy();
    await moto?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('ingest: answers 200 only with the body on the queue, and 403 for a wrong token', async () => {
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'bundle-callbacks' }));
    const secrets = new SecretsManagerClient({ endpoint: moto.endpoint, region, credentials });
    const { ARN } = await secrets.send(
      new CreateSecretCommand({ Name: 'bundle-token', SecretString: JSON.stringify({ token: TOKEN }) }),
    );
    secrets.destroy();
    const env = {
      AWS_ENDPOINT_URL: moto.endpoint,
      [INGEST_ENV.queueUrl]: QueueUrl as string,
      [INGEST_ENV.tokenSecretArn]: ARN as string,
      [INGEST_ENV.allowedSourceCidrs]: '185.40.108.0/22',
      [INGEST_ENV.maxBodyBytes]: '1044480',
      [INGEST_ENV.tokenCacheSeconds]: '60',
    };
    const body = fixtureText('mutation-payment');
    const bundle = join(dir, 'ingest', BUNDLE_FILE);
    await expect(
      invoke(bundle, env, apiGatewayEvent({ token: TOKEN, body, sourceIp: '185.40.108.10' })),
    ).resolves.toMatchObject({ statusCode: 200 });
    const message = await receiveOne(sqs, QueueUrl as string);
    expect(message.Body).toBe(body);
    await expect(
      invoke(bundle, env, apiGatewayEvent({ token: `${TOKEN}x`, body, sourceIp: '185.40.108.10' })),
    ).resolves.toMatchObject({ statusCode: 403 });
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['ApproximateNumberOfMessages'] }),
    );
    expect(Attributes?.ApproximateNumberOfMessages).toBe('0');
  }, 120_000);

  it('normalize: publishes the queued callback as one event, delivered by a rule', async () => {
    const config = { endpoint: moto.endpoint, region, credentials };
    const dynamo = new DynamoDBClient(config);
    const events = new EventBridgeClient(config);
    await dynamo.send(
      new CreateTableCommand({
        TableName: 'bundle-dedupe',
        AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
    await events.send(new CreateEventBusCommand({ Name: 'bundle-bus' }));
    const { QueueUrl: targetUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'bundle-team' }));
    const { QueueUrl: dlqUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'bundle-dlq' }));
    await events.send(
      new PutRuleCommand({
        Name: 'all-bunq',
        EventBusName: 'bundle-bus',
        EventPattern: JSON.stringify({ source: ['bunq'] }),
      }),
    );
    await events.send(
      new PutTargetsCommand({
        Rule: 'all-bunq',
        EventBusName: 'bundle-bus',
        Targets: [{ Id: 'team', Arn: `arn:aws:sqs:${region}:123456789012:bundle-team` }],
      }),
    );
    dynamo.destroy();
    events.destroy();
    const body = fixtureText('mutation-payment');
    const event: SQSEvent = {
      Records: [
        {
          messageId: 'm-1',
          receiptHandle: 'r-1',
          body,
          attributes: {
            ApproximateReceiveCount: '1',
            SentTimestamp: String(Date.now()),
            SenderId: 'x',
            ApproximateFirstReceiveTimestamp: String(Date.now()),
          },
          messageAttributes: {
            receivedAt: { stringValue: '2026-01-01T00:00:00.000Z', dataType: 'String' },
          },
          md5OfBody: '',
          eventSource: 'aws:sqs',
          eventSourceARN: `arn:aws:sqs:${region}:123456789012:bundle-callbacks`,
          awsRegion: region,
        },
      ],
    };
    const answer = await invoke(
      join(dir, 'normalize', BUNDLE_FILE),
      {
        AWS_ENDPOINT_URL: moto.endpoint,
        [NORMALIZE_ENV.dedupeTableName]: 'bundle-dedupe',
        [NORMALIZE_ENV.dedupeTtlSeconds]: '259200',
        [NORMALIZE_ENV.eventBusName]: 'bundle-bus',
        [NORMALIZE_ENV.eventSource]: 'bunq',
        [NORMALIZE_ENV.deadLetterQueueUrl]: dlqUrl as string,
        [NORMALIZE_ENV.callbackQueueUrl]: targetUrl as string,
        [NORMALIZE_ENV.retryBackoffBaseSeconds]: '10',
        [NORMALIZE_ENV.retryBackoffMaxSeconds]: '300',
        [NORMALIZE_ENV.claimCheckBucket]: 'bundle-claims',
        [NORMALIZE_ENV.recordArrivals]: 'false',
      },
      event,
    );
    expect(answer).toEqual({ batchItemFailures: [] });
    const delivered = JSON.parse((await receiveOne(sqs, targetUrl as string)).Body ?? '{}');
    expect(delivered).toMatchObject({
      source: 'bunq',
      'detail-type': 'MUTATION',
      detail: { category: 'MUTATION', objectType: 'Payment' },
    });
  }, 120_000);
});
