/**
 * An in-process stand-in for the SQS callbacks queue and its Lambda event source mapping: it keeps each
 * message on disk (see `sqlite/queue-store.ts`) with an id and a receive count, hands batches to the
 * normalize handler as a real-shaped `SQSEvent` with a Lambda-like `Context`, deletes what succeeded, makes
 * what failed visible again after the visibility timeout, and moves a message to the dead-letter queue once
 * it has failed `maxReceiveCount` receives. `send` resolves only once the message is committed to disk.
 * Event-driven: a send or an expiring visibility timeout wakes the consumer; nothing polls.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Context, SQSBatchResponse, SQSEvent, SQSMessageAttributes, SQSRecord } from 'aws-lambda';
import type {
  CallbackQueue,
  DeadLetterQueue,
  MessageVisibility,
  QueueMessage,
} from '../shared/pipeline/ports';
import { MESSAGE_ATTRIBUTE } from '../shared/pipeline/queued-callback';
import { QueueClosedError, QueueFullError } from './errors';
import { LocalDatabase, TransactionalCount } from './sqlite/database';
import { newMessage, SqliteQueueStore, type StoredMessage } from './sqlite/queue-store';

/** The normalize handler's shape (a Lambda SQS handler with partial batch responses). */
export type SqsBatchHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse | undefined>;

export interface LocalQueueOptions {
  readonly handler: SqsBatchHandler;
  readonly deadLetters: DeadLetterQueue;
  readonly logger: Logger;
  /** Records per invocation at most. */
  readonly batchSize: number;
  /** Receives before a failing message is dead-lettered. */
  readonly maxReceiveCount: number;
  /** Milliseconds a received message stays hidden; a failed one reappears when it ends. @default 2000 */
  readonly visibilityTimeoutMs?: number;
  /** The handler's time limit, as `getRemainingTimeInMillis` reports it; a batch over it fails. @default 30000 */
  readonly handlerTimeoutMs?: number;
  /** Handler invocations running at once. @default 1 */
  readonly concurrency?: number;
  /** @default 'callbacks' */
  readonly queueName?: string;
  /** @default 'local-normalize' */
  readonly functionName?: string;
  /** @default 'local' */
  readonly region?: string;
  /** @default '000000000000' */
  readonly accountId?: string;
  /** Where the messages live. @default a throwaway in-memory database (nothing survives the process) */
  readonly database?: LocalDatabase;
  /**
   * Messages held at most; `send` beyond it throws {@link QueueFullError} (the ingest answers 503, bunq
   * retries later). @default no bound
   */
  readonly maxBacklog?: number;
  /**
   * Messages sent elsewhere, taken before each receive while fewer than a few batches are visible (the rest
   * waits where it is, on disk). @default none: only {@link LocalQueue.send}
   */
  readonly intake?: QueueIntake;
}

/** Where messages sent elsewhere wait until the queue takes them (the HTTP thread's inbox). */
export interface QueueIntake {
  /** Moves up to `limit` messages onto `store`, in its database's open transaction; returns how many. */
  take(store: SqliteQueueStore, limit: number): number;
  /** Messages waiting to be taken. */
  readonly waiting: number;
}

/** Reasons the queue itself gives when it dead-letters a message. */
export const QUEUE_DEAD_LETTER_REASON = {
  maxReceiveCountExceeded: 'max-receive-count-exceeded',
  drainTimeout: 'drain-timeout',
} as const;

export interface LocalQueueStats {
  /** Waiting to be received. */
  readonly visible: number;
  /** Handed to a running invocation. */
  readonly inFlight: number;
  /** Failed, hidden until their visibility timeout ends. */
  readonly delayed: number;
  readonly invocations: number;
  readonly deleted: number;
  readonly deadLettered: number;
}

/** Messages taken from the intake per transaction at most. */
const INTAKE_CHUNK = 1_000;

/** A message an invocation holds: its receipt, and when a visibility change asked it back. */
interface Held {
  readonly stored: StoredMessage;
  readonly receiptHandle: string;
  visibleAt: number | undefined;
}

function toMessageAttributes(attributes: Readonly<Record<string, string>>): SQSMessageAttributes {
  const result: SQSMessageAttributes = {};
  for (const [name, value] of Object.entries(attributes)) {
    result[name] = { stringValue: value, stringListValues: [], binaryListValues: [], dataType: 'String' };
  }
  return result;
}

/**
 * Which records of a batch failed, by Lambda's rules for partial batch responses: a missing or empty list is
 * complete success; an entry without a valid message id of this batch fails the whole batch.
 */
function failedRecords(
  response: unknown,
  batchIds: ReadonlySet<string>,
): { ids: Set<string>; invalid?: string } {
  if (response === undefined || response === null) return { ids: new Set() };
  if (typeof response !== 'object') return { ids: new Set(batchIds), invalid: 'response is not an object' };
  const failures: unknown = (response as { batchItemFailures?: unknown }).batchItemFailures;
  if (failures === undefined || failures === null) return { ids: new Set() };
  if (!Array.isArray(failures)) return { ids: new Set(batchIds), invalid: 'batchItemFailures is not a list' };
  const ids = new Set<string>();
  for (const failure of failures) {
    const id: unknown = (failure as { itemIdentifier?: unknown } | null)?.itemIdentifier;
    if (typeof id !== 'string' || !batchIds.has(id)) {
      return {
        ids: new Set(batchIds),
        invalid: `itemIdentifier ${JSON.stringify(id)} is not a message of this batch`,
      };
    }
    ids.add(id);
  }
  return { ids };
}

export class LocalQueue implements CallbackQueue, MessageVisibility {
  readonly #options: LocalQueueOptions;
  readonly #visibilityTimeoutMs: number;
  readonly #handlerTimeoutMs: number;
  readonly #concurrency: number;
  readonly #queueArn: string;
  readonly #functionArn: string;
  readonly #database: LocalDatabase;
  readonly #ownsDatabase: boolean;
  readonly #store: SqliteQueueStore;
  readonly #maxBacklog: number;
  /** Messages handed to running invocations, by receipt handle. */
  readonly #held = new Map<string, Held>();
  readonly #idleWaiters = new Set<() => void>();
  #running = 0;
  #wakeScheduled = false;
  #timer: NodeJS.Timeout | undefined;
  #timerAt = Number.POSITIVE_INFINITY;
  #closed = false;
  /** Stats as they were at close (the database may be closed after the queue). */
  #finalStats: LocalQueueStats | undefined;
  #invocations = 0;
  /** Follow the database: a delete whose commit failed is not counted. */
  readonly #deleted: TransactionalCount;
  readonly #deadLettered: TransactionalCount;

  constructor(options: LocalQueueOptions) {
    this.#options = options;
    this.#visibilityTimeoutMs = options.visibilityTimeoutMs ?? 2_000;
    this.#handlerTimeoutMs = options.handlerTimeoutMs ?? 30_000;
    this.#concurrency = options.concurrency ?? 1;
    this.#maxBacklog = options.maxBacklog ?? Number.POSITIVE_INFINITY;
    const region = options.region ?? 'local';
    const account = options.accountId ?? '000000000000';
    const functionName = options.functionName ?? 'local-normalize';
    this.#queueArn = `arn:aws:sqs:${region}:${account}:${options.queueName ?? 'callbacks'}`;
    this.#functionArn = `arn:aws:lambda:${region}:${account}:function:${functionName}`;
    if (!Number.isInteger(options.batchSize) || options.batchSize < 1) {
      throw new RangeError(`batchSize must be a positive whole number, got ${options.batchSize}`);
    }
    if (!Number.isInteger(options.maxReceiveCount) || options.maxReceiveCount < 1) {
      throw new RangeError(`maxReceiveCount must be a positive whole number, got ${options.maxReceiveCount}`);
    }
    if (!Number.isInteger(this.#concurrency) || this.#concurrency < 1) {
      throw new RangeError(`concurrency must be a positive whole number, got ${this.#concurrency}`);
    }
    if (!(this.#maxBacklog >= 1)) {
      throw new RangeError(`maxBacklog must be at least 1, got ${options.maxBacklog}`);
    }
    this.#ownsDatabase = options.database === undefined;
    this.#database = options.database ?? new LocalDatabase({ dataDir: ':memory:' });
    this.#store = new SqliteQueueStore(this.#database, this.#visibilityTimeoutMs);
    this.#deleted = new TransactionalCount(this.#database);
    this.#deadLettered = new TransactionalCount(this.#database);
    // What a previous run left on disk is delivered as if it had just been sent.
    if (this.backlog > 0) this.#wake();
  }

  /** Enqueues a message; resolves once it is committed to disk (the local meaning of "durably accepted"). */
  async send(message: QueueMessage): Promise<void> {
    if (this.#closed) throw new QueueClosedError('the local queue is closed and takes no new messages');
    if (this.#store.size >= this.#maxBacklog) {
      throw new QueueFullError(
        `the local queue holds ${this.#store.size} messages, its bound (maxBacklog ${this.#maxBacklog}); the message was not taken`,
      );
    }
    this.#store.add(newMessage(message));
    this.#wake();
    await this.#database.committed();
  }

  stats(): LocalQueueStats {
    if (this.#finalStats !== undefined) return this.#finalStats;
    const inFlight = this.#held.size;
    const delayed = this.#store.delayed(Date.now());
    return {
      visible: Math.max(0, this.#store.size - inFlight - delayed) + this.#waiting,
      inFlight,
      delayed,
      invocations: this.#invocations,
      deleted: this.#deleted.value,
      deadLettered: this.#deadLettered.value,
    };
  }

  /** Messages held on disk: visible, in flight or waiting for redelivery. */
  get backlog(): number {
    return this.#store.size + this.#waiting;
  }

  /** Messages on disk: those the queue holds (visible, in flight, waiting for redelivery). */
  get held(): number {
    return this.#store.size;
  }

  /** True when no message is visible, in flight or waiting for redelivery, and no invocation runs. */
  get idle(): boolean {
    return this.#store.size === 0 && this.#running === 0 && this.#waiting === 0;
  }

  get #waiting(): number {
    return this.#options.intake?.waiting ?? 0;
  }

  /** Wakes the consumer (messages arrived in the intake). */
  wake(): void {
    this.#wake();
  }

  /** Takes what waits in the intake, up to `limit`, whatever is visible already; returns how many. */
  takeIn(limit = Number.POSITIVE_INFINITY): number {
    const intake = this.#options.intake;
    if (intake === undefined || this.#closed) return 0;
    let taken = 0;
    for (;;) {
      const moved = intake.take(this.#store, Math.min(INTAKE_CHUNK, limit - taken));
      taken += moved;
      if (moved === 0 || taken >= limit) return taken;
    }
  }

  /**
   * Resolves `true` once the queue is idle (every message deleted or dead-lettered, including those waiting
   * for redelivery), or `false` when `timeoutMs` passes first.
   */
  drain(timeoutMs = Number.POSITIVE_INFINITY): Promise<boolean> {
    if (this.idle) return Promise.resolve(true);
    return new Promise<boolean>((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const onIdle = (): void => {
        clearTimeout(timer);
        resolve(true);
      };
      this.#idleWaiters.add(onIdle);
      if (Number.isFinite(timeoutMs)) {
        timer = setTimeout(() => {
          this.#idleWaiters.delete(onIdle);
          resolve(false);
        }, timeoutMs);
      }
    });
  }

  /**
   * Dead-letters every message still held (whatever its state) with `reason`, so nothing accepted is lost
   * when the runtime cannot wait any longer. Returns how many were moved.
   */
  async evacuate(reason: string, detail: string): Promise<number> {
    let moved = 0;
    this.takeIn();
    const now = Date.now();
    const inFlight = new Set([...this.#held.values()].map((held) => held.stored.seq));
    for (const stored of this.#store.all()) {
      const state = inFlight.has(stored.seq) ? 'in-flight' : 'waiting';
      const dead = await this.#deadLetter(
        stored,
        reason,
        `${detail} (state ${state}, received ${stored.receiveCount} times)`,
        now,
      );
      if (dead) moved += 1;
    }
    this.#notifyIfIdle();
    return moved;
  }

  /**
   * Stops taking messages and cancels the redelivery timer; running invocations finish on their own. The
   * database is closed only when the queue opened it.
   */
  close(): void {
    if (this.#closed) return;
    this.#finalStats = this.stats();
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#ownsDatabase) this.#database.close();
  }

  #wake(): void {
    if (this.#wakeScheduled || this.#closed) return;
    this.#wakeScheduled = true;
    // One turn later, so messages sent together (concurrent requests) share a batch.
    setImmediate(() => {
      this.#wakeScheduled = false;
      this.#pump();
    });
  }

  #pump(): void {
    if (this.#options.intake !== undefined && !this.#closed) {
      // A few batches ahead of the consumers; a larger backlog stays in the intake.
      const ahead = 4 * this.#options.batchSize * this.#concurrency;
      const visible = this.#store.size - this.#held.size - this.#store.delayed(Date.now());
      if (visible < ahead) this.takeIn(ahead - visible);
    }
    while (!this.#closed && this.#running < this.#concurrency) {
      const batch = this.#store.receive(this.#options.batchSize, Date.now());
      if (batch.length === 0) break;
      this.#running += 1;
      void this.#invoke(batch).finally(() => {
        this.#running -= 1;
        // Next turn, not now: the handler's promises resolve without I/O, so pumping here would chain
        // invocations in microtasks forever and starve the group commit (and everything else) of a turn.
        this.#wake();
        this.#notifyIfIdle();
      });
    }
    this.#scheduleRedelivery();
  }

  /** Wakes the consumer when the earliest delayed message becomes visible. */
  #scheduleRedelivery(): void {
    if (this.#closed || this.#running >= this.#concurrency) return;
    const next = this.#store.nextVisibleAt();
    if (next === undefined || next >= this.#timerAt) return;
    clearTimeout(this.#timer);
    this.#timerAt = next;
    this.#timer = setTimeout(
      () => {
        this.#timer = undefined;
        this.#timerAt = Number.POSITIVE_INFINITY;
        this.#pump();
      },
      Math.max(0, next - Date.now()),
    );
  }

  async #invoke(batch: StoredMessage[]): Promise<void> {
    const receivedAt = Date.now();
    const held: Held[] = batch.map((stored) => ({
      stored,
      receiptHandle: randomBytes(48).toString('base64'),
      visibleAt: undefined,
    }));
    for (const entry of held) this.#held.set(entry.receiptHandle, entry);
    this.#invocations += 1;
    const event: SQSEvent = { Records: held.map((entry) => this.#toRecord(entry)) };
    const context = this.#context(receivedAt);
    const log = { awsRequestId: context.awsRequestId, records: batch.length };
    this.#options.logger.debug('normalize invoked', log);

    const batchIds = new Set(batch.map((stored) => stored.messageId));
    let failed: Set<string>;
    let failure = '';
    let timer: NodeJS.Timeout | undefined;
    try {
      const timeout = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), this.#handlerTimeoutMs);
      });
      const response = await Promise.race([this.#options.handler(event, context), timeout]);
      if (response === 'timeout') {
        failed = new Set(batchIds);
        failure = `the handler did not finish within ${this.#handlerTimeoutMs} ms`;
        this.#options.logger.error('normalize timed out; the whole batch will be redelivered', log);
      } else {
        const result = failedRecords(response, batchIds);
        failed = result.ids;
        failure = result.invalid ?? 'reported in batchItemFailures';
        if (result.invalid !== undefined) {
          this.#options.logger.error('invalid partial batch response; the whole batch will be redelivered', {
            ...log,
            problem: result.invalid,
          });
        }
      }
    } catch (error) {
      failed = new Set(batchIds);
      failure = `the handler threw ${error instanceof Error ? error.name : typeof error}`;
      this.#options.logger.error('normalize threw; the whole batch will be redelivered', { ...log, error });
    } finally {
      clearTimeout(timer);
    }

    for (const entry of held) {
      this.#held.delete(entry.receiptHandle);
      // Closed meanwhile (a drain that timed out): the message stays on disk for the next run.
      if (this.#closed) continue;
      if (!failed.has(entry.stored.messageId)) {
        // False when evacuated while the handler ran: already dead-lettered.
        if (this.#store.remove(entry.stored.seq)) this.#deleted.add();
        continue;
      }
      await this.#retryOrDeadLetter(entry, failure, receivedAt);
    }
  }

  async #retryOrDeadLetter(entry: Held, failure: string, receivedAt: number): Promise<void> {
    const { stored } = entry;
    if (stored.receiveCount >= this.#options.maxReceiveCount) {
      // SQS moves it at the next receive attempt; nothing would be delivered meanwhile, so move it now.
      await this.#deadLetter(
        stored,
        QUEUE_DEAD_LETTER_REASON.maxReceiveCountExceeded,
        `received ${stored.receiveCount} times (maxReceiveCount ${this.#options.maxReceiveCount}); last failure: ${failure}`,
        Date.now(),
      );
      return;
    }
    this.#options.logger.warn('message will be redelivered', {
      messageId: stored.messageId,
      receiveCount: stored.receiveCount,
      requestId: stored.message.attributes[MESSAGE_ATTRIBUTE.requestId],
      failure,
    });
    const visibleAt = entry.visibleAt ?? receivedAt + this.#visibilityTimeoutMs;
    this.#store.release(stored.seq, visibleAt, failure);
    this.#scheduleRedelivery();
  }

  /** SQS ChangeMessageVisibility: the message received with `receiptHandle` comes back `seconds` from now. */
  async delay(receiptHandle: string, seconds: number): Promise<void> {
    const held = this.#held.get(receiptHandle);
    if (held === undefined) {
      throw new Error('ReceiptHandleIsInvalid: no in-flight message has this receipt handle');
    }
    held.visibleAt = Date.now() + seconds * 1_000;
  }

  /** Moves a message to the dead-letter queue; true when it was moved (false: already gone, or kept). */
  async #deadLetter(stored: StoredMessage, reason: string, detail: string, now: number): Promise<boolean> {
    const attributes = {
      ...stored.message.attributes,
      [MESSAGE_ATTRIBUTE.deadLetterReason]: reason,
      [MESSAGE_ATTRIBUTE.deadLetterDetail]: detail,
    };
    try {
      await this.#options.deadLetters.send({ body: stored.message.body, attributes });
    } catch (error) {
      // Never drop it: keep it on the queue and try again after another visibility timeout.
      this.#options.logger.error('dead-lettering failed; the message stays on the queue', {
        messageId: stored.messageId,
        error,
      });
      if (!this.#closed) {
        this.#store.release(stored.seq, now + this.#visibilityTimeoutMs, `dead-lettering failed: ${reason}`);
        this.#scheduleRedelivery();
      }
      return false;
    }
    // Removed only once the dead-letter queue has it: a crash in between dead-letters it twice, never zero.
    if (!this.#store.remove(stored.seq)) return false;
    this.#deadLettered.add();
    return true;
  }

  #notifyIfIdle(): void {
    if (!this.idle) return;
    const waiters = [...this.#idleWaiters];
    this.#idleWaiters.clear();
    for (const waiter of waiters) waiter();
  }

  #toRecord({ stored, receiptHandle }: Held): SQSRecord {
    return {
      messageId: stored.messageId,
      receiptHandle,
      body: stored.message.body,
      attributes: {
        ApproximateReceiveCount: String(stored.receiveCount),
        SentTimestamp: String(stored.sentTimestamp),
        SenderId: 'LOCAL',
        ApproximateFirstReceiveTimestamp: String(stored.firstReceiveTimestamp),
      },
      messageAttributes: toMessageAttributes(stored.message.attributes),
      md5OfBody: stored.md5OfBody,
      md5OfMessageAttributes: stored.md5OfMessageAttributes,
      eventSource: 'aws:sqs',
      eventSourceARN: this.#queueArn,
      awsRegion: this.#options.region ?? 'local',
    };
  }

  #context(startedAt: number): Context {
    const functionName = this.#options.functionName ?? 'local-normalize';
    const deadline = startedAt + this.#handlerTimeoutMs;
    const unsupported = (): never => {
      throw new Error('the legacy done/fail/succeed callbacks are not supported; return a promise');
    };
    return {
      callbackWaitsForEmptyEventLoop: true,
      functionName,
      functionVersion: '$LATEST',
      invokedFunctionArn: this.#functionArn,
      memoryLimitInMB: '512',
      awsRequestId: randomUUID(),
      logGroupName: `/aws/lambda/${functionName}`,
      logStreamName: `local/[$LATEST]${randomBytes(16).toString('hex')}`,
      getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
      done: unsupported,
      fail: unsupported,
      succeed: unsupported,
    };
  }
}
