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
import { CreateEventBusCommand, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { CreateSecretCommand } from '@aws-sdk/client-secrets-manager';
import type { SQSEvent } from 'aws-lambda';
import { build } from 'esbuild';
import { BUNDLE_FILE, esbuildOptions } from '../../infra/constructs/bundling';
import { INGEST_ENV, NORMALIZE_ENV } from '../../shared/wiring/function-env';
import {
  type AwsClients,
  awsClients,
  createQueue,
  destroyClients,
  queueDepth,
  receive,
  waitFor,
} from '../aws/support/aws';
import { createHashKeyTable } from '../support/dedupe-table';
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

/** The first message that arrives on the queue at `url`. */
const receiveOne = (clients: AwsClients, url: string) =>
  waitFor(
    `a message on ${url}`,
    async () => (await receive(clients.sqs, url, { max: 1, waitSeconds: 1 }))[0],
  );

describe('deployable bundles against moto', () => {
  let moto: Moto;
  let dir: string;
  let clients: AwsClients;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'bunq-bundles-'));
    moto = await startMoto();
    clients = awsClients(moto.endpoint);
    for (const name of ['ingest', 'normalize']) {
      await build(esbuildOptions(join(ROOT, 'functions', `${name}.ts`), join(dir, name, BUNDLE_FILE)));
    }
  }, 120_000);
  afterAll(async () => {
    if (clients !== undefined) destroyClients(clients);
    await moto?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('ingest: answers 200 only with the body on the queue, and 403 for a wrong token', async () => {
    const { url: QueueUrl } = await createQueue(clients.sqs, 'bundle-callbacks');
    const { ARN } = await clients.secrets.send(
      new CreateSecretCommand({ Name: 'bundle-token', SecretString: JSON.stringify({ token: TOKEN }) }),
    );
    const env = {
      AWS_ENDPOINT_URL: moto.endpoint,
      [INGEST_ENV.queueUrl]: QueueUrl,
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
    const message = await receiveOne(clients, QueueUrl);
    expect(message.Body).toBe(body);
    await expect(
      invoke(bundle, env, apiGatewayEvent({ token: `${TOKEN}x`, body, sourceIp: '185.40.108.10' })),
    ).resolves.toMatchObject({ statusCode: 403 });
    expect((await queueDepth(clients.sqs, QueueUrl)).visible).toBe(0);
  }, 120_000);

  it('normalize: publishes the queued callback as one event, delivered by a rule', async () => {
    const { dynamo, events } = clients;
    await createHashKeyTable(dynamo, 'bundle-dedupe', 'id', 'S');
    await events.send(new CreateEventBusCommand({ Name: 'bundle-bus' }));
    const target = await createQueue(clients.sqs, 'bundle-team');
    const { url: dlqUrl } = await createQueue(clients.sqs, 'bundle-dlq');
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
        Targets: [{ Id: 'team', Arn: target.arn }],
      }),
    );
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
        [NORMALIZE_ENV.deadLetterQueueUrl]: dlqUrl,
        [NORMALIZE_ENV.callbackQueueUrl]: target.url,
        [NORMALIZE_ENV.retryBackoffBaseSeconds]: '10',
        [NORMALIZE_ENV.retryBackoffMaxSeconds]: '300',
        [NORMALIZE_ENV.claimCheckBucket]: 'bundle-claims',
        [NORMALIZE_ENV.recordArrivals]: 'false',
      },
      event,
    );
    expect(answer).toEqual({ batchItemFailures: [] });
    const delivered = JSON.parse((await receiveOne(clients, target.url)).Body ?? '{}');
    expect(delivered).toMatchObject({
      source: 'bunq',
      'detail-type': 'MUTATION',
      detail: { category: 'MUTATION', objectType: 'Payment' },
    });
  }, 120_000);
});
