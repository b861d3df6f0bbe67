/**
 * The local runtime's durable state: one SQLite database (better-sqlite3) in the data directory, holding the
 * callback queue, the dedupe records, the event outbox and the failure poller's records.
 *
 * Writes are group-committed: every write of one event-loop turn runs in one transaction, committed on the
 * next `setImmediate`. A caller that must not answer before its write is on disk (the ingest's 200) awaits
 * {@link LocalDatabase.committed}; the pipeline's own writes only need their order, which one connection
 * gives for free (a later write is in the same transaction as an earlier one, or in a later one).
 *
 * Durability (SQLite's WAL journal):
 * - `synchronous: 'full'` (default): each commit is fsync'ed; a committed write survives a process kill and
 *   a power loss or OS crash (on a disk that honours fsync).
 * - `synchronous: 'normal'`: no fsync per commit; a committed write survives a process kill (it is in the
 *   OS's page cache), but a power loss may roll back the last commits (never corrupt the database).
 *
 * The runtime uses three databases in the data directory, each with one writer: `inbox.sqlite` (the HTTP
 * thread's accepted callbacks, `sqlite/inbox.ts`), `state.sqlite` (everything else, written by the normalize
 * thread; the failure poller and reconciler write a few rows on the other thread, so it is opened in normal
 * locking mode with a busy timeout), and `lock.sqlite`, held in exclusive locking mode for the runtime's
 * life so a second runtime on the same data directory fails at start instead of sharing its queue.
 */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { LocalDatabaseError } from '../errors';

/** SQLite's `synchronous` setting for the WAL journal: what a committed write survives. */
export type SynchronousMode = 'full' | 'normal';
export const SYNCHRONOUS_MODES: readonly SynchronousMode[] = ['full', 'normal'];
export const DEFAULT_SYNCHRONOUS: SynchronousMode = 'full';
/** The database file inside the data directory. */
export const DATABASE_FILE = 'state.sqlite';

/** The database held in exclusive mode while a runtime runs on the data directory: one runtime per directory. */
export const LOCK_FILE = 'lock.sqlite';
/** How long a write waits for the other thread's transaction on a shared database. */
const SHARED_BUSY_TIMEOUT_MS = 10_000;

export interface LocalDatabaseOptions {
  /** The data directory (created when missing); `:memory:` for a throwaway in-memory database. */
  readonly dataDir: string;
  /** @default 'full' */
  readonly synchronous?: SynchronousMode;
  /** The file in the data directory. @default {@link DATABASE_FILE} */
  readonly file?: string;
  /** Its schema versions. @default the state database's */
  readonly migrations?: readonly Migration[];
  /**
   * Exclusive locking mode: no other connection (in any thread or process) may open it, and an open one
   * fails at once. Otherwise another connection may read, and write after waiting. @default true
   */
  readonly exclusive?: boolean;
}

export type Migration = (db: Database.Database) => void;

/** Schema versions, applied in order; `PRAGMA user_version` records how many ran. Append only. */
const MIGRATIONS: readonly Migration[] = [
  (db) =>
    db.exec(`
      CREATE TABLE queue (
        seq INTEGER PRIMARY KEY,
        message_id TEXT NOT NULL UNIQUE,
        body TEXT NOT NULL,
        attributes TEXT NOT NULL,
        md5_body TEXT NOT NULL,
        md5_attributes TEXT NOT NULL,
        sent_at INTEGER NOT NULL,
        receive_count INTEGER NOT NULL DEFAULT 0,
        first_receive_at INTEGER,
        visible_at INTEGER NOT NULL,
        in_flight INTEGER NOT NULL DEFAULT 0,
        last_failure TEXT NOT NULL DEFAULT ''
      );
      CREATE INDEX queue_visible ON queue (in_flight, visible_at, seq);
      CREATE TABLE dedupe (
        key TEXT PRIMARY KEY,
        status TEXT NOT NULL,
        expires_at INTEGER NOT NULL,
        in_progress_expires_at INTEGER,
        payload_hash TEXT,
        response TEXT,
        created_at INTEGER NOT NULL
      );
      CREATE INDEX dedupe_expiry ON dedupe (expires_at);
      CREATE INDEX dedupe_status ON dedupe (status);
      CREATE TABLE outbox (
        seq INTEGER PRIMARY KEY,
        event_id TEXT NOT NULL,
        dedup_key TEXT,
        line TEXT NOT NULL,
        created_at INTEGER NOT NULL
      );
      CREATE INDEX outbox_created ON outbox (created_at);
      CREATE TABLE projection (
        name TEXT PRIMARY KEY,
        path TEXT,
        seq INTEGER NOT NULL,
        offset INTEGER NOT NULL
      );
      CREATE TABLE arrival (
        id TEXT NOT NULL,
        event_type TEXT NOT NULL,
        object_type TEXT NOT NULL,
        arrived_at TEXT NOT NULL,
        expires_at INTEGER NOT NULL,
        PRIMARY KEY (id, event_type, object_type)
      );
      CREATE INDEX arrival_expiry ON arrival (expires_at);
      CREATE TABLE attempt (
        user_id INTEGER NOT NULL,
        failure_id INTEGER NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        first_attempt_at TEXT,
        last_attempt_at TEXT,
        exhausted_at TEXT,
        arrived_at TEXT,
        expires_at INTEGER NOT NULL,
        PRIMARY KEY (user_id, failure_id)
      );
      CREATE INDEX attempt_expiry ON attempt (expires_at);
      CREATE TABLE reconcile_cursor (
        user_id INTEGER PRIMARY KEY,
        last_event_id INTEGER NOT NULL,
        saved_at TEXT NOT NULL
      );
    `),
  // The failure poller's expected redeliveries, and the dedupe key of the first callback of each arrival
  // row, so the normalizer can mark bunq's answer to a retry (`recoveredBy: "failure-retry"`).
  (db) =>
    db.exec(`
      ALTER TABLE arrival ADD COLUMN dedup_key TEXT;
      CREATE TABLE retry_expected (
        id TEXT NOT NULL,
        event_type TEXT NOT NULL,
        requested_at TEXT NOT NULL,
        expires_at INTEGER NOT NULL,
        PRIMARY KEY (id, event_type)
      );
    `),
  // The inbox's last row moved into the queue, and which inbox (a new inbox file starts over at 1).
  (db) =>
    db.exec(`
      CREATE TABLE inbox_cursor (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        inbox_id TEXT NOT NULL,
        seq INTEGER NOT NULL
      );
      INSERT INTO inbox_cursor (id, inbox_id, seq) VALUES (1, '', 0);
    `),
];

/** The open database and its group commit. One per runtime. */
export class LocalDatabase {
  /** The better-sqlite3 connection: prepare statements on it; write only through {@link run}. */
  readonly db: Database.Database;
  readonly path: string;
  readonly synchronous: SynchronousMode;
  #inTransaction = false;
  #commitScheduled = false;
  #waiters: Array<{ resolve: () => void; reject: (error: Error) => void }> = [];
  readonly #afterCommit = new Set<() => void>();
  readonly #afterRollback = new Set<() => void>();
  #closed = false;
  #commits = 0;

  constructor(options: LocalDatabaseOptions) {
    this.synchronous = options.synchronous ?? DEFAULT_SYNCHRONOUS;
    if (!SYNCHRONOUS_MODES.includes(this.synchronous)) {
      throw new LocalDatabaseError(
        `synchronous must be one of ${SYNCHRONOUS_MODES.join(', ')}, got "${String(this.synchronous)}"`,
      );
    }
    if (options.dataDir === ':memory:') {
      this.path = ':memory:';
    } else {
      const dir = resolve(options.dataDir);
      try {
        // Owner only: the queue holds callback bodies as received, payload secrets included.
        mkdirSync(dir, { recursive: true, mode: 0o700 });
      } catch (error) {
        throw new LocalDatabaseError(
          `cannot create the data directory ${dir}: ${error instanceof Error ? error.message : String(error)}; pass --data-dir with a writable path`,
          { cause: error },
        );
      }
      this.path = join(dir, options.file ?? DATABASE_FILE);
    }
    const exclusive = options.exclusive ?? true;
    try {
      // No busy wait: a data directory in use must fail at once, not after better-sqlite3's 5 s default.
      this.db = new Database(this.path, { timeout: 0 });
      this.db.pragma('journal_mode = WAL');
      this.db.pragma(`synchronous = ${this.synchronous.toUpperCase()}`);
      if (exclusive) {
        this.db.pragma('locking_mode = EXCLUSIVE');
        this.db.pragma('busy_timeout = 0');
      } else {
        this.db.pragma(`busy_timeout = ${SHARED_BUSY_TIMEOUT_MS}`);
      }
      this.#migrate(options.migrations ?? MIGRATIONS);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const busy = /locked|busy/i.test(message);
      throw new LocalDatabaseError(
        busy
          ? `the data directory ${options.dataDir} is in use by another local runtime (${message}); stop it or pass another --data-dir`
          : `cannot open the local database ${this.path}: ${message}`,
        { cause: error },
      );
    }
  }

  #migrate(migrations: readonly Migration[]): void {
    // Taking the write lock here holds it (exclusive mode) until close.
    this.db.exec('BEGIN IMMEDIATE');
    try {
      const version = Number(this.db.pragma('user_version', { simple: true }));
      for (let index = version; index < migrations.length; index += 1) migrations[index]?.(this.db);
      this.db.pragma(`user_version = ${migrations.length}`);
      this.db.exec('COMMIT');
    } catch (error) {
      this.db.exec('ROLLBACK');
      throw error;
    }
  }

  /**
   * Runs `write` now, inside this turn's transaction (opened when needed). Await {@link committed} to know
   * it is on disk. A write that throws must do so before its first statement (no savepoint is taken: one
   * per write costs more than the writes themselves); a single statement that fails undoes itself.
   */
  run<T>(write: () => T): T {
    if (this.#closed) throw new LocalDatabaseError('the local database is closed');
    if (!this.#inTransaction) {
      this.db.exec('BEGIN IMMEDIATE');
      this.#inTransaction = true;
    }
    this.#scheduleCommit();
    return write();
  }

  /** Resolves once everything written so far is committed (rejects when that commit failed). */
  committed(): Promise<void> {
    if (!this.#inTransaction) return Promise.resolve();
    return new Promise((resolve, reject) => this.#waiters.push({ resolve, reject }));
  }

  /** Transactions committed since open. */
  get commits(): number {
    return this.#commits;
  }

  /** Calls `listener` after every commit (e.g. to project committed events to a file). */
  onCommit(listener: () => void): () => void {
    this.#afterCommit.add(listener);
    return () => this.#afterCommit.delete(listener);
  }

  /**
   * Calls `listener` after a commit failed and its transaction was rolled back (a full disk, an I/O
   * error): what a writer counted in memory for that transaction must be recounted from disk.
   */
  onRollback(listener: () => void): () => void {
    this.#afterRollback.add(listener);
    return () => this.#afterRollback.delete(listener);
  }

  #scheduleCommit(): void {
    if (this.#commitScheduled) return;
    this.#commitScheduled = true;
    setImmediate(() => this.commit());
  }

  /** Commits the open transaction now (normally scheduled by {@link run}). */
  commit(): void {
    this.#commitScheduled = false;
    if (!this.#inTransaction) return;
    const waiters = this.#waiters;
    this.#waiters = [];
    this.#inTransaction = false;
    try {
      this.db.exec('COMMIT');
    } catch (error) {
      try {
        this.db.exec('ROLLBACK');
      } catch {
        // COMMIT may already have rolled back.
      }
      const failure = new LocalDatabaseError(
        `commit to ${this.path} failed: ${error instanceof Error ? error.message : String(error)}`,
        { cause: error },
      );
      for (const listener of this.#afterRollback) listener();
      for (const waiter of waiters) waiter.reject(failure);
      return;
    }
    this.#commits += 1;
    for (const waiter of waiters) waiter.resolve();
    for (const listener of this.#afterCommit) listener();
  }

  /** Commits what is pending and closes the connection. Safe to call more than once. */
  close(): void {
    if (this.#closed) return;
    this.commit();
    this.#closed = true;
    this.db.close();
  }
}

/**
 * Takes the data directory for this runtime: opens (creating) `lock.sqlite` in exclusive mode and writes
 * to it, which holds its lock until the returned database is closed. Throws {@link LocalDatabaseError}
 * when another runtime holds it.
 */
export function holdDataDirectory(dataDir: string, synchronous?: SynchronousMode): LocalDatabase {
  const lock = new LocalDatabase({
    dataDir,
    synchronous,
    file: LOCK_FILE,
    migrations: [(db) => db.exec('CREATE TABLE holder (pid INTEGER NOT NULL, since INTEGER NOT NULL)')],
  });
  lock.run(() => {
    lock.db.prepare('DELETE FROM holder').run();
    lock.db.prepare('INSERT INTO holder (pid, since) VALUES (?, ?)').run(process.pid, Date.now());
  });
  lock.commit();
  return lock;
}

/**
 * A count kept in memory that follows the transactions of a database: what was added during a transaction
 * whose commit failed is taken back, so the count never drifts from what is on disk.
 */
export class TransactionalCount {
  #committed = 0;
  #pending = 0;

  constructor(database: LocalDatabase) {
    database.onCommit(() => {
      this.#committed += this.#pending;
      this.#pending = 0;
    });
    database.onRollback(() => {
      this.#pending = 0;
    });
  }

  /** Counts `n` more, as part of the transaction open now. */
  add(n = 1): void {
    this.#pending += n;
  }

  /** Committed, plus what the open transaction added. */
  get value(): number {
    return this.#committed + this.#pending;
  }
}
