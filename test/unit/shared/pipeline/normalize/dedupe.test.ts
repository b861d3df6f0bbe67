/**
 * The batch-commit dedupe rule over the in-memory store (the DynamoDB store's semantics): writes per
 * callback, how a claim held by another batch is resolved, and that nothing commits for an unpublished event.
 */
import type { SQSRecord } from 'aws-lambda';
import { claimKey } from '../../../../../shared/pipeline/normalize/dedupe';
import { encodeQueuedCallback } from '../../../../../shared/pipeline/queued-callback';
import { fixtureText } from '../../../../support/fixtures';
import { lambdaContext, sqsRecord } from '../../../../support/lambda';
import { MemoryDedupeStore } from '../../../../support/memory-dedupe';
import { normalizeHandlerOver, RecordingBus } from '../../../../support/pipeline';

const distinct = (id: number): SQSRecord =>
  sqsRecord(
    encodeQueuedCallback({
      body: Buffer.from(fixtureText('mutation-payment').replace('"id": 1278', `"id": ${id}`)),
      receivedAt: '2026-01-01T00:00:00.000Z',
      sourceIp: '185.40.108.1',
      requestId: `r-${id}`,
    }),
  );

const claim = (batch: string, inProgressUntilMs = Date.now() + 60_000) => ({
  key: 'bunq-callback#k',
  batch,
  inProgressUntilMs,
  expiresAtSeconds: Math.floor(Date.now() / 1_000) + 3_600,
});

describe('batch-commit dedupe', () => {
  it('writes one claim per record and one item per batch: 11 writes for 10 callbacks', async () => {
    const dedupe = new MemoryDedupeStore();
    const { handler, bus } = normalizeHandlerOver({ dedupe, dedupeTtlSeconds: 3_600 });
    const records = Array.from({ length: 10 }, (_, i) => distinct(5000 + i));
    expect((await handler({ Records: records }, lambdaContext())).batchItemFailures).toEqual([]);
    expect(bus.published).toHaveLength(10);
    expect(dedupe.writes).toBe(11);
    expect(dedupe.batches.size).toBe(1);
  });

  it('commits only the keys whose publish the bus accepted', async () => {
    const dedupe = new MemoryDedupeStore();
    const bus = new RecordingBus();
    bus.answer = (_, index) =>
      index === 0 && bus.calls % 2 === 0
        ? { ok: false, errorCode: 'ThrottlingException', errorMessage: 'Rate exceeded' }
        : { ok: true, eventId: `evt-${bus.calls}` };
    const { handler } = normalizeHandlerOver({ dedupe, dedupeTtlSeconds: 3_600, bus });
    const result = await handler({ Records: [distinct(1), distinct(2)] }, lambdaContext());
    expect(result.batchItemFailures).toHaveLength(1);
    const [committed] = [...dedupe.batches.values()];
    expect(committed?.keys.size).toBe(1);
    // The refused record's claim was released: no record, no marker.
    expect(dedupe.records.size).toBe(1);
  });

  it('resolves a held claim through its batch item', async () => {
    const store = new MemoryDedupeStore();
    expect(await claimKey(store, claim('a.0'))).toEqual({ kind: 'claimed' });
    // Live, no commit yet: another copy waits.
    expect(await claimKey(store, claim('b.0'))).toEqual({ kind: 'in-progress' });
    // Committed with the key: a duplicate.
    await store.commitBatch('a.0', [{ key: 'bunq-callback#k', eventId: 'evt-1' }], 2_000_000_000);
    expect(await claimKey(store, claim('b.0'))).toEqual({ kind: 'published', eventId: 'evt-1' });
  });

  it('takes over a claim whose batch committed without it, or whose deadline passed uncommitted', async () => {
    const store = new MemoryDedupeStore();
    await claimKey(store, claim('a.0'));
    await store.commitBatch('a.0', [], 2_000_000_000);
    expect(await claimKey(store, claim('b.0'))).toEqual({ kind: 'claimed' });
    expect(store.records.get('bunq-callback#k')).toMatchObject({ batch: 'b.0' });

    const dead = new MemoryDedupeStore();
    await claimKey(dead, claim('a.0', Date.now() - 1));
    expect(await claimKey(dead, claim('b.0'))).toEqual({ kind: 'claimed' });
    // Two copies racing to take over: one wins.
    const racing = new MemoryDedupeStore();
    await claimKey(racing, claim('a.0', Date.now() - 1));
    const outcomes = await Promise.all([claimKey(racing, claim('b.0')), claimKey(racing, claim('c.0'))]);
    expect(outcomes.map((o) => o.kind).sort()).toEqual(['claimed', 'in-progress']);
  });
});
