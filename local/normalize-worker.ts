/**
 * The local runtime's normalize thread (a `worker_threads` worker, started by `normalize-thread.ts`): the
 * SQS event source mapping and the normalize handler, composed as in Lambda (`composeNormalize`: the same
 * core, local adapters), on the state database. It takes the callbacks the HTTP thread committed to the
 * inbox, processes them, and writes the events file. Only its counts, the events (for `onEvent`) and the
 * in-memory dead letters travel back to the HTTP thread, as messages.
 */
import { writeSync } from 'node:fs';
import { type MessagePort, parentPort, workerData } from 'node:worker_threads';
import { composeNormalize } from '../functions/compose/normalize';
import type { PipelineConfig } from '../shared/config/pipeline-config';
import { createLogger } from '../shared/logging/observability';
import type { BackoffPolicy } from '../shared/pipeline/backoff';
import type { DeadLetterQueue, MessageVisibility } from '../shared/pipeline/ports';
import { SERVICE_NAMES } from '../shared/wiring/metrics';
import { createDeadLetterSink } from './dead-letter-file';
import { createLocalEventBus, type LocalBusEvent, routeMatcher } from './event-bus';
import { formatEventLine } from './event-line';
import { createFileObjectStore } from './file-object-store';
import { type JsonLinesFile, openJsonLinesFile } from './json-lines-file';
import { LocalQueue } from './local-queue';
import type { FromNormalizeThread, NormalizeThreadStats, ToNormalizeThread } from './normalize-thread';
import { LocalDatabase, type SynchronousMode } from './sqlite/database';
import { SqliteDedupeStore } from './sqlite/dedupe-store';
import { EventOutbox } from './sqlite/event-outbox';
import { InboxReader } from './sqlite/inbox';
import { sqliteArrivals } from './sqlite/recovery-store';

/** What the HTTP thread hands the normalize thread at start (plain data: it is copied). */
export interface NormalizeWorkerData {
  readonly dataDir: string;
  readonly synchronous: SynchronousMode;
  readonly config: PipelineConfig;
  readonly eventsFile: string | undefined;
  readonly deadLetterFile: string | undefined;
  readonly claimCheckDir: string;
  readonly handlerTimeoutMs: number;
  readonly visibilityTimeoutMs: number;
  readonly concurrency: number;
  readonly retryBackoff: BackoffPolicy;
  /** Record arrivals for the failure poller. */
  readonly recordArrivals: boolean;
  /** Send each event back (the runtime has an `onEvent`). */
  readonly forwardEvents: boolean;
  /** Print each event's line (`formatEventLine`) on stdout from this thread. */
  readonly printEvents: boolean;
}

/**
 * Writes all of `bytes` to `fd`: the HTTP thread's libuv may have made the fd non-blocking (a pipe), so a
 * full pipe answers EAGAIN or takes part of a write; this thread waits for the reader then.
 */
function writeAll(fd: number, bytes: Uint8Array): void {
  let written = 0;
  while (written < bytes.length) {
    try {
      written += writeSync(fd, bytes, written);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') throw error;
      Atomics.wait(PAUSE, 0, 0, 1);
    }
  }
}
const PAUSE = new Int32Array(new SharedArrayBuffer(4));

// Logs go straight to the process's stdout and stderr, a line per write: a worker's own process.stdout
// hands every chunk to the HTTP thread and buffers without bound while that thread is busy. Set before any
// logger is made (Powertools binds its console to process.stdout when it constructs).
for (const [stream, fd] of [
  [process.stdout, 1],
  [process.stderr, 2],
] as const) {
  stream.write = ((chunk: string | Uint8Array, ...rest: unknown[]): boolean => {
    writeAll(fd, typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk);
    const done = rest.find((arg) => typeof arg === 'function') as (() => void) | undefined;
    done?.();
    return true;
  }) as typeof stream.write;
}

if (parentPort === null)
  throw new Error('normalize-worker.ts runs as a worker thread (see normalize-thread.ts)');
const port: MessagePort = parentPort;
const PROGRESS_INTERVAL_MS = 20;
const post = (message: FromNormalizeThread): void => port.postMessage(message);

async function start(data: NormalizeWorkerData): Promise<void> {
  const { config } = data;
  const logger = createLogger(SERVICE_NAMES.local);
  const database = new LocalDatabase({
    dataDir: data.dataDir,
    synchronous: data.synchronous,
    exclusive: false,
  });
  const inbox = new InboxReader(database, data.dataDir);
  const deadLetterFile: JsonLinesFile | undefined =
    data.deadLetterFile === undefined ? undefined : await openJsonLinesFile(data.deadLetterFile);
  const events = new EventOutbox({
    database,
    file: data.eventsFile,
    // Long enough to settle any claim a killed process left in progress (they expire with the handler).
    retentionMs: Math.max(2 * data.handlerTimeoutMs, 300_000),
    fsync: database.synchronous === 'full',
    logger,
  });
  let forwarded: Array<[LocalBusEvent, string[]]> = [];
  const forwardEvents = (): void => {
    const items = forwarded;
    forwarded = [];
    post({ type: 'events', items });
  };
  // Printed here, a write per turn: an event copied to the HTTP thread only to print a line costs both threads.
  let printed: string[] = [];
  const printEvents = (): void => {
    const lines = printed;
    printed = [];
    process.stdout.write(`${lines.join('\n')}\n`);
  };
  const onEvent = (event: LocalBusEvent, routes: readonly string[]): void => {
    if (data.printEvents) {
      printed.push(formatEventLine(event, routes));
      if (printed.length === 1) setImmediate(printEvents);
    }
    if (data.forwardEvents) {
      forwarded.push([event, [...routes]]);
      if (forwarded.length === 1) setImmediate(forwardEvents);
    }
  };
  const bus = createLocalEventBus({
    file: events,
    logger,
    routes: routeMatcher(config.routes, config.eventSource),
    onEvent: data.forwardEvents || data.printEvents ? onEvent : undefined,
  });
  const sink = createDeadLetterSink({ file: deadLetterFile, logger, queueName: 'callbacks' });
  const deadLetters: DeadLetterQueue = {
    async send(message) {
      await sink.send(message);
      // Without a file the records are kept in memory, on the HTTP thread where the runtime shows them.
      const record = deadLetterFile === undefined ? sink.records.at(-1) : undefined;
      if (record !== undefined) post({ type: 'deadLetter', record });
    },
  };
  let queue: LocalQueue | undefined;
  const visibility: MessageVisibility = {
    delay: async (receiptHandle, seconds) => queue?.delay(receiptHandle, seconds),
  };
  const dedupeTtlSeconds = config.dedupe.ttlHours * 3_600;
  const normalize = composeNormalize(
    {
      eventSource: config.eventSource,
      dedupeTtlSeconds,
      backoff: data.retryBackoff,
      recordArrivals: data.recordArrivals,
    },
    {
      publisher: bus,
      deadLetters,
      dedupe: new SqliteDedupeStore(database, {
        published: (since) => events.publishedSince(since),
        // What the normalizer's idempotent publish returns.
        response: (eventId) => ({ eventId }),
      }),
      arrivals: sqliteArrivals({ database, ttlSeconds: dedupeTtlSeconds }),
      objectStore: createFileObjectStore(data.claimCheckDir),
      visibility,
    },
  );
  const callbackQueue = new LocalQueue({
    handler: normalize,
    deadLetters,
    logger,
    batchSize: config.queue.batchSize,
    maxReceiveCount: config.queue.maxReceiveCount,
    visibilityTimeoutMs: data.visibilityTimeoutMs,
    handlerTimeoutMs: data.handlerTimeoutMs,
    concurrency: data.concurrency,
    database,
    intake: inbox,
  });
  queue = callbackQueue;

  const stats = (): NormalizeThreadStats => ({
    queue: callbackQueue.stats(),
    events: events.count,
    deadLetters: sink.count,
    cursor: inbox.cursor,
    held: callbackQueue.held,
    waiting: inbox.waiting,
    backlog: callbackQueue.backlog,
  });
  let progressScheduled = false;
  let stopped = false;
  // At most every PROGRESS_INTERVAL_MS: the counts cost a few queries, and the HTTP thread only needs them
  // for its backlog bound, the inbox's pruning and `stats()`; replies carry fresh ones.
  database.onCommit(() => {
    if (progressScheduled || stopped) return;
    progressScheduled = true;
    setTimeout(() => {
      progressScheduled = false;
      if (!stopped) post({ type: 'progress', stats: stats() });
    }, PROGRESS_INTERVAL_MS).unref();
  });

  const stop = async (): Promise<NormalizeThreadStats> => {
    await bus.flush();
    await sink.flush();
    const final = stats();
    stopped = true;
    callbackQueue.close();
    events.close();
    await deadLetterFile?.close();
    inbox.close();
    database.close();
    return final;
  };

  port.on('message', (message: ToNormalizeThread) => {
    const reply = (value: unknown): void =>
      post({ type: 'reply', id: message.id, value, stats: stopped ? undefined : stats() });
    const fail = (error: unknown): void =>
      post({ type: 'reply', id: message.id, error: error instanceof Error ? error.message : String(error) });
    switch (message.type) {
      case 'wake':
        callbackQueue.wake();
        return;
      case 'drain':
        callbackQueue.wake();
        callbackQueue.drain(message.timeoutMs).then(reply, fail);
        return;
      case 'evacuate':
        callbackQueue.evacuate(message.reason, message.detail).then(reply, fail);
        return;
      case 'stop':
        stop().then((final) => {
          post({ type: 'reply', id: message.id, value: final, stats: final });
          port.close();
        }, fail);
        return;
    }
  });
  post({ type: 'ready', stats: stats() });
}

start(workerData as NormalizeWorkerData).catch((error: unknown) => {
  post({
    type: 'failed',
    name: error instanceof Error ? error.name : 'Error',
    message: error instanceof Error ? error.message : String(error),
  });
});
