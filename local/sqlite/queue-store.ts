/**
 * The local queue's messages on disk: one row per accepted callback, with its receive count, when it is
 * visible next, and whether an invocation holds it. Nothing but counters is kept in memory, so a backlog of
 * any size costs disk, not memory.
 *
 * A message that was in flight when the previous process died comes back one visibility timeout after the
 * restart, as SQS brings back a message whose consumer crashed (its receive still counts).
 */
import { createHash, randomUUID } from 'node:crypto';
import type { Statement } from 'better-sqlite3';
import type { QueueMessage } from '../../shared/pipeline/ports';
import type { LocalDatabase } from './database';

/** A message as the queue hands it to an invocation. */
export interface StoredMessage {
  readonly seq: number;
  readonly messageId: string;
  readonly message: QueueMessage;
  readonly md5OfBody: string;
  readonly md5OfMessageAttributes: string;
  readonly sentTimestamp: number;
  readonly receiveCount: number;
  readonly firstReceiveTimestamp: number;
  readonly lastFailure: string;
}

/** What {@link SqliteQueueStore.add} stores. */
export interface NewMessage {
  readonly messageId: string;
  readonly message: QueueMessage;
  readonly md5OfBody: string;
  readonly md5OfMessageAttributes: string;
  readonly sentTimestamp: number;
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

/** A message as SQS stores it when sent now: its id, the MD5s of body and attributes, the send time. */
export function newMessage(message: QueueMessage): NewMessage {
  return {
    messageId: randomUUID(),
    message: { body: message.body, attributes: { ...message.attributes } },
    md5OfBody: md5(message.body),
    md5OfMessageAttributes: md5OfAttributes(message.attributes),
    sentTimestamp: Date.now(),
  };
}

/** The columns a message has from its send (the inbox has these too). */
export interface SentRow {
  seq: number;
  message_id: string;
  body: string;
  attributes: string;
  md5_body: string;
  md5_attributes: string;
  sent_at: number;
}

interface Row extends SentRow {
  receive_count: number;
  first_receive_at: number | null;
  last_failure: string;
}

const toStored = (row: Row): StoredMessage => ({
  seq: row.seq,
  messageId: row.message_id,
  message: { body: row.body, attributes: JSON.parse(row.attributes) as Record<string, string> },
  md5OfBody: row.md5_body,
  md5OfMessageAttributes: row.md5_attributes,
  sentTimestamp: row.sent_at,
  receiveCount: row.receive_count,
  firstReceiveTimestamp: row.first_receive_at ?? row.sent_at,
  lastFailure: row.last_failure,
});

export class SqliteQueueStore {
  readonly #database: LocalDatabase;
  #size: number;
  readonly #insert: Statement;
  readonly #selectVisible: Statement<[number, number], Row>;
  readonly #markReceived: Statement;
  readonly #delete: Statement;
  readonly #release: Statement;
  readonly #nextVisible: Statement<[], { at: number | null }>;
  readonly #countDelayed: Statement<[number], { n: number }>;
  readonly #page: Statement<[number, number], Row>;

  /** @param visibilityTimeoutMs how long after this start a message orphaned in flight comes back */
  constructor(database: LocalDatabase, visibilityTimeoutMs: number) {
    this.#database = database;
    const { db } = database;
    this.#insert = db.prepare(
      `INSERT INTO queue (message_id, body, attributes, md5_body, md5_attributes, sent_at, visible_at)
       VALUES (?, ?, ?, ?, ?, ?, 0)`,
    );
    this.#selectVisible = db.prepare(
      'SELECT * FROM queue WHERE in_flight = 0 AND visible_at <= ? ORDER BY visible_at, seq LIMIT ?',
    );
    this.#markReceived = db.prepare(
      `UPDATE queue SET in_flight = 1, receive_count = receive_count + 1,
         first_receive_at = coalesce(first_receive_at, ?) WHERE seq = ?`,
    );
    this.#delete = db.prepare('DELETE FROM queue WHERE seq = ?');
    this.#release = db.prepare(
      'UPDATE queue SET in_flight = 0, visible_at = ?, last_failure = ? WHERE seq = ?',
    );
    this.#nextVisible = db.prepare('SELECT min(visible_at) AS at FROM queue WHERE in_flight = 0');
    this.#countDelayed = db.prepare('SELECT count(*) AS n FROM queue WHERE in_flight = 0 AND visible_at > ?');
    this.#page = db.prepare('SELECT * FROM queue WHERE seq > ? ORDER BY seq LIMIT ?');
    database.run(() =>
      db
        .prepare('UPDATE queue SET in_flight = 0, visible_at = ? WHERE in_flight = 1')
        .run(Date.now() + visibilityTimeoutMs),
    );
    const count = db.prepare<[], { n: number }>('SELECT count(*) AS n FROM queue');
    this.#size = count.get()?.n ?? 0;
    // A failed commit took back rows this count had added or removed.
    database.onRollback(() => {
      this.#size = count.get()?.n ?? 0;
    });
  }

  /** Messages held: visible, in flight or waiting for redelivery. */
  get size(): number {
    return this.#size;
  }

  /** Stores a message, visible at once. Await `database.committed()` before acknowledging it. */
  add(message: NewMessage): void {
    this.addAll([message]);
  }

  /** Stores messages sent elsewhere (the inbox) as they were, visible at once. */
  addAll(messages: readonly NewMessage[]): void {
    if (messages.length === 0) return;
    this.#database.run(() => {
      for (const message of messages) {
        this.#insert.run(
          message.messageId,
          message.message.body,
          JSON.stringify(message.message.attributes),
          message.md5OfBody,
          message.md5OfMessageAttributes,
          message.sentTimestamp,
        );
      }
    });
    this.#size += messages.length;
  }

  /** Up to `limit` visible messages, oldest first, now held by the caller (receive counted). */
  receive(limit: number, now: number): StoredMessage[] {
    return this.#database.run(() => {
      const rows = this.#selectVisible.all(now, limit);
      for (const row of rows) {
        this.#markReceived.run(now, row.seq);
        row.receive_count += 1;
        row.first_receive_at ??= now;
      }
      return rows.map(toStored);
    });
  }

  /** Deletes a message (processed, or dead-lettered); false when it was already gone. */
  remove(seq: number): boolean {
    const { changes } = this.#database.run(() => this.#delete.run(seq));
    if (changes > 0) this.#size -= 1;
    return changes > 0;
  }

  /** Gives a received message back, visible again at `visibleAt` (epoch ms). */
  release(seq: number, visibleAt: number, failure: string): void {
    this.#database.run(() => this.#release.run(visibleAt, failure, seq));
  }

  /** When the earliest message not in flight becomes visible (epoch ms), or undefined when none waits. */
  nextVisibleAt(): number | undefined {
    return this.#nextVisible.get()?.at ?? undefined;
  }

  /** Messages waiting for their visibility timeout to end. */
  delayed(now: number): number {
    return this.#countDelayed.get(now)?.n ?? 0;
  }

  /** Every message held, in order, `pageSize` at a time (for evacuation). */
  *all(pageSize = 500): Generator<StoredMessage> {
    let after = 0;
    for (;;) {
      const rows = this.#page.all(after, pageSize);
      if (rows.length === 0) return;
      for (const row of rows) yield toStored(row);
      after = rows[rows.length - 1]?.seq ?? after;
    }
  }
}
