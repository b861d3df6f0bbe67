/**
 * The retry-failures function (sources and bundle) against the bunq simulator, with its state where the
 * stack keeps it: the bunq session in a real Secrets Manager secret, arrivals and attempts in a real DynamoDB
 * table (moto). One poll per invocation, as EventBridge Scheduler would run it.
 */
import { createServer as createHttpServer } from 'node:http';
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { CreateSecretCommand, GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import type { Context } from 'aws-lambda';
import { dynamoArrivalRecorder } from '../../functions/commons/arrival-store';
import type { CallbackEvent } from '../../shared/contract/callback-event';
import type { RecoveryReport } from '../../shared/pipeline/recovery/recover-failures';
import { NORMALIZE_ENV, RETRY_FAILURES_ENV } from '../../shared/wiring/function-env';
import { type RunningBunqSimulator, startBunqSimulator } from '../../simulator/server';
import { lambdaContext } from '../support/lambda';
import { freePort } from '../support/runtime-process';
import { type AwsClients, awsClients, describeAws, destroyClients, uniqueName } from './support/aws';
import { CODE_FORMS, loadHandler } from './support/bundles';
import { pollOnce, type SqsHandler } from './support/event-source';
import {
  createPipelineResources,
  drain,
  enqueueCallback,
  normalizeEnvironment,
} from './support/pipeline-resources';

type RetryFailuresHandler = (event: unknown, context: Context) => Promise<RecoveryReport>;

const MAX_ATTEMPTS = 2;

describeAws.each(CODE_FORMS)('retry-failures (%s) on moto and the bunq simulator', (form) => {
  let clients: AwsClients;
  let sim: RunningBunqSimulator;
  /** A loopback port nothing listens on: the simulator's redeliveries are refused there at once. */
  let refusedTarget: string;

  beforeAll(async () => {
    clients = awsClients();
    sim = await startBunqSimulator({ port: 0, retryIntervalMs: 20, rateLimits: false });
    refusedTarget = `http://127.0.0.1:${await freePort()}/callbacks/token`;
  });
  afterAll(async () => {
    await sim.stop();
    destroyClients(clients);
  });

  it('opens its session from the secret, skips what arrived, retries the rest and gives up after the attempts', async () => {
    const user = sim.simulator.createUser();
    const [arrived, retried] = sim.simulator.seedFailures(user.id, [
      {
        category: 'MUTATION',
        event_type: 'MUTATION_CREATED',
        object_id: 501,
        notification_target: refusedTarget,
      },
      {
        category: 'MUTATION',
        event_type: 'MUTATION_CREATED',
        object_id: 502,
        notification_target: refusedTarget,
      },
    ]);
    const { tableName } = await createPipelineResources(clients);
    const secret = await clients.secrets.send(
      new CreateSecretCommand({
        Name: uniqueName('bunq-state'),
        SecretString: JSON.stringify({ apiKey: user.apiKey }),
      }),
    );
    // What the normalizer writes when the callback of the first failure arrives after all.
    await dynamoArrivalRecorder({ client: clients.dynamo, tableName, ttlSeconds: 3_600 }).recordArrival({
      category: 'MUTATION',
      eventType: 'MUTATION_CREATED',
      objectType: 'Payment',
      dedupKey: 'a-dedupe-key',
      objectId: 501,
    });
    const handler = loadHandler<RetryFailuresHandler>(form, 'retry-failures', {
      [RETRY_FAILURES_ENV.bunqStateSecretArn]: secret.ARN as string,
      [RETRY_FAILURES_ENV.bunqBaseUrl]: sim.baseUrl,
      [RETRY_FAILURES_ENV.tableName]: tableName,
      [RETRY_FAILURES_ENV.maxAttempts]: String(MAX_ATTEMPTS),
      [RETRY_FAILURES_ENV.attemptTtlSeconds]: '86400',
    });

    const reports: RecoveryReport[] = [];
    for (let run = 0; run <= MAX_ATTEMPTS; run += 1) {
      reports.push(await handler({}, lambdaContext()));
      await sim.idle(); // the redelivery was refused again: the failure stays listed
    }
    expect(
      reports.map((report) => [report.alreadyArrived, report.retriesRequested, report.retriesExhausted]),
    ).toEqual([
      [1, 1, 0],
      [1, 1, 0],
      [1, 0, 1],
    ]);
    expect(reports.every((report) => report.pollErrors === 0)).toBe(true);

    // The attempts live in the table with a TTL; the session was written back to the secret and reused.
    const { Items = [] } = await clients.dynamo.send(new ScanCommand({ TableName: tableName }));
    const attempt = Items.find((item) => item.id?.S === `retry#${user.id}#${retried}`);
    expect(attempt?.attempts?.N).toBe(String(MAX_ATTEMPTS));
    expect(attempt?.exhaustedAt?.S).toEqual(expect.any(String));
    expect(Number(attempt?.expiration?.N)).toBeGreaterThan(Date.now() / 1_000);
    expect(Items.find((item) => item.id?.S === `retry#${user.id}#${arrived}`)?.arrivedAt?.S).toEqual(
      expect.any(String),
    );
    const state = await clients.secrets.send(new GetSecretValueCommand({ SecretId: secret.ARN }));
    expect(Object.keys(JSON.parse(state.SecretString ?? '{}'))).toEqual(expect.arrayContaining(['apiKey']));
    expect(state.SecretString).not.toBe(JSON.stringify({ apiKey: user.apiKey }));
    const sessions = sim.simulator.requestLog.filter((entry) => entry.path.endsWith('/session-server'));
    expect(sessions).toHaveLength(1);
  });

  it("marks bunq's re-sent callback of a retried failure recoveredBy failure-retry, in the table the stack uses", async () => {
    // What bunq re-sends lands here, as the ingest would take it; the test then queues it.
    const received: string[] = [];
    const receiver = createHttpServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        received.push(Buffer.concat(chunks).toString('utf8'));
        response.end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const address = receiver.address();
    if (address === null || typeof address === 'string') throw new Error('no port');
    const target = `http://127.0.0.1:${address.port}/callbacks/token`;
    const callback = (id: number) => ({
      NotificationUrl: {
        target_url: target,
        category: 'MUTATION',
        event_type: 'MUTATION_CREATED',
        object: { Payment: { id, updated: '2026-01-02 03:04:05.000000', monetary_account_id: 7 } },
      },
    });
    try {
      const user = sim.simulator.createUser();
      sim.simulator.seedFailures(user.id, [
        {
          category: 'MUTATION',
          event_type: 'MUTATION_CREATED',
          object_id: 601,
          notification_target: target,
          body: callback(601),
        },
      ]);
      const resources = await createPipelineResources(clients);
      const secret = await clients.secrets.send(
        new CreateSecretCommand({
          Name: uniqueName('bunq-state'),
          SecretString: JSON.stringify({ apiKey: user.apiKey }),
        }),
      );
      const poll = loadHandler<RetryFailuresHandler>(form, 'retry-failures', {
        [RETRY_FAILURES_ENV.bunqStateSecretArn]: secret.ARN as string,
        [RETRY_FAILURES_ENV.bunqBaseUrl]: sim.baseUrl,
        [RETRY_FAILURES_ENV.tableName]: resources.tableName,
        [RETRY_FAILURES_ENV.maxAttempts]: String(MAX_ATTEMPTS),
        [RETRY_FAILURES_ENV.attemptTtlSeconds]: '86400',
      });
      const normalize = loadHandler<SqsHandler>(
        form,
        'normalize',
        normalizeEnvironment(resources, { [NORMALIZE_ENV.recordArrivals]: 'true' }),
      );

      expect(await poll({}, lambdaContext())).toMatchObject({ retriesRequested: 1, pollErrors: 0 });
      await sim.idle();
      expect(received).toHaveLength(1);
      // bunq's answer to the retry, and a callback it delivered on its own.
      await enqueueCallback(clients, resources.callbacks.url, received[0] as string);
      await enqueueCallback(clients, resources.callbacks.url, JSON.stringify(callback(602)));
      const polled = await pollOnce(clients.sqs, resources.callbacks, normalize);
      expect(polled).toMatchObject({ failed: [] });
      expect(polled.records).toHaveLength(2);

      const events = (await drain(clients, resources.observer.url, 2)).map(
        (message) => JSON.parse(message.Body ?? '{}') as CallbackEvent,
      );
      expect(
        Object.fromEntries(events.map((event) => [event.detail.objectId, event.detail.recoveredBy])),
      ).toEqual({
        601: 'failure-retry',
        602: null,
      });
    } finally {
      await new Promise<void>((resolve) => receiver.close(() => resolve()));
    }
  });
});
