/**
 * The local SQS stand-in on its own, with a scripted handler: batch shape, partial batch responses,
 * redelivery after the visibility timeout, dead-lettering after max receives, drain and evacuation.
 */
import { createHash } from 'node:crypto';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { createDeadLetterSink, type DeadLetterSink } from '../../local/dead-letter-file';
import { QueueFullError } from '../../local/errors';
import { LocalQueue, type LocalQueueOptions, type SqsBatchHandler } from '../../local/local-queue';
import { LocalDatabase } from '../../local/sqlite/database';
import { createLogger } from '../../shared/logging/observability';
import type { QueueMessage } from '../../shared/pipeline/ports';
import { tempDirEachTest } from '../support/temp-dir';

const logger = createLogger('local-queue-test');

// A bound for a hung queue, not a timing assertion: every wait below is on a condition (the queue idle).
jest.setTimeout(60_000);
const DRAIN_BOUND_MS = 50_000;

/** Resolves once `condition` holds, checking after every timer turn (no fixed sleep). */
async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 5));
}

const message = (body: string): QueueMessage => ({
  body,
  attributes: {
    receivedAt: '2025-09-03T08:24:14.000Z',
    sourceIp: '127.0.0.1',
    requestId: `req-${body}`,
    bodyEncoding: 'utf8',
  },
});

interface Harness {
  readonly queue: LocalQueue;
  readonly deadLetters: DeadLetterSink;
  readonly calls: Array<{ event: SQSEvent; context: Context }>;
}

function harness(handler: SqsBatchHandler, options: Partial<LocalQueueOptions> = {}): Harness {
  const deadLetters = createDeadLetterSink({ logger });
  const calls: Harness['calls'] = [];
  const queue = new LocalQueue({
    handler: async (event, context) => {
      calls.push({ event, context });
      return handler(event, context);
    },
    deadLetters,
    logger,
    batchSize: 10,
    maxReceiveCount: 3,
    visibilityTimeoutMs: 20,
    ...options,
  });
  return { queue, deadLetters, calls };
}

/**
 * Every record handed to the handler, as [body, receive count], first batch first. The redeliveries become
 * visible on timers of their own, so whether they come back as one batch or two depends on the scheduler
 * (as on SQS): the order within one receive count is sorted away.
 */
const redeliveries = (calls: Harness['calls']): string[][] => {
  const [first, ...rest] = calls.map((call) =>
    call.event.Records.map((r) => [r.body, r.attributes.ApproximateReceiveCount ?? '']),
  );
  return [...(first ?? []), ...rest.flat().sort(([a = ''], [b = '']) => a.localeCompare(b))];
};

const succeed: SqsBatchHandler = async () => ({ batchItemFailures: [] });

let open: LocalQueue | undefined;
afterEach(() => {
  open?.close();
  open = undefined;
});
const track = (h: Harness): Harness => {
  open = h.queue;
  return h;
};

describe('LocalQueue', () => {
  it('hands the handler a real-shaped SQS event and Lambda context', async () => {
    const { queue, calls } = track(harness(succeed, { handlerTimeoutMs: 5_000 }));
    const sent = message('{"a":1}');
    await queue.send(sent);
    expect(await queue.drain(DRAIN_BOUND_MS)).toBe(true);

    expect(calls).toHaveLength(1);
    const { event, context } = calls[0] ?? { event: { Records: [] }, context: undefined };
    expect(event.Records).toHaveLength(1);
    const record = event.Records[0];
    expect(record).toMatchObject({
      messageId: expect.stringMatching(/^[0-9a-f-]{36}$/),
      receiptHandle: expect.any(String),
      body: '{"a":1}',
      md5OfBody: createHash('md5').update('{"a":1}').digest('hex'),
      md5OfMessageAttributes: expect.stringMatching(/^[0-9a-f]{32}$/),
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:local:000000000000:callbacks',
      awsRegion: 'local',
      attributes: {
        ApproximateReceiveCount: '1',
        SentTimestamp: expect.stringMatching(/^\d+$/),
        ApproximateFirstReceiveTimestamp: expect.stringMatching(/^\d+$/),
        SenderId: expect.any(String),
      },
    });
    expect(record?.messageAttributes.requestId).toEqual({
      stringValue: 'req-{"a":1}',
      stringListValues: [],
      binaryListValues: [],
      dataType: 'String',
    });
    expect(context).toMatchObject({
      functionName: 'local-normalize',
      awsRequestId: expect.any(String),
      invokedFunctionArn: 'arn:aws:lambda:local:000000000000:function:local-normalize',
    });
    const remaining = context?.getRemainingTimeInMillis() ?? 0;
    expect(remaining).toBeGreaterThan(0);
    expect(remaining).toBeLessThanOrEqual(5_000);
  });

  it('groups messages sent together into batches of at most batchSize', async () => {
    const { queue, calls } = track(harness(succeed, { batchSize: 4 }));
    await Promise.all(Array.from({ length: 10 }, (_, i) => queue.send(message(`m${i}`))));
    expect(await queue.drain(DRAIN_BOUND_MS)).toBe(true);

    expect(calls.map((call) => call.event.Records.length)).toEqual([4, 4, 2]);
    expect(queue.stats()).toMatchObject({
      deleted: 10,
      deadLettered: 0,
      visible: 0,
      inFlight: 0,
      delayed: 0,
    });
  });

  it('redelivers only the records reported in batchItemFailures, after the visibility timeout', async () => {
    let first = true;
    const { queue, calls } = track(
      harness(async (event): Promise<SQSBatchResponse> => {
        const failures = first
          ? event.Records.filter((r) => r.body === 'bad').map((r) => ({ itemIdentifier: r.messageId }))
          : [];
        first = false;
        return { batchItemFailures: failures };
      }),
    );
    await Promise.all([queue.send(message('good')), queue.send(message('bad'))]);
    expect(await queue.drain(DRAIN_BOUND_MS)).toBe(true);

    expect(
      calls.map((call) => call.event.Records.map((r) => [r.body, r.attributes.ApproximateReceiveCount])),
    ).toEqual([
      [
        ['good', '1'],
        ['bad', '1'],
      ],
      [['bad', '2']],
    ]);
  });

  /** Sends `a` and `b` in one batch; a first receive that failed as a whole brings both back once. */
  async function expectWholeBatchRedelivered(handler: SqsBatchHandler): Promise<void> {
    const { queue, calls } = track(harness(handler));
    await Promise.all([queue.send(message('a')), queue.send(message('b'))]);
    expect(await queue.drain(DRAIN_BOUND_MS)).toBe(true);
    expect(redeliveries(calls)).toEqual([
      ['a', '1'],
      ['b', '1'],
      ['a', '2'],
      ['b', '2'],
    ]);
  }

  it('redelivers the whole batch when the handler throws', async () => {
    let attempts = 0;
    await expectWholeBatchRedelivered(async () => {
      attempts += 1;
      if (attempts === 1) throw new Error('boom');
      return { batchItemFailures: [] };
    });
  });

  it('fails the whole batch on an itemIdentifier that is not in the batch, as Lambda does', async () => {
    let attempts = 0;
    await expectWholeBatchRedelivered(async () => {
      attempts += 1;
      return { batchItemFailures: attempts === 1 ? [{ itemIdentifier: 'no-such-id' }] : [] };
    });
  });

  it('dead-letters a message after maxReceiveCount failed receives, body and attributes intact', async () => {
    const { queue, calls, deadLetters } = track(
      harness(async (event) => ({
        batchItemFailures: event.Records.map((r) => ({ itemIdentifier: r.messageId })),
      })),
    );
    await queue.send(message('poison'));
    expect(await queue.drain(DRAIN_BOUND_MS)).toBe(true);

    expect(calls).toHaveLength(3);
    expect(deadLetters.records).toHaveLength(1);
    expect(deadLetters.records[0]).toMatchObject({
      reason: 'max-receive-count-exceeded',
      detail: expect.stringContaining('received 3 times'),
      queue: 'callbacks',
      body: 'poison',
      bodyEncoding: 'utf8',
      attributes: { requestId: 'req-poison', sourceIp: '127.0.0.1' },
    });
  });

  it('fails a batch whose handler runs past its timeout', async () => {
    let attempts = 0;
    const { queue, calls } = track(
      harness(
        async () => {
          attempts += 1;
          // The first attempt outlives its time limit whatever the machine's load: it ends only once the
          // queue has given up on it and redelivered the message.
          if (attempts === 1) await until(() => attempts === 2);
          return { batchItemFailures: [] };
        },
        { handlerTimeoutMs: 50 },
      ),
    );
    await queue.send(message('slow'));
    expect(await queue.drain(DRAIN_BOUND_MS)).toBe(true);
    expect(calls.map((call) => call.event.Records[0]?.attributes.ApproximateReceiveCount)).toEqual([
      '1',
      '2',
    ]);
  });

  it('never receives a message again while its handler holds it, however far past the visibility timeout', async () => {
    // In flight is a hold, not a lease: a backlog that takes longer to work through than the visibility
    // timeout must not have its held messages received again (and so dead-lettered after max receives).
    const { queue, calls, deadLetters } = track(
      harness(
        async (event) => {
          const held = (call: { event: SQSEvent }) => call.event.Records.some((r) => r.body === 'held');
          if (held({ event }) && calls.filter(held).length === 1) {
            const started = Date.now();
            // Many visibility timeouts (20 ms), and until a message sent later has been received meanwhile;
            // a second receive of it ends the wait at once, so the test fails instead of hanging.
            await until(
              () =>
                calls.filter(held).length > 1 ||
                (Date.now() - started > 10 * 20 &&
                  calls.some((call) => call.event.Records.some((record) => record.body === 'later'))),
            );
          }
          return { batchItemFailures: [] };
        },
        { concurrency: 2, batchSize: 1 },
      ),
    );
    await queue.send(message('held'));
    await until(() => calls.length === 1);
    await queue.send(message('later'));
    expect(await queue.drain(DRAIN_BOUND_MS)).toBe(true);
    expect(
      calls.flatMap((call) =>
        call.event.Records.map((record) => [record.body, record.attributes.ApproximateReceiveCount]),
      ),
    ).toEqual([
      ['held', '1'],
      ['later', '1'],
    ]);
    expect(deadLetters.count).toBe(0);
  });

  it('reports a drain timeout, then evacuates every remaining message to the dead-letter queue', async () => {
    const { queue, deadLetters } = track(
      harness(
        async (event) => ({ batchItemFailures: event.Records.map((r) => ({ itemIdentifier: r.messageId })) }),
        {
          visibilityTimeoutMs: 60_000,
          maxReceiveCount: 5,
        },
      ),
    );
    await Promise.all([queue.send(message('x')), queue.send(message('y'))]);

    // Both failed once and now wait out a 60 s visibility timeout: a drain bounded well below it cannot end.
    await until(() => queue.stats().delayed === 2);
    expect(await queue.drain(100)).toBe(false);
    expect(queue.stats()).toMatchObject({ delayed: 2 });
    expect(await queue.evacuate('drain-timeout', 'shutting down')).toBe(2);

    expect(queue.idle).toBe(true);
    expect(deadLetters.records.map((r) => [r.reason, r.body])).toEqual([
      ['drain-timeout', 'x'],
      ['drain-timeout', 'y'],
    ]);
  });

  it('refuses messages once closed', async () => {
    const { queue } = track(harness(succeed));
    queue.close();
    await expect(queue.send(message('late'))).rejects.toThrow(/closed/);
  });

  it('answers a send beyond the backlog bound with QueueFullError, and takes messages again once below', async () => {
    let release: (() => void) | undefined;
    const blocked = new Promise<void>((resolve) => {
      release = resolve;
    });
    const { queue } = track(
      harness(
        async () => {
          await blocked;
          return { batchItemFailures: [] };
        },
        { maxBacklog: 2, batchSize: 1 },
      ),
    );
    await queue.send(message('1'));
    await queue.send(message('2'));
    await expect(queue.send(message('3'))).rejects.toThrow(QueueFullError);
    release?.();
    expect(await queue.drain(2_000)).toBe(true);
    await expect(queue.send(message('4'))).resolves.toBeUndefined();
  });
});

describe('LocalQueue on a data directory', () => {
  const dir = tempDirEachTest('bunq-local-queue-');

  it('delivers after a restart what was accepted and not processed, with its receive count', async () => {
    const first = new LocalDatabase({ dataDir: dir() });
    // A handler that never finishes: the process "dies" with one message in flight and one waiting.
    const stuck = new LocalQueue({
      handler: () => new Promise(() => undefined),
      deadLetters: createDeadLetterSink({ logger }),
      logger,
      handlerTimeoutMs: 100,
      batchSize: 1,
      maxReceiveCount: 3,
      visibilityTimeoutMs: 20,
      database: first,
    });
    await stuck.send(message('in-flight'));
    await stuck.send(message('waiting'));
    await first.committed();
    stuck.close();
    first.close();

    const second = new LocalDatabase({ dataDir: dir() });
    const calls: string[] = [];
    const resumed = new LocalQueue({
      handler: async (event) => {
        calls.push(...event.Records.map((r) => `${r.body}:${r.attributes.ApproximateReceiveCount}`));
        return { batchItemFailures: [] };
      },
      deadLetters: createDeadLetterSink({ logger }),
      logger,
      batchSize: 10,
      maxReceiveCount: 3,
      visibilityTimeoutMs: 20,
      database: second,
    });
    expect(await resumed.drain(5_000)).toBe(true);
    expect(calls.sort()).toEqual(['in-flight:2', 'waiting:1']);
    resumed.close();
    second.close();
  });
});
