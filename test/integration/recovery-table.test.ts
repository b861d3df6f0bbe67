/**
 * The failure poller's memory on a real DynamoDB implementation (dynalite on loopback): the arrival log the
 * normalizer writes and the poller reads, and the attempt records, in the dedupe table beside its markers.
 */
import type { SQSRecord } from 'aws-lambda';
import { dynamoArrivalLog, dynamoArrivalRecorder } from '../../functions/commons/arrival-store';
import { dynamoAttemptStore } from '../../functions/commons/attempt-store';
import { createDedupeStore } from '../../functions/commons/dedupe-store';
import { arrivalKey, attemptKey } from '../../functions/commons/recovery-table';
import { encodeQueuedCallback } from '../../shared/pipeline/queued-callback';
import type { ArrivalRecorder } from '../../shared/pipeline/recovery/ports';
import { useDynalite } from '../support/dynalite';
import { fixtureText } from '../support/fixtures';
import { lambdaContext, sqsRecord } from '../support/lambda';
import { normalizeHandlerOver } from '../support/pipeline';

const db = useDynalite('recovery');
const newTable = (): Promise<string> => db.freshTable();

const T0 = new Date('2026-01-02T03:00:00.000Z');

/** The arrival the normalizer records for a MUTATION_CREATED Payment. */
const payment = (objectId: number | string, category = 'MUTATION') => ({
  category,
  eventType: `${category}_CREATED`,
  objectType: 'Payment',
  objectId,
  dedupKey: `${category}#${String(objectId)}#1`,
});

/** An attempt store on a table of its own, its clock stopped at {@link T0}. */
async function freshAttemptStore() {
  return dynamoAttemptStore({
    client: db.dynamo.client,
    tableName: await newTable(),
    ttlSeconds: 86_400,
    now: () => T0,
  });
}

describe('arrival log', () => {
  it('finds what was recorded, by category and object id, with its event and object types', async () => {
    const tableName = await newTable();
    const recorder = dynamoArrivalRecorder({ client: db.dynamo.client, tableName, ttlSeconds: 3_600 });
    const log = dynamoArrivalLog({ client: db.dynamo.client, tableName });
    await recorder.recordArrival(payment(1));
    await recorder.recordArrival(payment('2', 'PAYMENT'));

    const found = await log.arrivals([
      { category: 'MUTATION', objectId: 1 },
      { category: 'MUTATION', objectId: 2 },
      { category: 'PAYMENT', objectId: 2 },
      { category: 'PAYMENT', objectId: 1 },
    ]);
    expect(Object.fromEntries(found)).toEqual({
      'MUTATION#1': [{ eventType: 'MUTATION_CREATED', objectType: 'Payment' }],
      'PAYMENT#2': [{ eventType: 'PAYMENT_CREATED', objectType: 'Payment' }],
    });
    expect(arrivalKey({ category: 'MUTATION', objectId: 1 })).toBe('arrived#MUTATION#1');
  });

  it('keeps both objects when two object types share a category and id (SHARE inquiries and responses)', async () => {
    const tableName = await newTable();
    const recorder = dynamoArrivalRecorder({ client: db.dynamo.client, tableName, ttlSeconds: 3_600 });
    const share = (objectType: string, eventType: string) => ({
      category: 'SHARE',
      eventType,
      objectType,
      objectId: 1,
      dedupKey: `SHARE#1#${objectType}`,
    });
    await recorder.recordArrival(share('ShareInviteBankInquiry', 'SHARE_INVITE_BANK_INQUIRY_ACCEPTED'));
    await recorder.recordArrival(share('ShareInviteBankResponse', 'SHARE_INVITE_BANK_RESPONSE_ACCEPTED'));
    await recorder.recordArrival(share('ShareInviteBankInquiry', 'SHARE_INVITE_BANK_INQUIRY_ACCEPTED'));

    const found = await dynamoArrivalLog({ client: db.dynamo.client, tableName }).arrivals([
      { category: 'SHARE', objectId: 1 },
    ]);
    expect(
      [...(found.get('SHARE#1') ?? [])].sort((a, b) => a.objectType.localeCompare(b.objectType)),
    ).toEqual([
      { eventType: 'SHARE_INVITE_BANK_INQUIRY_ACCEPTED', objectType: 'ShareInviteBankInquiry' },
      { eventType: 'SHARE_INVITE_BANK_RESPONSE_ACCEPTED', objectType: 'ShareInviteBankResponse' },
    ]);
  });

  it('looks up more than one batch (100 keys) at once', async () => {
    const tableName = await newTable();
    const recorder = dynamoArrivalRecorder({ client: db.dynamo.client, tableName, ttlSeconds: 3_600 });
    const refs = Array.from({ length: 230 }, (_, index) => ({ category: 'MUTATION', objectId: index + 1 }));
    await Promise.all(
      refs
        .filter((ref) => ref.objectId % 2 === 0)
        .map((ref) => recorder.recordArrival(payment(ref.objectId))),
    );

    const found = await dynamoArrivalLog({ client: db.dynamo.client, tableName }).arrivals(refs);
    expect(found.size).toBe(115);
  });

  it('answers a redelivery the poller expected: the first callback of its kind and its redelivery, no other', async () => {
    const tableName = await newTable();
    const recorder = dynamoArrivalRecorder({ client: db.dynamo.client, tableName, ttlSeconds: 3_600 });
    const log = dynamoArrivalLog({ client: db.dynamo.client, tableName });
    const attempts = dynamoAttemptStore({ client: db.dynamo.client, tableName, ttlSeconds: 3_600 });
    await attempts.expectRedeliveries(
      [
        { category: 'MUTATION', objectId: 1, eventType: 'MUTATION_CREATED' },
        { category: 'MUTATION', objectId: 3, eventType: null },
      ],
      T0,
    );
    // Only the poller's note: no arrival yet, for the poller and the reconciler alike.
    expect((await log.arrivals([{ category: 'MUTATION', objectId: 1 }])).size).toBe(0);

    expect(await recorder.recordArrival(payment(1))).toEqual({ answersRetry: true });
    // The same callback again (a queue redelivery after a failed publish) is still the answer...
    expect(await recorder.recordArrival(payment(1))).toEqual({ answersRetry: true });
    // ...another callback of that event and object type is not, nor one nobody asked for.
    expect(await recorder.recordArrival({ ...payment(1), dedupKey: 'another' })).toEqual({
      answersRetry: false,
    });
    expect(await recorder.recordArrival(payment(2))).toEqual({ answersRetry: false });
    // A failure without an event type expects any callback of its object.
    expect(await recorder.recordArrival({ ...payment(3), eventType: 'MUTATION_RECEIVED' })).toEqual({
      answersRetry: true,
    });
    expect(Object.fromEntries(await log.arrivals([{ category: 'MUTATION', objectId: 1 }]))).toEqual({
      'MUTATION#1': [{ eventType: 'MUTATION_CREATED', objectType: 'Payment' }],
    });
  });

  it('treats an expired arrival as absent (DynamoDB deletes expired items late)', async () => {
    const tableName = await newTable();
    const clock = { now: T0 };
    const recorder = dynamoArrivalRecorder({
      client: db.dynamo.client,
      tableName,
      ttlSeconds: 60,
      now: () => clock.now,
    });
    const log = dynamoArrivalLog({ client: db.dynamo.client, tableName, now: () => clock.now });
    await recorder.recordArrival(payment(1));
    expect((await log.arrivals([{ category: 'MUTATION', objectId: 1 }])).size).toBe(1);
    clock.now = new Date(T0.getTime() + 61_000);
    expect((await log.arrivals([{ category: 'MUTATION', objectId: 1 }])).size).toBe(0);
  });
});

describe('attempt store', () => {
  it('counts attempts per failure and user, and loads them back', async () => {
    const store = await freshAttemptStore();
    expect(await store.recordAttempt(7, 100, T0)).toBe(1);
    expect(await store.recordAttempt(7, 100, T0)).toBe(2);
    expect(await store.recordAttempt(7, 101, T0)).toBe(1);
    expect(await store.recordAttempt(8, 100, T0)).toBe(1);

    const records = await store.load(7, [100, 101, 102]);
    // BatchGetItem answers in no particular order.
    expect([...records.values()].sort((a, b) => a.failureId - b.failureId)).toEqual([
      { failureId: 100, attempts: 2, exhaustedAt: null, arrivedAt: null },
      { failureId: 101, attempts: 1, exhaustedAt: null, arrivedAt: null },
    ]);
    expect(attemptKey(7, 100)).toBe('retry#7#100');
  });

  it('marks a failure exhausted exactly once', async () => {
    const store = await freshAttemptStore();
    await store.recordAttempt(7, 100, T0);
    expect(await store.markExhausted(7, 100, T0)).toBe(true);
    expect(await store.markExhausted(7, 100, new Date(T0.getTime() + 1_000))).toBe(false);
    expect((await store.load(7, [100])).get(100)).toEqual({
      failureId: 100,
      attempts: 1,
      exhaustedAt: T0.toISOString(),
      arrivedAt: null,
    });
  });

  it('keeps the first arrival time', async () => {
    const store = await freshAttemptStore();
    await store.markArrived(7, 100, T0);
    await store.markArrived(7, 100, new Date(T0.getTime() + 5_000));
    expect((await store.load(7, [100])).get(100)?.arrivedAt).toBe(T0.toISOString());
  });
});

describe('normalize handler: arrivals for the poller', () => {
  function record(body: string): SQSRecord {
    return sqsRecord(
      encodeQueuedCallback({
        body: Buffer.from(body, 'utf8'),
        receivedAt: '2025-09-03T08:24:15.000Z',
        sourceIp: '185.40.108.10',
        requestId: 'req-1',
      }),
    );
  }

  async function normalizer(arrivals: ArrivalRecorder) {
    const tableName = await newTable();
    const { handler, bus, lines } = normalizeHandlerOver({
      dedupe: createDedupeStore({ tableName, client: db.dynamo.client }),
      dedupeTtlSeconds: 86_400,
      arrivals,
    });
    return { handler, bus, lines, tableName };
  }

  it('records the arrival of a published callback, and of a duplicate, in the dedupe table', async () => {
    const tableName = await newTable();
    const recorder = dynamoArrivalRecorder({ client: db.dynamo.client, tableName, ttlSeconds: 3_600 });
    const recordArrival = jest.spyOn(recorder, 'recordArrival');
    const { handler, bus } = await normalizer(recorder);

    await handler({ Records: [record(fixtureText('mutation-payment'))] }, lambdaContext());
    await handler({ Records: [record(fixtureText('mutation-payment'))] }, lambdaContext());

    expect(bus.published).toHaveLength(1);
    const arrival = {
      category: 'MUTATION',
      eventType: 'MUTATION_CREATED',
      objectType: 'Payment',
      objectId: 1278,
      dedupKey: expect.any(String),
    };
    expect(recordArrival.mock.calls).toEqual([[arrival], [arrival]]);
    const found = await dynamoArrivalLog({ client: db.dynamo.client, tableName }).arrivals([
      { category: 'MUTATION', objectId: 1278 },
    ]);
    expect(Object.fromEntries(found)).toEqual({
      'MUTATION#1278': [{ eventType: 'MUTATION_CREATED', objectType: 'Payment' }],
    });
  });

  it("marks bunq's answer to a retry the poller asked for recoveredBy failure-retry, and only that one", async () => {
    const tableName = await newTable();
    const recorder = dynamoArrivalRecorder({ client: db.dynamo.client, tableName, ttlSeconds: 3_600 });
    const { handler, bus } = normalizeHandlerOver({
      dedupe: createDedupeStore({ tableName, client: db.dynamo.client }),
      dedupeTtlSeconds: 86_400,
      arrivals: recorder,
    });
    await dynamoAttemptStore({ client: db.dynamo.client, tableName, ttlSeconds: 3_600 }).expectRedeliveries(
      [{ category: 'MUTATION', objectId: 1278, eventType: 'MUTATION_CREATED' }],
      T0,
    );
    const direct = fixtureText('mutation-payment').replace('"id": 1278', '"id": 1279');
    expect(direct).not.toBe(fixtureText('mutation-payment'));

    await handler({ Records: [record(fixtureText('mutation-payment')), record(direct)] }, lambdaContext());

    const byObject = Object.fromEntries(bus.details().map((detail) => [detail.objectId, detail.recoveredBy]));
    expect(byObject).toEqual({ 1278: 'failure-retry', 1279: null });
  });

  it('still succeeds when the arrival cannot be recorded, and says so in the log', async () => {
    const { handler, bus, lines } = await normalizer({
      recordArrival: async () => {
        throw new Error('ProvisionedThroughputExceededException');
      },
    });
    const result = await handler({ Records: [record(fixtureText('mutation-payment'))] }, lambdaContext());
    expect(result.batchItemFailures).toEqual([]);
    expect(bus.published).toHaveLength(1);
    expect(lines.some((line) => line.includes('arrival not recorded'))).toBe(true);
  });
});
