/** Contract 2's `detail.userId`: from the queued callback's `userId` attribute to the published event. */
import type { SQSEvent } from 'aws-lambda';
import { callbackEventDetailSchema } from '../../../../../shared/contract/callback-event';
import {
  decodeQueuedCallback,
  encodeQueuedCallback,
  MalformedQueueMessageError,
} from '../../../../../shared/pipeline/queued-callback';
import { MemoryPersistence } from '../../../../fuzz/normalize-run';
import { fixtureText } from '../../../../support/fixtures';
import { lambdaContext, sqsRecord } from '../../../../support/lambda';
import { normalizeHandlerOver } from '../../../../support/pipeline';

const queued = (userId: number | null) =>
  encodeQueuedCallback({
    body: Buffer.from(fixtureText('mutation-payment')),
    receivedAt: '2025-01-01T00:00:00.000Z',
    sourceIp: '185.40.108.10',
    requestId: 'r',
    userId,
  });

describe('user attribution', () => {
  it('publishes detail.userId from the message attribute, and null without one', async () => {
    const { handler, bus } = normalizeHandlerOver({
      dedupe: new MemoryPersistence(),
      dedupeTtlSeconds: 3_600,
    });
    const event = { Records: [sqsRecord(queued(4711))] } as SQSEvent;
    await handler(event, lambdaContext());
    const details = bus.published.map((entry) => callbackEventDetailSchema.parse(JSON.parse(entry.detail)));
    expect(details.map((detail) => detail.userId)).toEqual([4711]);

    const other = normalizeHandlerOver({ dedupe: new MemoryPersistence(), dedupeTtlSeconds: 3_600 });
    await other.handler({ Records: [sqsRecord(queued(null))] } as SQSEvent, lambdaContext());
    expect(JSON.parse(other.bus.published[0]?.detail ?? '{}').userId).toBeNull();
  });

  it('keeps the dedupe key whatever the user segment (a callback is one event)', async () => {
    const { handler, bus } = normalizeHandlerOver({
      dedupe: new MemoryPersistence(),
      dedupeTtlSeconds: 3_600,
    });
    await handler({ Records: [sqsRecord(queued(4711))] } as SQSEvent, lambdaContext());
    await handler({ Records: [sqsRecord(queued(null))] } as SQSEvent, lambdaContext());
    expect(bus.published).toHaveLength(1);
  });

  it('refuses a userId attribute that is not a bunq user id', () => {
    const message = { ...queued(null), attributes: { ...queued(null).attributes, userId: 'abc' } };
    expect(() => decodeQueuedCallback(message, '2025-01-01T00:00:00.000Z')).toThrow(
      MalformedQueueMessageError,
    );
  });
});
