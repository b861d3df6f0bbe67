/**
 * The normalize function against moto, in both forms (TypeScript sources and the deployable bundle): batches
 * from real ReceiveMessage calls, dedupe in a real DynamoDB table, claim checks in a real S3 bucket, events on
 * a real bus (read back through a rule that delivers to a queue), redrive by SQS itself.
 */
import { createHash } from 'node:crypto';
import { DescribeTimeToLiveCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import type { CallbackEvent } from '../../shared/contract/callback-event';
import { MESSAGE_ATTRIBUTE } from '../../shared/pipeline/queued-callback';
import { NORMALIZE_ENV } from '../../shared/wiring/function-env';
import { fixtureText } from '../support/fixtures';
import {
  type AwsClients,
  awsClients,
  describeAws,
  destroyClients,
  queueDepth,
  receive,
  waitFor,
} from './support/aws';
import { CODE_FORMS, loadHandler } from './support/bundles';
import { pollOnce, type SqsHandler } from './support/event-source';
import {
  createPipelineResources,
  drain,
  enqueueCallback,
  normalizeEnvironment,
  type PipelineResources,
  DEDUPE_TTL_SECONDS as TTL_SECONDS,
} from './support/pipeline-resources';

const body = (category: string, eventType: string, objectType: string, object: Record<string, unknown>) =>
  JSON.stringify({
    NotificationUrl: {
      target_url: 'https://example.com/callbacks/REDACTED',
      category,
      event_type: eventType,
      object: { [objectType]: object },
    },
  });

const eventsOf = (messages: Array<{ Body?: string }>) =>
  messages.map((message) => JSON.parse(message.Body ?? '{}') as CallbackEvent);

/**
 * Polls as the event source mapping does until the callbacks queue holds nothing, visible or in flight
 * (records that failed come back after their backoff). Returns the ids of the records that failed on the way.
 */
async function processAll(clients: AwsClients, resources: PipelineResources, handler: SqsHandler) {
  const failed: string[] = [];
  await waitFor('the callbacks queue to be empty', async () => {
    const result = await pollOnce(clients.sqs, resources.callbacks, handler);
    failed.push(...result.failed);
    if (result.records.length > 0) return undefined;
    const depth = await queueDepth(clients.sqs, resources.callbacks.url);
    return depth.visible + depth.inFlight === 0 ? true : undefined;
  });
  return failed;
}

describeAws.each(CODE_FORMS)('normalize (%s) on moto', (form) => {
  let clients: AwsClients;
  beforeAll(() => {
    clients = awsClients();
  });
  afterAll(() => destroyClients(clients));

  /** New queues, table, bus and bucket, and the normalize function (in this form) on them. */
  const freshPipeline = async () => {
    const resources = await createPipelineResources(clients);
    return {
      resources,
      handler: loadHandler<SqsHandler>(form, 'normalize', normalizeEnvironment(resources)),
    };
  };

  it('publishes one event per distinct callback, dedupes redeliveries in DynamoDB with a TTL, keeps ids beyond 2^53 apart', async () => {
    const { resources, handler } = await freshPipeline();
    const mutation = fixtureText('mutation-payment');
    const updated = '2026-01-02 03:04:05.000000';
    // 2^53 + 1 and 2^53: one double, two bunq objects.
    const bigIds = ['9007199254740993', '9007199254740992'].map((id) =>
      body('MUTATION', 'MUTATION_CREATED', 'Payment', { updated }).replace(
        '{"updated"',
        `{"id":${id},"updated"`,
      ),
    );
    for (const text of [mutation, ...bigIds]) await enqueueCallback(clients, resources.callbacks.url, text);
    expect(await processAll(clients, resources, handler)).toEqual([]);
    // Redeliveries (bunq's retries, SQS's), in a later batch: suppressed by the conditional writes. (Twins in
    // one batch race their conditional writes, which moto's threaded server does not serialize as DynamoDB
    // does; the dynalite tests cover that case.)
    for (const text of [mutation, bigIds[0] as string])
      await enqueueCallback(clients, resources.callbacks.url, text);
    expect(await processAll(clients, resources, handler)).toEqual([]);
    const events = eventsOf(await drain(clients, resources.observer.url, 3));
    expect(events.map((event) => event.detail.objectId).sort()).toEqual([
      1278,
      '9007199254740992',
      '9007199254740993',
    ]);
    expect(new Set(events.map((event) => event.detail.dedupKey)).size).toBe(3);
    expect(events.every((event) => event['detail-type'] === 'MUTATION' && event.source === 'bunq')).toBe(
      true,
    );
    expect((await queueDepth(clients.sqs, resources.observer.url)).visible).toBe(0);
    expect(await queueDepth(clients.sqs, resources.deadLetters.url)).toEqual({ visible: 0, inFlight: 0 });

    // One claim per distinct callback and one item per batch listing its published keys (batch-commit
    // dedupe), each expiring (DynamoDB TTL, epoch seconds) after the TTL.
    const ttl = await clients.dynamo.send(new DescribeTimeToLiveCommand({ TableName: resources.tableName }));
    expect(ttl.TimeToLiveDescription).toMatchObject({
      AttributeName: 'expiration',
      TimeToLiveStatus: 'ENABLED',
    });
    const { Items = [] } = await clients.dynamo.send(new ScanCommand({ TableName: resources.tableName }));
    const claims = Items.filter((item) => item.status?.S === 'CLAIMED');
    const batches = Items.filter((item) => item.status?.S === 'BATCH');
    expect(claims).toHaveLength(3);
    expect(claims.length + batches.length).toBe(Items.length);
    const listed = batches.flatMap((item) => Object.keys(item.published?.M ?? {}));
    expect(new Set(listed).size).toBe(3);
    // Every claim's batch item lists it.
    for (const item of claims) {
      const own = batches.find((b) => b.id?.S === `bunq-callback-batch#${item.batch?.S}`);
      expect(Object.keys(own?.published?.M ?? {})).toContain(item.id?.S?.replace('bunq-callback#', ''));
    }
    const nowSeconds = Date.now() / 1_000;
    for (const item of Items) {
      const expiration = Number(item.expiration?.N);
      expect(expiration).toBeGreaterThan(nowSeconds + TTL_SECONDS - 600);
      expect(expiration).toBeLessThanOrEqual(nowSeconds + TTL_SECONDS + 60);
    }
  });

  it('types a PaymentBatch with a flat payments list (as bunq SDK fixtures send it)', async () => {
    const { resources, handler } = await freshPipeline();
    const payment = (id: number, value: string) => ({
      id,
      amount: { value, currency: 'EUR' },
      description: `item ${id}`,
    });
    await enqueueCallback(
      clients,
      resources.callbacks.url,
      body('PAYMENT', 'PAYMENT_BATCH_CREATED', 'PaymentBatch', {
        id: 77,
        updated: '2026-01-02 03:04:05.000000',
        payments: [payment(1, '-35.50'), payment(2, '-4.5')],
      }),
    );
    expect(await processAll(clients, resources, handler)).toEqual([]);
    const [event] = eventsOf(await drain(clients, resources.observer.url, 1));
    expect(event?.detail).toMatchObject({
      objectType: 'PaymentBatch',
      objectSchema: 'MATCHED',
      amount: { value: '-40.00', currency: 'EUR' },
      direction: 'DEBIT',
    });
  });

  /**
   * One PAYMENT callback carrying `object` through a fresh pipeline, none parked: its event and the bytes
   * stored under the event's `objectRef`.
   */
  async function claimChecked(object: Record<string, unknown>) {
    const { resources, handler } = await freshPipeline();
    await enqueueCallback(
      clients,
      resources.callbacks.url,
      body('PAYMENT', 'PAYMENT_CREATED', 'Payment', object),
    );
    expect(await processAll(clients, resources, handler)).toEqual([]);
    expect(await queueDepth(clients.sqs, resources.deadLetters.url)).toEqual({ visible: 0, inFlight: 0 });
    const [event] = eventsOf(await drain(clients, resources.observer.url, 1));
    const uri = event?.detail.objectRef?.uri ?? '';
    expect(uri).toMatch(new RegExp(`^s3://${resources.bucket}/objects/`));
    const stored = await clients.s3.send(
      new GetObjectCommand({ Bucket: resources.bucket, Key: uri.replace(`s3://${resources.bucket}/`, '') }),
    );
    const bytes = Buffer.from(
      await (stored.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray(),
    );
    return { event, bytes };
  }

  it('claim-checks an object too large for an event to S3 and publishes the reference', async () => {
    const object = {
      id: 4_242,
      updated: '2026-01-02 03:04:05.000000',
      amount: { value: '-1.00', currency: 'EUR' },
      // Not a typed field: only the object is too large.
      attachment: Array.from({ length: 300 }, (_, index) => ({ id: index, description: 'x'.repeat(1_000) })),
    };
    const { event, bytes } = await claimChecked(object);
    expect(event?.detail.object).toBeNull();
    expect(event?.detail.amount).toEqual({ value: '-1.00', currency: 'EUR' });
    expect(bytes.length).toBe(event?.detail.objectRef?.bytes);
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(event?.detail.objectRef?.sha256);
    expect(JSON.parse(bytes.toString('utf8'))).toEqual(object);
  });

  it('claim-checks a callback whose typed fields alone are too large (a 300 KB description), never parks it', async () => {
    const object = {
      id: 4_343,
      updated: '2026-01-02 03:04:05.000000',
      amount: { value: '-2.00', currency: 'EUR' },
      description: 'd'.repeat(300 * 1024),
    };
    const { event, bytes } = await claimChecked(object);
    expect(event?.detail).toMatchObject({
      object: null,
      description: null,
      amount: { value: '-2.00', currency: 'EUR' },
    });
    expect(JSON.parse(bytes.toString('utf8'))).toEqual(object);
  });

  it('parks a callback that can never become an event on the dead-letter queue, with its reason', async () => {
    const { resources, handler } = await freshPipeline();
    const sent = await enqueueCallback(clients, resources.callbacks.url, '{"NotificationUrl": {"category": ');
    expect(await processAll(clients, resources, handler)).toEqual([]);
    const [parked] = await drain(clients, resources.deadLetters.url, 1);
    expect(parked?.Body).toBe(sent.body);
    expect(parked?.MessageAttributes?.[MESSAGE_ATTRIBUTE.deadLetterReason]?.StringValue).toBe('invalid-json');
    expect(parked?.MessageAttributes?.[MESSAGE_ATTRIBUTE.requestId]?.StringValue).toBe(
      sent.attributes[MESSAGE_ATTRIBUTE.requestId],
    );
  });

  it('backs a failed publish off with a visibility change, and SQS redrives it after maxReceiveCount', async () => {
    const maxReceiveCount = 2;
    // The queue's own visibility timeout is 0: only the handler's backoff keeps a failed record away.
    const resources = await createPipelineResources(clients, {
      maxReceiveCount,
      visibilityTimeoutSeconds: 0,
    });
    const handler = loadHandler<SqsHandler>(
      form,
      'normalize',
      normalizeEnvironment(resources, { [NORMALIZE_ENV.eventBusName]: `${resources.busName}-missing` }),
    );
    const sent = await enqueueCallback(clients, resources.callbacks.url, fixtureText('mutation-payment'));

    const receiveCounts: number[] = [];
    for (let round = 1; round <= maxReceiveCount; round += 1) {
      const result = await waitFor(`receive ${round}`, async () => {
        const polled = await pollOnce(clients.sqs, resources.callbacks, handler);
        return polled.records.length > 0 ? polled : undefined;
      });
      expect(result.failed).toEqual([result.records[0]?.messageId]);
      receiveCounts.push(Number(result.records[0]?.attributes.ApproximateReceiveCount));
      // Backed off (2-3 s), not visible again at once although the queue's timeout is 0.
      expect(await receive(clients.sqs, resources.callbacks.url)).toEqual([]);
      expect((await queueDepth(clients.sqs, resources.callbacks.url)).inFlight).toBe(1);
    }
    expect(receiveCounts).toEqual([1, 2]);

    // The next receive after the backoff finds it over maxReceiveCount: SQS moves it, unchanged.
    const [redriven] = await waitFor('the redrive to the dead-letter queue', async () => {
      await receive(clients.sqs, resources.callbacks.url);
      const messages = await receive(clients.sqs, resources.deadLetters.url);
      return messages.length > 0 ? messages : undefined;
    });
    expect(redriven?.Body).toBe(sent.body);
    expect(redriven?.MessageAttributes?.[MESSAGE_ATTRIBUTE.deadLetterReason]).toBeUndefined();
    // The failed publishes left no dedupe marker behind, so a redrive publishes it.
    const { Items = [] } = await clients.dynamo.send(new ScanCommand({ TableName: resources.tableName }));
    expect(Items).toEqual([]);
  });
});
