/**
 * The inbox: where the HTTP thread commits each accepted callback before its 200, in a database of its own
 * (`inbox.sqlite`) so that it is that file's only writer and never waits for the normalize thread's
 * transactions. The normalize thread reads it through a read-only connection and moves its rows, oldest
 * first, into the queue (`queue-store.ts`) together with a cursor in the state database, in one transaction:
 * a row is in the queue exactly when the cursor is past it, whatever crashes when. The HTTP thread deletes
 * the rows the cursor has passed.
 *
 * Each inbox carries an id, kept beside the cursor: a new inbox file (the old one deleted) starts the cursor
 * over instead of skipping its first rows.
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import Database, { type Statement } from 'better-sqlite3';
import type { CallbackQueue, QueueMessage } from '../../shared/pipeline/ports';
import { QueueClosedError, QueueFullError } from '../errors';
import { LocalDatabase, type Migration, type SynchronousMode } from './database';
import { type NewMessage, newMessage, type SentRow, type SqliteQueueStore } from './queue-store';

export const INBOX_FILE = 'inbox.sqlite';

const INBOX_MIGRATIONS: readonly Migration[] = [
  (db) =>
    db.exec(`
      CREATE TABLE inbox (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        message_id TEXT NOT NULL,
        body TEXT NOT NULL,
        attributes TEXT NOT NULL,
        md5_body TEXT NOT NULL,
        md5_attributes TEXT NOT NULL,
        sent_at INTEGER NOT NULL
      );
      CREATE TABLE inbox_meta (id TEXT NOT NULL);
      INSERT INTO inbox_meta (id) VALUES ('${randomUUID()}');
    `),
];

export interface InboxOptions {
  readonly dataDir: string;
  readonly synchronous?: SynchronousMode;
  /** Callbacks held at most, here and on the queue; beyond it `send` throws {@link QueueFullError}. */
  readonly maxBacklog: number;
}

/** The HTTP thread's side: the ingest's queue port. `send` resolves once the callback is committed. */
export class Inbox implements CallbackQueue {
  readonly database: LocalDatabase;
  readonly #maxBacklog: number;
  readonly #insert: Statement;
  readonly #prune: Statement<[number]>;
  readonly #lastSeq: Statement<[], { seq: number | null }>;
  /** The last row written (committed, or in the open transaction). */
  #last: number;
  /** The last row the normalize thread took (committed on its side). */
  #taken = 0;
  /** Messages on the normalize thread's queue, as it last reported. */
  #queued = 0;
  #pruned = 0;
  #closed = false;

  constructor(options: InboxOptions) {
    this.#maxBacklog = options.maxBacklog;
    this.database = new LocalDatabase({
      dataDir: options.dataDir,
      synchronous: options.synchronous,
      file: INBOX_FILE,
      migrations: INBOX_MIGRATIONS,
      exclusive: false,
    });
    const { db } = this.database;
    this.#insert = db.prepare(
      `INSERT INTO inbox (message_id, body, attributes, md5_body, md5_attributes, sent_at)
       VALUES (?, ?, ?, ?, ?, ?)`,
    );
    this.#prune = db.prepare('DELETE FROM inbox WHERE seq <= ?');
    this.#lastSeq = db.prepare(
      "SELECT coalesce(max(seq), (SELECT seq FROM sqlite_sequence WHERE name = 'inbox'), 0) AS seq FROM inbox",
    );
    this.#last = this.#lastSeq.get()?.seq ?? 0;
    // The rows of a failed commit are gone: count from what is on disk.
    this.database.onRollback(() => {
      this.#last = this.#lastSeq.get()?.seq ?? 0;
    });
  }

  /** Callbacks accepted and not yet processed: in the inbox or on the queue. */
  get backlog(): number {
    return this.waiting + this.#queued;
  }

  /** Rows the normalize thread has not taken yet, as far as this thread knows. */
  get waiting(): number {
    return Math.max(0, this.#last - this.#taken);
  }

  /** The last row committed or being committed (a drain waits for the normalize thread to pass it). */
  get lastSeq(): number {
    return this.#last;
  }

  async send(message: QueueMessage): Promise<void> {
    if (this.#closed) throw new QueueClosedError('the local queue is closed and takes no new messages');
    const backlog = this.backlog;
    if (backlog >= this.#maxBacklog) {
      throw new QueueFullError(
        `the local queue holds ${backlog} messages, its bound (maxBacklog ${this.#maxBacklog}); the message was not taken`,
      );
    }
    const stored = newMessage(message);
    const { lastInsertRowid } = this.database.run(() =>
      this.#insert.run(
        stored.messageId,
        stored.message.body,
        JSON.stringify(stored.message.attributes),
        stored.md5OfBody,
        stored.md5OfMessageAttributes,
        stored.sentTimestamp,
      ),
    );
    this.#last = Number(lastInsertRowid);
    await this.database.committed();
  }

  /** What the normalize thread committed: the inbox rows it took, and the messages on its queue. */
  progress(taken: number, queued: number): void {
    this.#taken = Math.max(this.#taken, taken);
    this.#queued = queued;
    if (this.#closed || this.#taken - this.#pruned < 1_000) return;
    const upTo = this.#taken;
    this.#pruned = upTo;
    this.database.run(() => this.#prune.run(upTo));
  }

  /** Takes no more callbacks (the database stays open until {@link close}). */
  stop(): void {
    this.#closed = true;
  }

  close(): void {
    this.#closed = true;
    if (this.#taken > this.#pruned) {
      const upTo = this.#taken;
      this.database.run(() => this.#prune.run(upTo));
    }
    this.database.close();
  }
}

/**
 * The normalize thread's side: moves inbox rows into the queue with the cursor, in the state database's
 * open transaction.
 */
export class InboxReader {
  readonly #state: LocalDatabase;
  readonly #inbox: Database.Database;
  readonly #rows: Statement<[number, number], SentRow>;
  readonly #lastSeq: Statement<[], { seq: number | null }>;
  readonly #saveCursor: Statement<[string, number]>;
  readonly #inboxId: string;
  /** The cursor as written (committed or in the open transaction). */
  #cursor: number;
  /** The cursor as committed. */
  #committed: number;

  constructor(state: LocalDatabase, dataDir: string) {
    this.#state = state;
    // Created by the HTTP thread before this thread starts.
    this.#inbox = new Database(join(dataDir, INBOX_FILE), { readonly: true, fileMustExist: true });
    this.#rows = this.#inbox.prepare('SELECT * FROM inbox WHERE seq > ? ORDER BY seq LIMIT ?');
    this.#lastSeq = this.#inbox.prepare('SELECT max(seq) AS seq FROM inbox');
    this.#inboxId = (this.#inbox.prepare('SELECT id FROM inbox_meta').get() as { id: string }).id;
    this.#saveCursor = state.db.prepare('UPDATE inbox_cursor SET inbox_id = ?, seq = ? WHERE id = 1');
    const stored = state.db
      .prepare<[], { inbox_id: string; seq: number }>('SELECT inbox_id, seq FROM inbox_cursor WHERE id = 1')
      .get();
    this.#cursor = stored?.inbox_id === this.#inboxId ? stored.seq : 0;
    this.#committed = this.#cursor;
    state.onCommit(() => {
      this.#committed = this.#cursor;
    });
    state.onRollback(() => {
      this.#cursor = this.#committed;
    });
  }

  /** The last inbox row committed to the queue. */
  get cursor(): number {
    return this.#committed;
  }

  /** Inbox rows not yet taken. */
  get waiting(): number {
    return Math.max(0, (this.#lastSeq.get()?.seq ?? 0) - this.#cursor);
  }

  /** Moves up to `limit` rows into `store`; returns how many. */
  take(store: SqliteQueueStore, limit: number): number {
    if (limit <= 0) return 0;
    const rows = this.#rows.all(this.#cursor, limit);
    const last = rows[rows.length - 1];
    if (last === undefined) return 0;
    const messages: NewMessage[] = rows.map((row) => ({
      messageId: row.message_id,
      message: { body: row.body, attributes: JSON.parse(row.attributes) as Record<string, string> },
      md5OfBody: row.md5_body,
      md5OfMessageAttributes: row.md5_attributes,
      sentTimestamp: row.sent_at,
    }));
    this.#state.run(() => {
      store.addAll(messages);
      this.#saveCursor.run(this.#inboxId, last.seq);
    });
    this.#cursor = last.seq;
    return rows.length;
  }

  close(): void {
    this.#inbox.close();
  }
}
