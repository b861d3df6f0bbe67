/**
 * The normalize handler against a real DynamoDB implementation (dynalite on loopback): one event per
 * distinct callback, the dedupe marker committed only after the publish, permanent failures parked.
 */

import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { createDedupeStore } from '../../functions/commons/dedupe-store';
import type { NormalizeHandler } from '../../functions/handlers/normalize-handler';
import { encodeQueuedCallback, MESSAGE_ATTRIBUTE } from '../../shared/pipeline/queued-callback';
import { useDynalite } from '../support/dynalite';
import { type FixtureName, fixtureText } from '../support/fixtures';
import { lambdaContext, sqsRecord } from '../support/lambda';
import { normalizeHandlerOver, type RecordingBus, type RecordingQueue } from '../support/pipeline';

const db = useDynalite('dedupe');

interface Harness {
  handler: NormalizeHandler;
  bus: RecordingBus;
  deadLetters: RecordingQueue;
  lines: string[];
}

async function harness(): Promise<Harness> {
  const tableName = await db.freshTable();
  return normalizeHandlerOver({
    dedupe: createDedupeStore({ tableName, client: db.dynamo.client }),
    dedupeTtlSeconds: 86_400,
  });
}

function record(body: string | Buffer): SQSRecord {
  return sqsRecord(
    encodeQueuedCallback({
      body: Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8'),
      receivedAt: '2025-09-03T08:24:15.000Z',
      sourceIp: '185.40.108.10',
      requestId: 'req-1',
    }),
  );
}

const batch = (...records: SQSRecord[]): SQSEvent => ({ Records: records });
const fixture = (name: FixtureName) => record(fixtureText(name));

describe('normalize handler with DynamoDB dedupe', () => {
  it('publishes one event for one callback and reports no failures', async () => {
    const h = await harness();
    const result = await h.handler(batch(fixture('mutation-payment')), lambdaContext());
    expect(result.batchItemFailures).toEqual([]);
    expect(h.bus.published).toHaveLength(1);
    expect(h.bus.published[0]?.detailType).toBe('MUTATION');
    expect(h.bus.details()[0]).toMatchObject({
      objectType: 'Payment',
      objectId: 1278,
      amount: { value: '-20.00', currency: 'EUR' },
    });
  });

  it('absorbs bunq retries: the same callback in six batches gives one event', async () => {
    const h = await harness();
    for (let attempt = 0; attempt < 6; attempt += 1) {
      const result = await h.handler(batch(fixture('partner-user-provision')), lambdaContext());
      expect(result.batchItemFailures).toEqual([]);
    }
    expect(h.bus.published).toHaveLength(1);
  });

  it('gives one event when the same callback is twice in one batch; the loser is retried, then suppressed', async () => {
    const h = await harness();
    const first = fixture('card-transaction');
    const second = fixture('card-transaction');
    const result = await h.handler(batch(first, second), lambdaContext());
    expect(h.bus.published).toHaveLength(1);
    // The record that lost the claim while the other was in progress is retried, never dropped...
    expect(result.batchItemFailures.length).toBeLessThanOrEqual(1);
    for (const failure of result.batchItemFailures) {
      const retried = [first, second].find((r) => r.messageId === failure.itemIdentifier);
      expect(retried).toBeDefined();
      // ...and on redelivery it finds the completed marker and publishes nothing.
      const again = await h.handler(batch(retried as SQSRecord), lambdaContext());
      expect(again.batchItemFailures).toEqual([]);
    }
    expect(h.bus.published).toHaveLength(1);
  });

  it('gives one event when two invocations race on the same callback (the conditional write decides)', async () => {
    const h = await harness();
    const results = await Promise.all([
      h.handler(batch(fixture('request-inquiry')), lambdaContext()),
      h.handler(batch(fixture('request-inquiry')), lambdaContext()),
    ]);
    expect(h.bus.published).toHaveLength(1);
    const failures = results.flatMap((r) => r.batchItemFailures);
    expect(failures.length).toBeLessThanOrEqual(1);
  });

  it('commits no marker when the publish fails, so the redelivery publishes', async () => {
    const h = await harness();
    h.bus.answer = () => 'throw';
    const message = fixture('mutation-payment');
    const failed = await h.handler(batch(message), lambdaContext());
    expect(failed.batchItemFailures).toEqual([{ itemIdentifier: message.messageId }]);
    expect(h.bus.published).toHaveLength(0);

    h.bus.answer = () => ({ ok: true, eventId: 'evt-1' });
    const retried = await h.handler(batch(message), lambdaContext());
    expect(retried.batchItemFailures).toEqual([]);
    expect(h.bus.published).toHaveLength(1);
  });

  it('reports only the records whose PutEvents entry failed', async () => {
    const h = await harness();
    h.bus.answer = (entry) =>
      entry.detailType === 'REQUEST'
        ? { ok: false, errorCode: 'ThrottlingException', errorMessage: 'Rate exceeded' }
        : { ok: true, eventId: `evt-${entry.detailType}` };
    const ok = fixture('mutation-payment');
    const refused = fixture('request-inquiry');
    const result = await h.handler(batch(ok, refused), lambdaContext());
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: refused.messageId }]);
    expect(h.bus.published.map((e) => e.detailType)).toEqual(['MUTATION']);

    h.bus.answer = (entry) => ({ ok: true, eventId: `evt-${entry.detailType}` });
    const again = await h.handler(batch(ok, refused), lambdaContext());
    expect(again.batchItemFailures).toEqual([]);
    expect(h.bus.published.map((e) => e.detailType).sort()).toEqual(['MUTATION', 'REQUEST']);
  });

  it('parks an authenticated body that is not JSON on the dead-letter queue at once, with its reason', async () => {
    const h = await harness();
    const message = record('not json{');
    const result = await h.handler(batch(message), lambdaContext());
    expect(result.batchItemFailures).toEqual([]);
    expect(h.bus.published).toHaveLength(0);
    expect(h.deadLetters.messages).toHaveLength(1);
    const parked = h.deadLetters.messages[0];
    expect(parked?.body).toBe('not json{');
    expect(parked?.attributes[MESSAGE_ATTRIBUTE.deadLetterReason]).toBe('invalid-json');
    expect(parked?.attributes.sourceMessageId).toBe(message.messageId);
    expect(h.lines.join('\n')).not.toContain('not json{');
  });

  it('parks binary garbage byte-exact and an envelope that is not bunq’s', async () => {
    const h = await harness();
    const garbage = Buffer.from([0xff, 0xfe, 0x00, 0x41, 0xc3]);
    await h.handler(batch(record(garbage), record('{"hello":"world"}')), lambdaContext());
    const reasons = h.deadLetters.messages.map((m) => m.attributes[MESSAGE_ATTRIBUTE.deadLetterReason]);
    expect(reasons.sort()).toEqual(['invalid-encoding', 'invalid-envelope']);
    const binary = h.deadLetters.messages.find(
      (m) => m.attributes[MESSAGE_ATTRIBUTE.bodyEncoding] === 'base64',
    );
    expect(Buffer.from(binary?.body ?? '', 'base64').equals(garbage)).toBe(true);
  });

  it('keeps a record for retry when the dead-letter queue cannot take it', async () => {
    const h = await harness();
    h.deadLetters.failNext = 1;
    const message = record('[]');
    const result = await h.handler(batch(message), lambdaContext());
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: message.messageId }]);
  });

  it('publishes unknown categories and object types with the raw object', async () => {
    const h = await harness();
    const body = JSON.stringify({
      NotificationUrl: {
        target_url: 'https://example.com/callbacks/x',
        category: 'SOMETHING_NEW',
        event_type: 'SOMETHING_NEW_HAPPENED',
        object: {
          BrandNewThing: { id: 'abc', created: '2026-01-01 00:00:00.000000', weird: [1, { x: null }] },
        },
      },
    });
    await h.handler(batch(record(body)), lambdaContext());
    expect(h.bus.published[0]?.detailType).toBe('SOMETHING_NEW');
    expect(h.bus.details()[0]).toMatchObject({
      objectType: 'BrandNewThing',
      objectId: 'abc',
      updatedAt: null,
      object: { id: 'abc', created: '2026-01-01 00:00:00.000000', weird: [1, { x: null }] },
    });
  });
});
