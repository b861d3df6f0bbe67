/**
 * Fault injection around the dedupe store, against dynalite where it can play the part: a crash between
 * publish and marker may repeat an event but never loses one; an unavailable or throttled DynamoDB holds
 * records back for redelivery and publishes nothing unmarked.
 */
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import type { IdempotencyRecord } from '@aws-lambda-powertools/idempotency/persistence';
import {
  DynamoDBClient,
  ProvisionedThroughputExceededException,
  PutItemCommand,
} from '@aws-sdk/client-dynamodb';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { createDedupeStore } from '../../functions/commons/dedupe-store';
import { encodeQueuedCallback } from '../../shared/pipeline/queued-callback';
import { DEDUPE_TABLE_KEY, DEDUPE_TABLE_TTL_ATTRIBUTE } from '../../shared/wiring/function-env';
import { useDynalite } from '../support/dynalite';
import { fixtureText } from '../support/fixtures';
import { lambdaContext, sqsRecord } from '../support/lambda';
import { normalizeHandlerOver, RecordingBus } from '../support/pipeline';

const db = useDynalite('faults');

const record = (): SQSRecord =>
  sqsRecord(
    encodeQueuedCallback({
      body: Buffer.from(fixtureText('mutation-payment')),
      receivedAt: '2026-01-01T00:00:00.000Z',
      sourceIp: '185.40.108.1',
      requestId: 'r',
    }),
  );
const batch = (...records: SQSRecord[]): SQSEvent => ({ Records: records });

function handlerWith(dedupe: DynamoDBPersistenceLayer, bus = new RecordingBus()) {
  const { handler } = normalizeHandlerOver({ dedupe, dedupeTtlSeconds: 86_400, bus });
  return { handler, bus };
}

/** A store whose "mark completed" write fails the first time: the state a crash right after publish leaves. */
class CrashAfterPublishStore extends DynamoDBPersistenceLayer {
  crashes = 1;
  protected override async _updateRecord(record: IdempotencyRecord): Promise<void> {
    if (this.crashes > 0) {
      this.crashes -= 1;
      throw new Error('process died before the marker was written');
    }
    await super._updateRecord(record);
  }
}

describe('delivery under faults', () => {
  it('may repeat, but never loses, an event when the process dies between publish and marker', async () => {
    const tableName = await db.freshTable();
    const store = new CrashAfterPublishStore({
      tableName,
      keyAttr: DEDUPE_TABLE_KEY,
      expiryAttr: DEDUPE_TABLE_TTL_ATTRIBUTE,
      awsSdkV3Client: db.dynamo.client,
    });
    const { handler, bus } = handlerWith(store);
    const message = record();

    // The invocation's claim expires with its deadline (the Lambda timeout, shorter than the visibility timeout).
    const first = await handler(batch(message), lambdaContext({ remainingMs: 100 }));
    expect(bus.published).toHaveLength(1);
    expect(first.batchItemFailures).toEqual([{ itemIdentifier: message.messageId }]);

    // SQS redelivers after the visibility timeout, by which time the claim has expired.
    await new Promise((resolve) => setTimeout(resolve, 150));
    const second = await handler(batch(message), lambdaContext());
    expect(second.batchItemFailures).toEqual([]);
    expect(bus.published).toHaveLength(2);

    // From now on the marker holds.
    await handler(batch(message), lambdaContext());
    expect(bus.published).toHaveLength(2);
  });

  it('publishes nothing while DynamoDB is unreachable, and the redelivery publishes once it is back', async () => {
    const unreachable = new DynamoDBClient({
      endpoint: 'http://127.0.0.1:9',
      region: 'eu-west-1',
      credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
      maxAttempts: 1,
    });
    const tableName = await db.freshTable();
    const bus = new RecordingBus();
    const down = handlerWith(createDedupeStore({ tableName, client: unreachable }), bus);
    const message = record();
    const failed = await down.handler(batch(message), lambdaContext());
    expect(failed.batchItemFailures).toEqual([{ itemIdentifier: message.messageId }]);
    expect(bus.published).toHaveLength(0);
    unreachable.destroy();

    const up = handlerWith(createDedupeStore({ tableName, client: db.dynamo.client }), bus);
    expect((await up.handler(batch(message), lambdaContext())).batchItemFailures).toEqual([]);
    expect(bus.published).toHaveLength(1);
  });

  it('holds records back while DynamoDB throttles the claim', async () => {
    const throttled = new DynamoDBClient({ region: 'eu-west-1' });
    const mock = mockClient(throttled);
    mock
      .on(PutItemCommand)
      .rejects(new ProvisionedThroughputExceededException({ message: 'Throughput exceeded', $metadata: {} }));
    const { handler, bus } = handlerWith(createDedupeStore({ tableName: 'throttled', client: throttled }));
    const message = record();
    const result = await handler(batch(message), lambdaContext());
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: message.messageId }]);
    expect(bus.published).toHaveLength(0);
    mock.restore();
  });
});
