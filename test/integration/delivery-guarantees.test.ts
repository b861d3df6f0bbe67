/**
 * Delivery guarantees of the normalize handler against dynalite: large objects are claim-checked, rejected
 * events are parked, transient failures back off, and redriven messages are processed with dedupe holding.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { createDedupeStore } from '../../functions/commons/dedupe-store';
import { createFileObjectStore } from '../../local/file-object-store';
import type { CallbackEventDetail } from '../../shared/contract/callback-event';
import { resolveCallbackObject } from '../../shared/contract/resolve-callback-object';
import type { MessageVisibility, QueueMessage } from '../../shared/pipeline/ports';
import { encodeQueuedCallback, MESSAGE_ATTRIBUTE } from '../../shared/pipeline/queued-callback';
import { useDynalite } from '../support/dynalite';
import { fixtureText } from '../support/fixtures';
import { lambdaContext, sqsRecord } from '../support/lambda';
import { normalizeHandlerOver, RecordingMetrics } from '../support/pipeline';

const db = useDynalite('guarantees');

class RecordingVisibility implements MessageVisibility {
  readonly delays: { receiptHandle: string; seconds: number }[] = [];
  async delay(receiptHandle: string, seconds: number): Promise<void> {
    this.delays.push({ receiptHandle, seconds });
  }
}

async function harness() {
  const tableName = await db.freshTable();
  const visibility = new RecordingVisibility();
  const claimChecks = await mkdtemp(join(tmpdir(), 'claim-checks-'));
  const metrics = new RecordingMetrics();
  const doubles = normalizeHandlerOver({
    dedupe: createDedupeStore({ tableName, client: db.dynamo.client }),
    dedupeTtlSeconds: 86_400,
    objectStore: createFileObjectStore(claimChecks),
    visibility,
    backoff: { baseSeconds: 10, maxSeconds: 300 },
    metrics,
  });
  return { ...doubles, visibility, metrics };
}

const message = (body: string): QueueMessage =>
  encodeQueuedCallback({
    body: Buffer.from(body),
    receivedAt: '2026-01-01T00:00:00.000Z',
    sourceIp: '185.40.108.1',
    requestId: 'r',
  });
const batch = (...records: SQSRecord[]): SQSEvent => ({ Records: records });

/** A bunq callback whose object is far larger than one EventBridge entry (300 KiB of text). */
function largeCallback(id = 4242): string {
  return JSON.stringify({
    NotificationUrl: {
      target_url: 'https://example.com/callbacks/t',
      category: 'CHAT',
      event_type: 'CHAT_MESSAGE_RECEIVED',
      object: {
        ChatMessage: {
          id,
          created: '2026-01-01 10:00:00.000001',
          updated: '2026-01-01 10:00:00.000002',
          content: 'é'.repeat(150 * 1024),
        },
      },
    },
  });
}

describe('large callbacks', () => {
  it('stores an object too large for an event and publishes a reference a consumer can resolve', async () => {
    const h = await harness();
    const result = await h.handler(batch(sqsRecord(message(largeCallback()))), lambdaContext());
    expect(result.batchItemFailures).toEqual([]);
    expect(h.deadLetters.messages).toHaveLength(0);
    const detail = h.bus.details()[0] as unknown as CallbackEventDetail;
    expect(detail.object).toBeNull();
    expect(detail.objectRef?.uri).toMatch(/^file:\/\//);
    expect(detail).toMatchObject({
      objectType: 'ChatMessage',
      objectId: 4242,
      updatedAt: '2026-01-01T10:00:00.000002Z',
    });
    const original = (
      JSON.parse(largeCallback()) as { NotificationUrl: { object: { ChatMessage: unknown } } }
    ).NotificationUrl.object.ChatMessage;
    await expect(resolveCallbackObject(detail)).resolves.toEqual(original);
  });

  it('dedupes large callbacks like any other', async () => {
    const h = await harness();
    await h.handler(batch(sqsRecord(message(largeCallback()))), lambdaContext());
    await h.handler(batch(sqsRecord(message(largeCallback()))), lambdaContext());
    expect(h.bus.published).toHaveLength(1);
  });
});

describe('poison messages', () => {
  it('parks an event EventBridge rejects for its content at once, with the reason', async () => {
    const h = await harness();
    h.bus.answer = () => ({ ok: false, errorCode: 'MalformedDetail', errorMessage: 'Detail is malformed.' });
    const record = sqsRecord(message(fixtureText('mutation-payment')));
    const result = await h.handler(batch(record), lambdaContext());
    expect(result.batchItemFailures).toEqual([]);
    expect(h.deadLetters.messages[0]?.attributes[MESSAGE_ATTRIBUTE.deadLetterReason]).toBe('event-rejected');
    expect(h.visibility.delays).toEqual([]);
  });

  it('backs off a transient failure: each redelivery waits about twice as long', async () => {
    const h = await harness();
    h.bus.answer = () => ({ ok: false, errorCode: 'ThrottlingException', errorMessage: 'Rate exceeded' });
    const body = message(fixtureText('mutation-payment'));
    for (const receiveCount of [1, 2, 3]) {
      const record = sqsRecord(body, { receiveCount });
      const result = await h.handler(batch(record), lambdaContext());
      expect(result.batchItemFailures).toEqual([{ itemIdentifier: record.messageId }]);
      expect(h.visibility.delays.at(-1)?.receiptHandle).toBe(record.receiptHandle);
    }
    const [first, second, third] = h.visibility.delays.map((d) => d.seconds);
    expect(first).toBeGreaterThanOrEqual(8);
    expect(first).toBeLessThanOrEqual(12);
    expect(second).toBeGreaterThanOrEqual(16);
    expect(second).toBeLessThanOrEqual(24);
    expect(third).toBeGreaterThanOrEqual(32);
    expect(third).toBeLessThanOrEqual(48);
    expect(h.bus.published).toHaveLength(0);
    expect(h.deadLetters.messages).toHaveLength(0);
  });
});

describe('redrive', () => {
  it('publishes a redriven message once the fault is gone, and only once', async () => {
    const h = await harness();
    h.bus.answer = () => 'throw';
    const original = message(fixtureText('card-transaction'));
    // Five failed receives: SQS moves it to the dead-letter queue, attributes intact.
    for (let receiveCount = 1; receiveCount <= 5; receiveCount += 1) {
      await h.handler(batch(sqsRecord(original, { receiveCount })), lambdaContext());
    }
    expect(h.bus.published).toHaveLength(0);

    h.bus.answer = () => ({ ok: true, eventId: 'e-1' });
    // The message move task puts the same body and attributes back on the source queue as a new message.
    const redriven = sqsRecord(original);
    expect((await h.handler(batch(redriven), lambdaContext())).batchItemFailures).toEqual([]);
    expect(h.bus.published).toHaveLength(1);
  });

  it('suppresses a redriven message whose event was already published', async () => {
    const h = await harness();
    const original = message(fixtureText('request-inquiry'));
    await h.handler(batch(sqsRecord(original)), lambdaContext());
    await h.handler(batch(sqsRecord(original)), lambdaContext());
    expect(h.bus.published).toHaveLength(1);
    expect(h.lines.some((line) => line.includes('duplicate callback suppressed'))).toBe(true);
  });

  it('processes a redriven permanent failure normally once it is fixed by hand (same attributes kept)', async () => {
    const h = await harness();
    await h.handler(batch(sqsRecord(message('not json'))), lambdaContext());
    const parked = h.deadLetters.messages[0] as QueueMessage;
    // An operator repairs the body and redrives it: the dead-letter attributes ride along, harmlessly.
    const repaired = { body: fixtureText('mutation-payment'), attributes: parked.attributes };
    expect((await h.handler(batch(sqsRecord(repaired)), lambdaContext())).batchItemFailures).toEqual([]);
    expect(h.bus.published).toHaveLength(1);
  });
});

describe('metrics', () => {
  it('counts events by category, suppressed duplicates, claim checks and dead letters by reason', async () => {
    const h = await harness();
    await h.handler(batch(sqsRecord(message(fixtureText('mutation-payment')))), lambdaContext());
    await h.handler(batch(sqsRecord(message(fixtureText('mutation-payment')))), lambdaContext());
    await h.handler(batch(sqsRecord(message(largeCallback()))), lambdaContext());
    await h.handler(batch(sqsRecord(message('{"not":"bunq"}'))), lambdaContext());
    expect(h.metrics.named('EventsPublished')).toEqual(['1@category=MUTATION', '1@category=CHAT']);
    expect(h.metrics.named('DuplicatesSuppressed')).toEqual(['1']);
    expect(h.metrics.named('ClaimChecked')).toEqual(['1']);
    expect(h.metrics.named('DeadLettered')).toEqual(['1@reason=invalid-envelope']);
  });

  it('counts the events of one batch once per category (one metric document, not one per event)', async () => {
    const h = await harness();
    const records = [1, 2, 3].map((id) =>
      sqsRecord(message(fixtureText('mutation-payment').replace('"id": 1278', `"id": ${id}`))),
    );
    await h.handler(batch(...records, sqsRecord(message(fixtureText('request-inquiry')))), lambdaContext());
    expect(h.metrics.named('EventsPublished').sort()).toEqual(['1@category=REQUEST', '3@category=MUTATION']);
  });
});
