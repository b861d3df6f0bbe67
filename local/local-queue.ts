/**
 * An in-process stand-in for the SQS callbacks queue and its Lambda event source mapping: it keeps each
 * message with an id and a receive count, hands batches to the normalize handler as a real-shaped
 * `SQSEvent` with a Lambda-like `Context`, deletes what succeeded, makes what failed visible again after the
 * visibility timeout, and moves a message to the dead-letter queue once it has failed `maxReceiveCount`
 * receives. Event-driven: a send or an expiring visibility timeout wakes the consumer; nothing polls.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Context, SQSBatchResponse, SQSEvent, SQSMessageAttributes, SQSRecord } from 'aws-lambda';
import type {
  CallbackQueue,
  DeadLetterQueue,
  MessageVisibility,
  QueueMessage,
} from '../shared/pipeline/ports';
import { MESSAGE_ATTRIBUTE } from '../shared/pipeline/queued-callback';
import { QueueClosedError } from './errors';

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

type MessageState = 'visible' | 'in-flight' | 'delayed';

interface StoredMessage {
  readonly messageId: string;
  readonly message: QueueMessage;
  readonly md5OfBody: string;
  readonly md5OfMessageAttributes: string;
  readonly sentTimestamp: number;
  state: MessageState;
  receiveCount: number;
  firstReceiveTimestamp: number | undefined;
  lastReceiveTimestamp: number;
  lastFailure: string;
  timer: NodeJS.Timeout | undefined;
  /** The receipt handle of the current receive; a visibility change must name it. */
  receiptHandle: string | undefined;
  /** When a visibility change asked the message to come back (epoch ms), for the current receive. */
  visibleAt: number | undefined;
}

const md5 = (data: string | Buffer): string => createHash('md5').update(data).digest('hex');

/** SQS's MD5 of message attributes: each attribute, sorted by name, as length-prefixed name, type, value. */
function md5OfAttributes(attributes: Readonly<Record<string, string>>): string {
  const parts: Buffer[] = [];
  const field = (text: string): void => {
    const bytes = Buffer.from(text, 'utf8');
    const length = Buffer.alloc(4);
    length.writeUInt32BE(bytes.length);
    parts.push(length, bytes);
  };
  for (const name of Object.keys(attributes).sort()) {
    field(name);
    field('String');
    parts.push(Buffer.from([1]));
    field(attributes[name] ?? '');
  }
  return md5(Buffer.concat(parts));
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
  readonly #messages = new Map<string, StoredMessage>();
  readonly #visible: StoredMessage[] = [];
  readonly #idleWaiters = new Set<() => void>();
  #running = 0;
  #wakeScheduled = false;
  #closed = false;
  #invocations = 0;
  #deleted = 0;
  #deadLettered = 0;

  constructor(options: LocalQueueOptions) {
    this.#options = options;
    this.#visibilityTimeoutMs = options.visibilityTimeoutMs ?? 2_000;
    this.#handlerTimeoutMs = options.handlerTimeoutMs ?? 30_000;
    this.#concurrency = options.concurrency ?? 1;
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
  }

  /** Enqueues a message; resolves once it is held (the local meaning of "durably accepted"). */
  async send(message: QueueMessage): Promise<void> {
    if (this.#closed) throw new QueueClosedError('the local queue is closed and takes no new messages');
    const stored: StoredMessage = {
      messageId: randomUUID(),
      message: { body: message.body, attributes: { ...message.attributes } },
      md5OfBody: md5(message.body),
      md5OfMessageAttributes: md5OfAttributes(message.attributes),
      sentTimestamp: Date.now(),
      state: 'visible',
      receiveCount: 0,
      firstReceiveTimestamp: undefined,
      lastReceiveTimestamp: 0,
      lastFailure: '',
      timer: undefined,
      receiptHandle: undefined,
      visibleAt: undefined,
    };
    this.#messages.set(stored.messageId, stored);
    this.#visible.push(stored);
    this.#wake();
  }

  stats(): LocalQueueStats {
    let inFlight = 0;
    let delayed = 0;
    for (const stored of this.#messages.values()) {
      if (stored.state === 'in-flight') inFlight += 1;
      else if (stored.state === 'delayed') delayed += 1;
    }
    return {
      visible: this.#visible.length,
      inFlight,
      delayed,
      invocations: this.#invocations,
      deleted: this.#deleted,
      deadLettered: this.#deadLettered,
    };
  }

  /** True when no message is visible, in flight or waiting for redelivery, and no invocation runs. */
  get idle(): boolean {
    return this.#messages.size === 0 && this.#running === 0;
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
    const remaining = [...this.#messages.values()];
    this.#visible.length = 0;
    let moved = 0;
    for (const stored of remaining) {
      clearTimeout(stored.timer);
      this.#messages.delete(stored.messageId);
      await this.#deadLetter(
        stored,
        reason,
        `${detail} (state ${stored.state}, received ${stored.receiveCount} times)`,
      );
      moved += 1;
    }
    this.#notifyIfIdle();
    return moved;
  }

  /** Stops taking messages and cancels redelivery timers; running invocations finish on their own. */
  close(): void {
    this.#closed = true;
    for (const stored of this.#messages.values()) clearTimeout(stored.timer);
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
    while (!this.#closed && this.#running < this.#concurrency && this.#visible.length > 0) {
      const batch = this.#visible.splice(0, this.#options.batchSize);
      this.#running += 1;
      void this.#invoke(batch).finally(() => {
        this.#running -= 1;
        this.#pump();
        this.#notifyIfIdle();
      });
    }
  }

  async #invoke(batch: StoredMessage[]): Promise<void> {
    const receivedAt = Date.now();
    for (const stored of batch) {
      stored.state = 'in-flight';
      stored.receiveCount += 1;
      stored.firstReceiveTimestamp ??= receivedAt;
      stored.lastReceiveTimestamp = receivedAt;
      stored.receiptHandle = randomBytes(48).toString('base64');
      stored.visibleAt = undefined;
    }
    this.#invocations += 1;
    const event: SQSEvent = { Records: batch.map((stored) => this.#toRecord(stored)) };
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

    for (const stored of batch) {
      // Evacuated while the handler ran: already dead-lettered.
      if (!this.#messages.has(stored.messageId)) continue;
      if (!failed.has(stored.messageId)) {
        this.#messages.delete(stored.messageId);
        this.#deleted += 1;
        continue;
      }
      stored.lastFailure = failure;
      await this.#retryOrDeadLetter(stored);
    }
  }

  async #retryOrDeadLetter(stored: StoredMessage): Promise<void> {
    if (stored.receiveCount >= this.#options.maxReceiveCount) {
      // SQS moves it at the next receive attempt; nothing would be delivered meanwhile, so move it now.
      this.#messages.delete(stored.messageId);
      await this.#deadLetter(
        stored,
        QUEUE_DEAD_LETTER_REASON.maxReceiveCountExceeded,
        `received ${stored.receiveCount} times (maxReceiveCount ${this.#options.maxReceiveCount}); last failure: ${stored.lastFailure}`,
      );
      return;
    }
    this.#options.logger.warn('message will be redelivered', {
      messageId: stored.messageId,
      receiveCount: stored.receiveCount,
      requestId: stored.message.attributes[MESSAGE_ATTRIBUTE.requestId],
      failure: stored.lastFailure,
    });
    const visibleAt = stored.visibleAt ?? stored.lastReceiveTimestamp + this.#visibilityTimeoutMs;
    this.#delay(stored, visibleAt - Date.now());
  }

  /** SQS ChangeMessageVisibility: the message received with `receiptHandle` comes back `seconds` from now. */
  async delay(receiptHandle: string, seconds: number): Promise<void> {
    for (const stored of this.#messages.values()) {
      if (stored.receiptHandle === receiptHandle && stored.state === 'in-flight') {
        stored.visibleAt = Date.now() + seconds * 1_000;
        return;
      }
    }
    throw new Error('ReceiptHandleIsInvalid: no in-flight message has this receipt handle');
  }

  #delay(stored: StoredMessage, ms: number): void {
    stored.state = 'delayed';
    stored.timer = setTimeout(
      () => {
        stored.timer = undefined;
        if (!this.#messages.has(stored.messageId)) return;
        stored.state = 'visible';
        this.#visible.push(stored);
        this.#wake();
      },
      Math.max(0, ms),
    );
  }

  async #deadLetter(stored: StoredMessage, reason: string, detail: string): Promise<void> {
    const attributes = {
      ...stored.message.attributes,
      [MESSAGE_ATTRIBUTE.deadLetterReason]: reason,
      [MESSAGE_ATTRIBUTE.deadLetterDetail]: detail,
    };
    try {
      await this.#options.deadLetters.send({ body: stored.message.body, attributes });
      this.#deadLettered += 1;
    } catch (error) {
      // Never drop it: keep it on the queue and try again after another visibility timeout.
      this.#options.logger.error('dead-lettering failed; the message stays on the queue', {
        messageId: stored.messageId,
        error,
      });
      this.#messages.set(stored.messageId, stored);
      if (!this.#closed) this.#delay(stored, this.#visibilityTimeoutMs);
    }
  }

  #notifyIfIdle(): void {
    if (!this.idle) return;
    const waiters = [...this.#idleWaiters];
    this.#idleWaiters.clear();
    for (const waiter of waiters) waiter();
  }

  #toRecord(stored: StoredMessage): SQSRecord {
    return {
      messageId: stored.messageId,
      receiptHandle: stored.receiptHandle ?? '',
      body: stored.message.body,
      attributes: {
        ApproximateReceiveCount: String(stored.receiveCount),
        SentTimestamp: String(stored.sentTimestamp),
        SenderId: 'LOCAL',
        ApproximateFirstReceiveTimestamp: String(stored.firstReceiveTimestamp ?? stored.lastReceiveTimestamp),
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
