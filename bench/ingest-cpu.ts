/**
 * The ingest, warm: CPU per callback through the real handler with the queue client it ships with (the lean
 * SQS client), against the loopback stub `bench/aws-stub.ts` (real serialization, signing, digests, HTTP).
 * Floor: the same client sending the same body and nothing else. Reference: the AWS SDK's SQS client
 * sending the same message (what the ingest used before), so the lean client's saving is measured too.
 * Also counts the log bytes one accepted callback writes (the cost model's ingest log line). Composed as
 * the default configuration deploys it: signatures checked in `log` mode, with no key (the ingest reads
 * the bunq state only in `enforce` mode), on requests carrying bunq's signature header.
 */
import { randomBytes } from 'node:crypto';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { composeIngest } from '../functions/compose/ingest';
import { leanSqsQueue } from '../shared/aws/sqs-queue';
import { parsePipelineConfig } from '../shared/config/pipeline-config';
import { CALLBACK_SIGNATURE_HEADER } from '../shared/pipeline/ingest/callback-signature';
import { staticTokenSource } from '../shared/pipeline/ingest/token-source';
import { encodeQueuedCallback } from '../shared/pipeline/queued-callback';
import { SERVICE_NAMES } from '../shared/wiring/metrics';
import { apiGatewayEvent } from './api-gateway-event';
import { type Figure, figure, formatTable } from './figures';
import { countingObservability } from './observability';
import { callbackBodies } from './payloads';
import { startAwsStub } from './stub-process';

export const BENCH_TOKEN = 'bench-token-0123456789abcdefghijklmnopqrstuv';

/** CPU microseconds per call of `fn`, over `iterations` sequential calls. */
async function cpuPerCall(fn: () => Promise<unknown>, iterations: number): Promise<number> {
  const start = process.cpuUsage();
  for (let i = 0; i < iterations; i += 1) await fn();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / iterations;
}

export async function benchIngestCpu(samples = 15, perSample = 300): Promise<Figure[]> {
  const stub = await startAwsStub({ BENCH_TOKEN });
  const queueUrl = `${stub.endpoint}/123456789012/callbacks`;
  const credentials = { accessKeyId: 'bench', secretAccessKey: 'bench' };
  const queue = leanSqsQueue({ queueUrl, region: 'eu-west-1', credentials: () => credentials });
  const sdk = new SQSClient({ endpoint: stub.endpoint, region: 'eu-west-1', credentials });
  try {
    const observed = countingObservability(SERVICE_NAMES.ingest);
    // Composed as the Lambda entry composes it, with the queue client it ships with.
    const defaults = parsePipelineConfig({}).ingest;
    const handler = composeIngest(
      {
        allowedSourceCidrs: ['185.40.108.0/22'],
        maxBodyBytes: defaults.maxBodyBytes,
        callbackSignature: { mode: defaults.callbackSignature.mode },
      },
      {
        queue,
        tokens: staticTokenSource({ token: BENCH_TOKEN }),
        logger: observed.logger,
        metrics: observed.metrics,
      },
    );
    const bodies = callbackBodies(64);
    let i = 0;
    // What bunq sends beside each body: an RSA-2048 signature, base64.
    const headers = { [CALLBACK_SIGNATURE_HEADER]: randomBytes(256).toString('base64') };
    const request = () =>
      apiGatewayEvent({
        token: BENCH_TOKEN,
        body: bodies[i++ % bodies.length],
        sourceIp: '185.40.108.10',
        headers,
      });
    const real = async () => {
      const response = await handler(request());
      if (response.statusCode !== 200) throw new Error(`ingest answered ${response.statusCode}`);
    };
    // The floor builds the same event and the same message, then only sends it.
    const message = () => {
      const event = request();
      return encodeQueuedCallback({
        body: Buffer.from(event.body ?? ''),
        receivedAt: new Date().toISOString(),
        sourceIp: event.requestContext.http.sourceIp,
        requestId: event.requestContext.requestId,
      });
    };
    const floor = () => queue.send(message());
    const viaSdk = async () => {
      const { body, attributes } = message();
      await sdk.send(
        new SendMessageCommand({
          QueueUrl: queueUrl,
          MessageBody: body,
          MessageAttributes: Object.fromEntries(
            Object.entries(attributes).map(([name, value]) => [
              name,
              { DataType: 'String', StringValue: value },
            ]),
          ),
        }),
      );
    };
    for (const fn of [real, floor, viaSdk]) await cpuPerCall(fn, 200);
    observed.reset();
    await cpuPerCall(real, 100);
    const { bytes, events } = observed.counts();
    const reals: number[] = [];
    const floors: number[] = [];
    const sdks: number[] = [];
    for (let round = 0; round < samples; round += 1) {
      reals.push(await cpuPerCall(real, perSample));
      floors.push(await cpuPerCall(floor, perSample));
      sdks.push(await cpuPerCall(viaSdk, perSample));
    }
    return [
      figure({
        name: 'ingest warm CPU per callback',
        unit: 'µs',
        samples: reals,
        floor: { samples: floors, is: 'the same SendMessage with the same client, nothing else' },
        // The floor is the lean client's bare SendMessage, a quarter of the SDK's: the handler's own work
        // (verification, the metric document) weighs more against it than it did against the SDK's.
        budget: '≤ 2x floor',
        holds: (_, ratio) => ratio !== null && ratio <= 2,
      }),
      figure({
        name: 'SendMessage CPU with the AWS SDK SQS client (reference)',
        unit: 'µs',
        samples: sdks,
        floor: { samples: floors, is: 'the lean client the ingest ships with' },
        budget: 'report only',
        holds: () => true,
      }),
      figure({
        name: 'ingest log bytes per accepted callback',
        unit: 'B',
        // CloudWatch Logs bills 26 bytes per log event on top of its text.
        samples: (bytes + 26 * events) / 100,
        budget: 'report only',
        holds: () => true,
      }),
    ];
  } finally {
    sdk.destroy();
    await stub.stop();
  }
}

if (require.main === module) {
  void benchIngestCpu().then((figures) => {
    console.log(formatTable(figures));
    if (!figures.every((f) => f.pass)) process.exitCode = 1;
  });
}
