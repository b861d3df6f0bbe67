/**
 * Fault injection around the dedupe store against dynalite: the batch-commit cases of
 * `test/support/dedupe-cases.ts`, and an unavailable or throttled DynamoDB holding records back for
 * redelivery and publishing nothing unmarked.
 */
import {
  DynamoDBClient,
  ProvisionedThroughputExceededException,
  PutItemCommand,
} from '@aws-sdk/client-dynamodb';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { createDedupeStore } from '../../functions/commons/dedupe-store';
import type { DedupeStore } from '../../shared/pipeline/normalize/dedupe';
import { encodeQueuedCallback } from '../../shared/pipeline/queued-callback';
import { dedupeStoreCases } from '../support/dedupe-cases';
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

function handlerWith(dedupe: DedupeStore, bus = new RecordingBus()) {
  const { handler } = normalizeHandlerOver({ dedupe, dedupeTtlSeconds: 86_400, bus });
  return { handler, bus };
}

describe('batch-commit dedupe on dynalite', () => {
  dedupeStoreCases({ client: () => db.dynamo.client, freshTable: () => db.freshTable() });
});

describe('delivery under faults', () => {
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
