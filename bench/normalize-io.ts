/**
 * The normalizer per record with its SDK calls: the real handler, composed with the real SDK clients and
 * the DynamoDB dedupe store, against the loopback stub `bench/aws-stub.ts` (kept-alive connections, as
 * Lambda's clients have; moto closes every connection, which adds a TCP handshake per call). Per record it
 * claims the dedupe key (PutItem) and publishes (PutEvents); per batch it commits the published keys in one
 * item (PutItem).
 *
 * Measured: CPU of this process per record (the stub's CPU is its own process's), at batches of 1 and of 10,
 * so the cost model can split a fixed cost per invocation from a cost per record. Floor: the same SDK calls
 * with the same clients at batches of 10, and nothing of the pipeline around them.
 */
import { randomUUID } from 'node:crypto';
import { DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { SQSEvent } from 'aws-lambda';
import { eventBridgePublisher, sqsQueue } from '../functions/commons/aws-adapters';
import { normalizeTableStores } from '../functions/commons/table-stores';
import { composeNormalize } from '../functions/compose/normalize';
import { encodeQueuedCallback } from '../shared/pipeline/queued-callback';
import { SERVICE_NAMES } from '../shared/wiring/metrics';
import { lambdaContext, sqsRecord } from '../test/support/lambda';
import { type Figure, figure, formatTable } from './figures';
import { countingObservability } from './observability';
import { callbackBodies } from './payloads';
import { startAwsStub } from './stub-process';

const credentials = { accessKeyId: 'bench', secretAccessKey: 'bench' };
const region = 'eu-west-1';

/** CPU microseconds of this process spent in `fn`. */
async function cpuOf(fn: () => Promise<unknown>): Promise<number> {
  const start = process.cpuUsage();
  await fn();
  const used = process.cpuUsage(start);
  return used.user + used.system;
}

export interface NormalizeIoOptions {
  /** Samples per figure. @default 15 */
  readonly samples?: number;
  /** Records per sample. @default 60 */
  readonly recordsPerSample?: number;
}

/** Per-record CPU of the normalizer at batches of 1 and 10, and of its SDK calls alone. */
export async function benchNormalizeIo(options: NormalizeIoOptions = {}): Promise<Figure[]> {
  const samples = options.samples ?? 15;
  const perSample = options.recordsPerSample ?? 60;
  const stub = await startAwsStub();
  const config = { endpoint: stub.endpoint, region, credentials };
  const dynamo = new DynamoDBClient(config);
  const events = new EventBridgeClient(config);
  const sqs = new SQSClient(config);
  try {
    const table = 'bench-dedupe';
    const observed = countingObservability(SERVICE_NAMES.normalize);
    const { logger, metrics } = observed;
    // Composed as the Lambda entry composes it (without the claim-check store and the backoff, which the
    // happy path never touches).
    const handler = composeNormalize(
      { eventSource: 'bunq', dedupeTtlSeconds: 259_200, recordArrivals: false },
      {
        publisher: eventBridgePublisher(events, 'bench-bus'),
        deadLetters: sqsQueue(sqs, `${stub.endpoint}/123456789012/bench-dlq`),
        ...normalizeTableStores(dynamo, table, 259_200),
        logger,
        metrics,
      },
    );
    // Distinct callbacks only: every record claims and publishes (no duplicate shortcut).
    const bodies = callbackBodies(samples * perSample * 2 + 40 * 11);
    let next = 0;
    const batch = (size: number): SQSEvent => ({
      Records: Array.from({ length: size }, () =>
        sqsRecord(
          encodeQueuedCallback({
            body: Buffer.from(bodies[next++] as string),
            receivedAt: new Date().toISOString(),
            sourceIp: '185.40.108.10',
            requestId: randomUUID(),
          }),
        ),
      ),
    });
    const logBytes = new Map<number, number[]>();
    const run = async (size: number, records: number): Promise<number> => {
      const batches = Array.from({ length: Math.ceil(records / size) }, () => batch(size));
      observed.reset();
      const cpu = await cpuOf(async () => {
        for (const event of batches) {
          const answer = await handler(event, lambdaContext());
          if (answer.batchItemFailures.length > 0) throw new Error('a record failed in the bench');
        }
      });
      // CloudWatch Logs bills 26 bytes per log event on top of its text.
      const { bytes, events } = observed.counts();
      const perRecord = (bytes + 26 * events) / (batches.length * size);
      logBytes.set(size, [...(logBytes.get(size) ?? []), perRecord]);
      return cpu / (batches.length * size);
    };

    // The floor: the same calls, with the same clients and item shapes: a claim and a publish per record,
    // and a batch item for every 10.
    const expiration = () => ({ N: String(Math.floor(Date.now() / 1_000) + 259_200) });
    const floorRecord = async (index: number): Promise<void> => {
      await dynamo.send(
        new PutItemCommand({
          TableName: table,
          Item: {
            id: { S: `bench-floor#${randomUUID()}` },
            expiration: expiration(),
            status: { S: 'CLAIMED' },
            batch: { S: `${randomUUID()}.0` },
            in_progress_expiration: { N: String(Date.now() + 30_000) },
          },
          ConditionExpression: 'attribute_not_exists(id)',
        }),
      );
      await events.send(
        new PutEventsCommand({
          Entries: [
            {
              EventBusName: 'bench-bus',
              Source: 'bunq',
              DetailType: 'MUTATION',
              Detail: bodies[next++ % bodies.length],
              Time: new Date(),
            },
          ],
        }),
      );
      if (index % 10 !== 9) return;
      const published = Object.fromEntries(
        Array.from({ length: 10 }, () => [randomUUID().slice(0, 24), { S: randomUUID() }]),
      );
      await dynamo.send(
        new PutItemCommand({
          TableName: table,
          Item: {
            id: { S: `bench-floor-batch#${randomUUID()}.0` },
            status: { S: 'BATCH' },
            published: { M: published },
            expiration: expiration(),
          },
        }),
      );
    };
    const floorRun = (records: number) =>
      cpuOf(async () => {
        for (let i = 0; i < records; i += 1) await floorRecord(i);
      }).then((cpu) => cpu / records);

    // Warm the JIT, the connections and moto.
    await run(10, 40);
    await run(1, 40);
    await floorRun(40);
    const batchOf10: number[] = [];
    const batchOf1: number[] = [];
    const floor: number[] = [];
    for (let i = 0; i < samples; i += 1) {
      batchOf10.push(await run(10, perSample));
      batchOf1.push(await run(1, Math.max(10, perSample / 3)));
      floor.push(await floorRun(Math.max(10, perSample / 3)));
    }
    const floorIs = 'PutItem + PutEvents per record and a PutItem per 10, same clients, nothing else';
    return [
      figure({
        name: 'normalize CPU per record, batches of 10 (SDK calls to a loopback stub)',
        unit: 'µs',
        samples: batchOf10,
        floor: { samples: floor, is: floorIs },
        budget: '≤ 2x floor',
        holds: (_, ratio) => ratio !== null && ratio <= 2,
      }),
      ...[10, 1].map((size) =>
        figure({
          name: `normalize log bytes per record, batches of ${size}`,
          unit: 'B',
          samples: logBytes.get(size) ?? [],
          budget: 'report only',
          holds: () => true,
        }),
      ),
      figure({
        name: 'normalize CPU per record, batches of 1 (SDK calls to a loopback stub)',
        unit: 'µs',
        samples: batchOf1,
        floor: { samples: floor, is: floorIs },
        budget: 'report only',
        holds: () => true,
      }),
    ];
  } finally {
    dynamo.destroy();
    events.destroy();
    sqs.destroy();
    await stub.stop();
  }
}

if (require.main === module) {
  void (async () => {
    const figures = await benchNormalizeIo();
    console.log(formatTable(figures));
    if (!figures.every((f) => f.pass)) process.exitCode = 1;
  })();
}
