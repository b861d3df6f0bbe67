/**
 * The batch-commit dedupe store's guarantees as jest cases, for any DynamoDB implementation: dynalite
 * (`test/integration/delivery-faults.test.ts`) and moto (`test/aws/dedupe-store.test.ts`). A crash or a
 * failed commit between publish and marker may repeat an event but never loses one; a failed batch commit
 * falls back to one marker per record; concurrent copies publish once; expired records free their key;
 * markers Powertools Idempotency wrote before keep holding.
 */
import { type DynamoDBClient, PutItemCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { createDedupeStore } from '../../functions/commons/dedupe-store';
import { type DedupeStore, dedupeRecordKey } from '../../shared/pipeline/normalize/dedupe';
import { encodeQueuedCallback } from '../../shared/pipeline/queued-callback';
import { type FixtureName, fixtureText } from './fixtures';
import { lambdaContext, sqsRecord } from './lambda';
import { normalizeHandlerOver, RecordingBus } from './pipeline';

/** Where the cases run: a DynamoDB client and a fresh, empty dedupe table per case. */
export interface DedupeTables {
  readonly client: () => DynamoDBClient;
  readonly freshTable: () => Promise<string>;
}

const record = (name: FixtureName = 'mutation-payment'): SQSRecord =>
  sqsRecord(
    encodeQueuedCallback({
      body: Buffer.from(fixtureText(name)),
      receivedAt: '2026-01-01T00:00:00.000Z',
      sourceIp: '185.40.108.1',
      requestId: 'r',
    }),
  );
const batch = (...records: SQSRecord[]): SQSEvent => ({ Records: records });

function handlerWith(dedupe: DedupeStore, bus = new RecordingBus()) {
  const { handler, lines } = normalizeHandlerOver({ dedupe, dedupeTtlSeconds: 86_400, bus });
  return { handler, bus, lines };
}

/** The store on a fresh table, with its batch commit (and optionally its per-record fallback) failing. */
async function failingCommits(db: DedupeTables, fallbackFails: boolean) {
  const tableName = await db.freshTable();
  const store = createDedupeStore({ tableName, client: db.client() });
  const failing: DedupeStore = {
    ...store,
    commitBatch: async () => {
      throw new Error('batch item write failed');
    },
    complete: fallbackFails
      ? async () => {
          throw new Error('process died before the marker was written');
        }
      : store.complete,
  };
  return { tableName, store, failing };
}

const items = async (db: DedupeTables, tableName: string) =>
  (await db.client().send(new ScanCommand({ TableName: tableName }))).Items ?? [];

/** Waits until the claim's in-progress expiry (its invocation's deadline) has passed. */
async function deadlinePassed(db: DedupeTables, tableName: string): Promise<void> {
  const [claim] = (await items(db, tableName)).filter((item) => item.status?.S === 'CLAIMED');
  const until = Number(claim?.in_progress_expiration?.N);
  expect(Number.isFinite(until)).toBe(true);
  while (Date.now() <= until) await new Promise((resolve) => setImmediate(resolve));
}

/** Defines the cases (call inside a `describe`). */
export function dedupeStoreCases(db: DedupeTables): void {
  it('commits a batch in one item beside its claims', async () => {
    const tableName = await db.freshTable();
    const { handler, bus } = handlerWith(createDedupeStore({ tableName, client: db.client() }));
    const names: FixtureName[] = ['mutation-payment', 'request-inquiry', 'card-transaction'];
    const result = await handler(batch(...names.map((name) => record(name))), lambdaContext());
    expect(result.batchItemFailures).toEqual([]);
    expect(bus.published).toHaveLength(3);
    const stored = await items(db, tableName);
    expect(stored.map((item) => item.status?.S).sort()).toEqual(['BATCH', 'CLAIMED', 'CLAIMED', 'CLAIMED']);
    const batchItem = stored.find((item) => item.status?.S === 'BATCH');
    expect(Object.keys(batchItem?.published?.M ?? {})).toHaveLength(3);
    // The redelivery reads the batch item: suppressed, nothing published again.
    expect((await handler(batch(record('request-inquiry')), lambdaContext())).batchItemFailures).toEqual([]);
    expect(bus.published).toHaveLength(3);
  });

  it('falls back to one marker per record when the batch commit fails, and the redelivery publishes nothing', async () => {
    const { tableName, failing } = await failingCommits(db, false);
    const { handler, bus } = handlerWith(failing);
    const message = record();
    expect((await handler(batch(message), lambdaContext())).batchItemFailures).toEqual([]);
    expect((await items(db, tableName)).map((item) => item.status?.S)).toEqual(['COMPLETED']);
    expect((await handler(batch(message), lambdaContext())).batchItemFailures).toEqual([]);
    expect(bus.published).toHaveLength(1);
  });

  it('may repeat, but never loses, an event when no marker could be committed after its publish', async () => {
    const { tableName, store, failing } = await failingCommits(db, true);
    const bus = new RecordingBus();
    const message = record();
    // The invocation's claim expires with its deadline (the Lambda timeout, shorter than the visibility timeout).
    const first = await handlerWith(failing, bus).handler(
      batch(message),
      lambdaContext({ remainingMs: 100 }),
    );
    expect(bus.published).toHaveLength(1);
    expect(first.batchItemFailures).toEqual([{ itemIdentifier: message.messageId }]);

    // Redelivered before the deadline: the claim is live, so it waits (retried, not published).
    const { handler } = handlerWith(store, bus);
    expect((await handler(batch(message), lambdaContext())).batchItemFailures).toHaveLength(1);
    expect(bus.published).toHaveLength(1);

    // After the deadline with no batch item, the copy takes the claim over and publishes again.
    await deadlinePassed(db, tableName);
    expect((await handler(batch(message), lambdaContext())).batchItemFailures).toEqual([]);
    expect(bus.published).toHaveLength(2);

    // From now on the marker holds.
    await handler(batch(message), lambdaContext());
    expect(bus.published).toHaveLength(2);
  });

  it('publishes a callback whose invocation died between claim and publish, once its deadline passed', async () => {
    const tableName = await db.freshTable();
    const store = createDedupeStore({ tableName, client: db.client() });
    const bus = new RecordingBus();
    // A publisher that never answers: the process died before (or while) publishing.
    const dead = normalizeHandlerOver({
      dedupe: store,
      dedupeTtlSeconds: 86_400,
      bus: Object.assign(new RecordingBus(), { publish: () => new Promise<never>(() => undefined) }),
    });
    const message = record();
    void dead.handler(batch(message), lambdaContext({ remainingMs: 100 }));
    while ((await items(db, tableName)).length === 0) await new Promise((resolve) => setImmediate(resolve));
    await deadlinePassed(db, tableName);
    const { handler } = handlerWith(store, bus);
    expect((await handler(batch(message), lambdaContext())).batchItemFailures).toEqual([]);
    expect(bus.published).toHaveLength(1);
  });

  it('publishes once when eight invocations race on copies of one callback', async () => {
    const tableName = await db.freshTable();
    const { handler, bus } = handlerWith(createDedupeStore({ tableName, client: db.client() }));
    const pending = new Set(Array.from({ length: 8 }, () => record('request-inquiry')));
    // Copies that lost to a live claim are redelivered until each finds the committed batch.
    while (pending.size > 0) {
      const results = await Promise.all([...pending].map((copy) => handler(batch(copy), lambdaContext())));
      results.forEach((result, index) => {
        if (result.batchItemFailures.length === 0) pending.delete([...pending][index] as SQSRecord);
      });
    }
    expect(bus.published).toHaveLength(1);
  });

  it('frees the key of an expired marker and of an expired batch (DynamoDB TTL deletes lazily)', async () => {
    const tableName = await db.freshTable();
    const { handler, bus } = handlerWith(createDedupeStore({ tableName, client: db.client() }));
    const message = record();
    await handler(batch(message), lambdaContext());
    const past = { N: String(Math.floor(Date.now() / 1_000) - 1) };
    for (const item of await items(db, tableName)) {
      await db
        .client()
        .send(new PutItemCommand({ TableName: tableName, Item: { ...item, expiration: past } }));
    }
    expect((await handler(batch(message), lambdaContext())).batchItemFailures).toEqual([]);
    expect(bus.published).toHaveLength(2);
  });

  it('keeps suppressing a callback that Powertools Idempotency marked COMPLETED before the upgrade', async () => {
    // The callback's dedupe key, from publishing it once elsewhere.
    const elsewhere = handlerWith(
      createDedupeStore({ tableName: await db.freshTable(), client: db.client() }),
    );
    await elsewhere.handler(batch(record()), lambdaContext());
    const { dedupKey } = elsewhere.bus.details()[0] as { dedupKey: string };
    // What Powertools wrote: `bunq-callback#` + MD5 (base64) of the JSON of the key, the response as JSON.
    const id = dedupeRecordKey(dedupKey);
    expect(id).toMatch(/^bunq-callback#[A-Za-z0-9+/]{22}==$/);
    const tableName = await db.freshTable();
    await db.client().send(
      new PutItemCommand({
        TableName: tableName,
        Item: {
          id: { S: id },
          status: { S: 'COMPLETED' },
          data: { S: '{"eventId":"evt-legacy"}' },
          expiration: { N: String(Math.floor(Date.now() / 1_000) + 3_600) },
        },
      }),
    );
    const { handler, bus, lines } = handlerWith(createDedupeStore({ tableName, client: db.client() }));
    expect((await handler(batch(record()), lambdaContext())).batchItemFailures).toEqual([]);
    expect(bus.published).toHaveLength(0);
    expect(lines.find((line) => line.includes('duplicate callback suppressed'))).toContain('evt-legacy');
  });
}
