/**
 * The pipeline's ports: what the ingest and normalize cores need from the outside world. In AWS they are
 * SQS and EventBridge (see `functions/commons/aws-adapters.ts`); in the local runtime, in-process stand-ins.
 */

/** A message as it sits on a queue: the body string and string attributes. */
export interface QueueMessage {
  readonly body: string;
  readonly attributes: Readonly<Record<string, string>>;
}

/** Where the ingest puts accepted callbacks. Resolves only once the queue has durably accepted it. */
export interface CallbackQueue {
  send(message: QueueMessage): Promise<void>;
}

/** Where the normalizer parks a message that can never succeed, with the reason. */
export interface DeadLetterQueue {
  send(message: QueueMessage): Promise<void>;
}

/** One event for the bus (EventBridge PutEvents entry, with the bus chosen by the publisher). */
export interface BusEntry {
  readonly source: string;
  readonly detailType: string;
  /** JSON text of the detail. */
  readonly detail: string;
  readonly time: Date;
}

/** EventBridge's limit for one PutEvents request: source, detail-type, detail and time of every entry. */
export const MAX_PUT_EVENTS_BYTES = 256 * 1024;
/** EventBridge counts the `Time` field as 14 bytes. */
const TIME_FIELD_BYTES = 14;

/** An entry's size as EventBridge counts it against {@link MAX_PUT_EVENTS_BYTES}. */
export function busEntrySize(entry: Pick<BusEntry, 'source' | 'detailType' | 'detail'>): number {
  return (
    Buffer.byteLength(entry.source, 'utf8') +
    Buffer.byteLength(entry.detailType, 'utf8') +
    Buffer.byteLength(entry.detail, 'utf8') +
    TIME_FIELD_BYTES
  );
}

export type PublishResult = { readonly ok: true; readonly eventId: string } | PublishFailure;
export interface PublishFailure {
  readonly ok: false;
  readonly errorCode: string;
  readonly errorMessage: string;
}

/** Puts events on the bus. Resolves with one result per entry, in order; rejects when nothing was sent. */
export interface EventPublisher {
  publish(entries: readonly BusEntry[]): Promise<PublishResult[]>;
}

/** Where an object too large for an event is stored (claim check). Resolves with the stored object's URI. */
export interface ObjectStore {
  /** Stores `body` under `key` (idempotent: the same key always holds the same bytes) and returns its URI. */
  put(key: string, body: Buffer): Promise<string>;
}

/** Control over when a failed message comes back (SQS ChangeMessageVisibility). */
export interface MessageVisibility {
  /** Hides the message for `seconds` from now, so its next delivery waits that long. */
  delay(receiptHandle: string, seconds: number): Promise<void>;
}
