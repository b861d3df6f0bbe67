/**
 * The local runtime's SQLite adapters behind the pipeline's ports, on real database files: the normalize
 * handler (unchanged) on the SQLite dedupe store, the event outbox and its events file, the arrival log and
 * attempt store, and what a reopened data directory still holds.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { createNormalizeHandler } from '../../functions/handlers/normalize-handler';
import { LocalDatabaseError } from '../../local/errors';
import { createLocalEventBus } from '../../local/event-bus';
import { LocalDatabase } from '../../local/sqlite/database';
import { SqliteDedupeStore } from '../../local/sqlite/dedupe-store';
import { EventOutbox } from '../../local/sqlite/event-outbox';
import { sqliteArrivals, sqliteAttemptStore } from '../../local/sqlite/recovery-store';
import { createNormalizer, type NormalizerDependencies } from '../../shared/pipeline/normalize/normalizer';
import { encodeQueuedCallback } from '../../shared/pipeline/queued-callback';
import { matchFailure } from '../../shared/pipeline/recovery/ports';
import { type FixtureName, fixtureText } from '../support/fixtures';
import { lambdaContext, sqsRecord } from '../support/lambda';
import { capturingLogger, RecordingBus, RecordingQueue, silentMetrics } from '../support/pipeline';

let dir: string;
const open: LocalDatabase[] = [];
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bunq-local-sqlite-'));
});
afterEach(async () => {
  for (const database of open.splice(0)) database.close();
  await rm(dir, { recursive: true, force: true });
});
const database = (dataDir = dir): LocalDatabase => {
  const opened = new LocalDatabase({ dataDir });
  open.push(opened);
  return opened;
};
const reopen = (current: LocalDatabase): LocalDatabase => {
  current.close();
  return database();
};

const record = (name: FixtureName): SQSRecord =>
  sqsRecord(
    encodeQueuedCallback({
      body: Buffer.from(fixtureText(name), 'utf8'),
      receivedAt: '2025-09-03T08:24:15.000Z',
      sourceIp: '185.40.108.10',
      requestId: 'req-1',
    }),
  );
const batch = (...records: SQSRecord[]): SQSEvent => ({ Records: records });
/** The normalize handler exactly as the runtime composes it, on the given ports. */
const normalizeHandler = (deps: NormalizerDependencies) => createNormalizeHandler(createNormalizer(deps));

function normalizer(db: LocalDatabase, bus = new RecordingBus()) {
  const dedupe = new SqliteDedupeStore(db);
  const handler = normalizeHandler({
    publisher: bus,
    deadLetters: new RecordingQueue(),
    dedupe,
    dedupeTtlSeconds: 86_400,
    eventSource: 'bunq',
    logger: capturingLogger().logger,
    metrics: silentMetrics(),
  });
  return { handler, bus, dedupe };
}

describe('normalize handler on the SQLite dedupe store', () => {
  it('absorbs bunq retries: the same callback six times gives one event', async () => {
    const h = normalizer(database());
    for (let attempt = 0; attempt < 6; attempt += 1) {
      expect(
        (await h.handler(batch(record('partner-user-provision')), lambdaContext())).batchItemFailures,
      ).toEqual([]);
    }
    expect(h.bus.published).toHaveLength(1);
  });

  it('gives one event when two invocations race on the same callback', async () => {
    const h = normalizer(database());
    const results = await Promise.all([
      h.handler(batch(record('request-inquiry')), lambdaContext()),
      h.handler(batch(record('request-inquiry')), lambdaContext()),
    ]);
    expect(h.bus.published).toHaveLength(1);
    expect(results.flatMap((r) => r.batchItemFailures).length).toBeLessThanOrEqual(1);
  });

  it('commits no marker when the publish fails, so the redelivery publishes', async () => {
    const h = normalizer(database());
    h.bus.answer = () => 'throw';
    const message = record('mutation-payment');
    expect((await h.handler(batch(message), lambdaContext())).batchItemFailures).toEqual([
      { itemIdentifier: message.messageId },
    ]);
    h.bus.answer = () => ({ ok: true, eventId: 'evt-1' });
    expect((await h.handler(batch(message), lambdaContext())).batchItemFailures).toEqual([]);
    expect(h.bus.published).toHaveLength(1);
  });

  it('still suppresses a published callback after the database is reopened', async () => {
    const first = database();
    const h = normalizer(first);
    await h.handler(batch(record('card-transaction')), lambdaContext());
    await first.committed();
    const again = normalizer(reopen(first), h.bus);
    expect(
      (await again.handler(batch(record('card-transaction')), lambdaContext())).batchItemFailures,
    ).toEqual([]);
    expect(h.bus.published).toHaveLength(1);
  });
});

describe('event outbox', () => {
  const logger = capturingLogger().logger;
  const events = async (path: string) =>
    (await readFile(path, 'utf8'))
      .split('\n')
      .filter((line) => line.length > 0)
      .map((line) => JSON.parse(line) as { id: string; detail: { dedupKey: string } });
  /** An outbox on `database`, writing `file` when given (without fsync unless asked). */
  const outboxOn = (database: LocalDatabase, file?: string, fsync = false) =>
    new EventOutbox({
      database,
      ...(file === undefined ? {} : { file }),
      retentionMs: 60_000,
      fsync,
      logger,
    });
  const mutations = (...keys: string[]) =>
    keys.map((key) => ({
      source: 'bunq',
      detailType: 'MUTATION',
      detail: JSON.stringify({ dedupKey: key }),
      time: new Date(),
    }));
  /** A fresh database's outbox writing events.jsonl, with MUTATION events `keys` published through it. */
  async function publishedThroughOutbox(...keys: string[]) {
    const file = join(dir, 'events.jsonl');
    const db = database();
    const outbox = outboxOn(db, file);
    await createLocalEventBus({ file: outbox, logger }).publish(mutations(...keys));
    await outbox.flush();
    return { file, db, outbox };
  }

  it('writes each committed event once to a file it opened once', async () => {
    const file = join(dir, 'events.jsonl');
    const db = database();
    const outbox = outboxOn(db, file, true);
    const h = normalizer(db, createLocalEventBus({ file: outbox, logger }) as unknown as RecordingBus);
    await h.handler(batch(record('mutation-payment'), record('request-inquiry')), lambdaContext());
    await h.handler(batch(record('mutation-payment')), lambdaContext());
    await outbox.flush();
    const written = await events(file);
    expect(written).toHaveLength(2);
    expect(new Set(written.map((e) => e.detail.dedupKey)).size).toBe(2);
    outbox.close();
  });

  it('keeps only the keys of events behind the checkpoint, not their lines', async () => {
    const { file, db, outbox } = await publishedThroughOutbox('a', 'b');
    await db.committed();
    expect((await events(file)).map((e) => e.detail.dedupKey)).toEqual(['a', 'b']);
    const lines = db.db.prepare<[], { line: string }>('SELECT line FROM outbox ORDER BY seq').all();
    expect(lines).toEqual([{ line: '' }, { line: '' }]);
    expect(outbox.publishedSince(0).map((row) => row.dedupKey)).toEqual(['a', 'b']);
    outbox.close();
  });

  it('cuts lines written after the last checkpoint and writes those events again, once', async () => {
    const { file, db: first, outbox } = await publishedThroughOutbox('a');
    outbox.close();
    // A process that died after writing a line but before its checkpoint: the line is in the file twice
    // over (a torn copy), the checkpoint names only the first.
    const good = await readFile(file, 'utf8');
    await writeFile(file, `${good}{"torn":`);
    const second = reopen(first);
    const resumed = outboxOn(second, file);
    await resumed.flush();
    expect(await readFile(file, 'utf8')).toBe(good);
    resumed.close();
  });

  /** A normalizer whose publisher stops forever, as a killed process does, after (or before) the outbox write. */
  function killedMidPublish(db: LocalDatabase, outbox: EventOutbox, afterWrite: boolean): void {
    const bus = createLocalEventBus({ file: outbox, logger });
    const handler = normalizeHandler({
      publisher: {
        publish: async (entries) => {
          if (afterWrite) await bus.publish(entries);
          return new Promise(() => undefined);
        },
      },
      deadLetters: new RecordingQueue(),
      dedupe: new SqliteDedupeStore(db),
      dedupeTtlSeconds: 86_400,
      eventSource: 'bunq',
      logger,
      metrics: silentMetrics(),
    });
    void handler(batch(record('mutation-payment')), lambdaContext());
  }

  it.each([
    ['after', true, { completed: 1, released: 0 }, 1],
    ['before', false, { completed: 0, released: 1 }, 1],
  ])(
    'settles a claim left in progress by a process killed %s its outbox write',
    async (_, afterWrite, settled, rows) => {
      const first = database();
      killedMidPublish(first, outboxOn(first), afterWrite);
      // Let the claim (and the outbox row) commit, then "kill": nothing after this runs in the old process.
      await new Promise((resolve) => setTimeout(resolve, 50));
      await first.committed();
      const second = reopen(first);
      const outbox = outboxOn(second);
      const dedupe = new SqliteDedupeStore(second, {
        published: (since) => outbox.publishedSince(since),
        response: (eventId) => ({ eventId }),
      });
      const handler = normalizeHandler({
        publisher: createLocalEventBus({ file: outbox, logger }),
        deadLetters: new RecordingQueue(),
        dedupe,
        dedupeTtlSeconds: 86_400,
        eventSource: 'bunq',
        logger,
        metrics: silentMetrics(),
      });
      // The redelivery publishes only when the killed process had not.
      expect((await handler(batch(record('mutation-payment')), lambdaContext())).batchItemFailures).toEqual(
        [],
      );
      expect(dedupe.settled).toEqual(settled);
      await second.committed();
      expect(second.db.prepare('SELECT count(*) AS n FROM outbox').get()).toEqual({ n: rows });
    },
  );
});

describe('data directory', () => {
  it('refuses a second runtime on the same data directory', () => {
    database();
    expect(() => new LocalDatabase({ dataDir: dir })).toThrow(LocalDatabaseError);
    expect(() => new LocalDatabase({ dataDir: dir })).toThrow(/in use by another local runtime/);
  });

  it('creates a missing data directory', async () => {
    const nested = join(dir, 'a', 'b');
    database(nested);
    expect((await readFile(join(nested, 'state.sqlite'))).length).toBeGreaterThan(0);
  });
});

describe('SQLite recovery stores', () => {
  const T0 = new Date('2026-01-02T03:00:00.000Z');

  it('finds recorded arrivals by category and id with their types, forgets expired ones, keeps them across a reopen', async () => {
    const clock = { now: T0 };
    const first = database();
    const arrivals = sqliteArrivals({ database: first, ttlSeconds: 60, now: () => clock.now });
    await arrivals.recordArrival({
      category: 'MUTATION',
      objectId: 1,
      eventType: 'MUTATION_CREATED',
      objectType: 'Payment',
      dedupKey: 'a-dedupe-key',
    });
    await arrivals.recordArrival({
      category: 'PAYMENT',
      objectId: '2',
      eventType: null,
      objectType: 'Payment',
      dedupKey: 'a-dedupe-key',
    });
    await first.committed();
    const reopened = sqliteArrivals({ database: reopen(first), ttlSeconds: 60, now: () => clock.now });
    const refs = [
      { category: 'MUTATION', objectId: 1 },
      { category: 'MUTATION', objectId: 2 },
      { category: 'PAYMENT', objectId: 2 },
    ];
    const found = await reopened.arrivals(refs);
    expect(Object.fromEntries(found)).toEqual({
      'MUTATION#1': [{ eventType: 'MUTATION_CREATED', objectType: 'Payment' }],
      'PAYMENT#2': [{ eventType: null, objectType: 'Payment' }],
    });
    expect(matchFailure({ category: 'MUTATION', objectId: 1, eventType: 'MUTATION_CREATED' }, found)).toBe(
      'arrived',
    );
    clock.now = new Date(T0.getTime() + 61_000);
    expect((await reopened.arrivals(refs)).size).toBe(0);
  });

  it('keeps two object types under one category and id, so a failure matching both is ambiguous (not arrived)', async () => {
    const arrivals = sqliteArrivals({ database: database(), ttlSeconds: 3_600, now: () => T0 });
    // Ids are unique per object type only: SHARE's invite inquiry and response can both be 1.
    // The response recorded twice (a redelivery) is one arrival.
    for (const objectType of [
      'ShareInviteBankInquiry',
      'ShareInviteBankResponse',
      'ShareInviteBankResponse',
    ]) {
      await arrivals.recordArrival({
        category: 'SHARE',
        objectId: 1,
        eventType: 'SHARE_UPDATED',
        objectType,
        dedupKey: 'a-dedupe-key',
      });
    }
    const found = await arrivals.arrivals([{ category: 'SHARE', objectId: 1 }]);
    expect(found.get('SHARE#1')).toHaveLength(2);
    expect(matchFailure({ category: 'SHARE', objectId: 1, eventType: 'SHARE_UPDATED' }, found)).toBe(
      'ambiguous',
    );
    expect(matchFailure({ category: 'SHARE', objectId: 1, eventType: 'SHARE_CREATED' }, found)).toBe(
      'absent',
    );
  });

  it('answers a redelivery the poller expected: the first callback of its kind and its redelivery, no other', async () => {
    const db = database();
    const arrivals = sqliteArrivals({ database: db, ttlSeconds: 3_600, now: () => T0 });
    const attempts = sqliteAttemptStore({ database: db, ttlSeconds: 3_600, now: () => T0 });
    const payment = (objectId: number, dedupKey: string) => ({
      category: 'MUTATION',
      objectId,
      eventType: 'MUTATION_CREATED',
      objectType: 'Payment',
      dedupKey,
    });
    await attempts.expectRedeliveries(
      [{ category: 'MUTATION', objectId: 1, eventType: 'MUTATION_CREATED' }],
      T0,
    );
    expect((await arrivals.arrivals([{ category: 'MUTATION', objectId: 1 }])).size).toBe(0);

    expect(await arrivals.recordArrival(payment(1, 'a'))).toEqual({ answersRetry: true });
    expect(await arrivals.recordArrival(payment(1, 'a'))).toEqual({ answersRetry: true });
    expect(await arrivals.recordArrival(payment(1, 'b'))).toEqual({ answersRetry: false });
    expect(await arrivals.recordArrival(payment(2, 'c'))).toEqual({ answersRetry: false });
  });

  it('counts attempts, marks a failure exhausted once, keeps the first arrival time', async () => {
    const store = sqliteAttemptStore({ database: database(), ttlSeconds: 86_400, now: () => T0 });
    expect(await store.recordAttempt(7, 100, T0)).toBe(1);
    expect(await store.recordAttempt(7, 100, T0)).toBe(2);
    expect(await store.recordAttempt(8, 100, T0)).toBe(1);
    expect(await store.markExhausted(7, 100, T0)).toBe(true);
    expect(await store.markExhausted(7, 100, new Date(T0.getTime() + 1_000))).toBe(false);
    await store.markArrived(7, 101, T0);
    await store.markArrived(7, 101, new Date(T0.getTime() + 5_000));
    const records = await store.load(7, [100, 101, 102]);
    expect(records.get(100)).toEqual({
      failureId: 100,
      attempts: 2,
      exhaustedAt: T0.toISOString(),
      arrivedAt: null,
    });
    expect(records.get(101)?.arrivedAt).toBe(T0.toISOString());
    expect(records.has(102)).toBe(false);
  });

  it('starts over on an expired attempt record, as DynamoDB treats an expired item as absent', async () => {
    const clock = { now: T0 };
    const store = sqliteAttemptStore({ database: database(), ttlSeconds: 60, now: () => clock.now });
    await store.recordAttempt(7, 100, T0);
    await store.markExhausted(7, 100, T0);
    clock.now = new Date(T0.getTime() + 120_000);
    expect((await store.load(7, [100])).size).toBe(0);
    expect(await store.recordAttempt(7, 100, clock.now)).toBe(1);
    expect((await store.load(7, [100])).get(100)?.exhaustedAt).toBeNull();
  });
});
