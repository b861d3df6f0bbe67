/**
 * The local dead-letter queue: every message parked by the normalizer (with its `deadLetterReason`) or by
 * the local queue itself (max receives, drain timeout) becomes one JSON line, body byte-exact as queued,
 * so an operator can read why and replay it. Without a file the records stay in memory.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { DeadLetterQueue, QueueMessage } from '../shared/pipeline/ports';
import { MESSAGE_ATTRIBUTE } from '../shared/pipeline/queued-callback';
import type { JsonLinesFile } from './json-lines-file';

/** One line of the dead-letter file. */
export interface DeadLetterRecord {
  readonly deadLetteredAt: string;
  readonly reason: string;
  readonly detail: string | null;
  readonly queue: string;
  /** The message body exactly as queued: the callback text, or base64 when `bodyEncoding` says so. */
  readonly body: string;
  readonly bodyEncoding: string;
  /** The message's attributes, without the dead-letter reason and detail (lifted above). */
  readonly attributes: Readonly<Record<string, string>>;
}

export interface DeadLetterSinkOptions {
  /** Where to append the records; in memory when absent. */
  readonly file?: JsonLinesFile;
  readonly logger: Logger;
  /** Name of the queue whose dead letters these are. @default 'callbacks' */
  readonly queueName?: string;
  readonly now?: () => Date;
}

export interface DeadLetterSink extends DeadLetterQueue {
  /** Records kept in memory (only when there is no file). */
  readonly records: readonly DeadLetterRecord[];
  /** How many messages were dead-lettered. */
  readonly count: number;
  flush(): Promise<void>;
}

/** Used when a message arrives without a `deadLetterReason` attribute. */
export const UNSPECIFIED_REASON = 'unspecified';

export function createDeadLetterSink(options: DeadLetterSinkOptions): DeadLetterSink {
  const now = options.now ?? (() => new Date());
  const queue = options.queueName ?? 'callbacks';
  const records: DeadLetterRecord[] = [];
  let count = 0;

  const toRecord = (message: QueueMessage): DeadLetterRecord => {
    const {
      [MESSAGE_ATTRIBUTE.deadLetterReason]: reason,
      [MESSAGE_ATTRIBUTE.deadLetterDetail]: detail,
      ...attributes
    } = message.attributes;
    return {
      deadLetteredAt: now().toISOString(),
      reason: reason ?? UNSPECIFIED_REASON,
      detail: detail ?? null,
      queue,
      body: message.body,
      bodyEncoding: attributes[MESSAGE_ATTRIBUTE.bodyEncoding] ?? 'utf8',
      attributes,
    };
  };

  return {
    get records() {
      return records;
    },
    get count() {
      return count;
    },
    async send(message) {
      const record = toRecord(message);
      if (options.file) await options.file.append(record);
      else records.push(record);
      count += 1;
      // Identifiers only: the body is the callback, and the detail may quote it (a JSON parse error does).
      options.logger.warn('message dead-lettered', {
        queue,
        reason: record.reason,
        requestId: record.attributes[MESSAGE_ATTRIBUTE.requestId],
        receivedAt: record.attributes[MESSAGE_ATTRIBUTE.receivedAt],
        ...(options.file ? { file: options.file.path } : { keptInMemory: true }),
      });
    },
    flush: async () => {
      await options.file?.flush();
    },
  };
}
