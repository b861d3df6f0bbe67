/**
 * The local event bus's outbox: each event put on the bus is first a row in the runtime's database (in the
 * same transactions as the dedupe records and the queue), and only once committed is it appended to the
 * events file, opened once. The file's position is checkpointed beside the rows, so after a crash the file
 * is cut back to the last checkpoint and the committed events after it are written again: every committed
 * event is in the file exactly once, none that was rolled back is.
 *
 * The outbox also tells the dedupe store which callbacks were published when a claim was left in doubt by
 * a crash (`SqliteDedupeStore.settleOrphanedClaims`), so its rows are kept for `retentionMs` after they were
 * written out; their lines are emptied once the file's checkpoint has passed them.
 */
import { closeSync, fdatasyncSync, fstatSync, ftruncateSync, openSync, writeSync } from 'node:fs';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Statement } from 'better-sqlite3';
import type { BusEvent } from '../../shared/contract/callback-event';
import { EventOutboxError } from '../errors';
import { type LocalDatabase, TransactionalCount } from './database';

const PROJECTION = 'events-file';
/** Rows written to the file per write call. */
const CHUNK = 2_000;
/** How often the events file's position is checkpointed (with its fsync) while events flow. */
const CHECKPOINT_INTERVAL_MS = 1_000;
/** How often written rows past their retention are deleted. */
const PRUNE_INTERVAL_MS = 10_000;

export interface EventOutboxOptions {
  readonly database: LocalDatabase;
  /** The events file (created when missing); without it events are kept only as long as the outbox needs. */
  readonly file?: string;
  /** How long a written event stays in the outbox (at least the normalize handler's time limit). */
  readonly retentionMs: number;
  /** fsync the events file before its checkpoint, so it survives a power loss as the database does. */
  readonly fsync: boolean;
  readonly logger: Logger;
}

interface ProjectionRow {
  path: string | null;
  seq: number;
  offset: number;
}

export class EventOutbox {
  readonly path: string | undefined;
  readonly #options: EventOutboxOptions;
  readonly #fd: number | undefined;
  readonly #insert: Statement;
  readonly #pending: Statement<[number, number], { seq: number; line: string }>;
  readonly #checkpointRow: Statement;
  readonly #dropLines: Statement<[number, number]>;
  readonly #prune: Statement;
  readonly #since: Statement<[number], { dedup_key: string | null; event_id: string }>;
  readonly #stopListening: () => void;
  /** The last event written to the file, and the file's size after it. */
  #seq: number;
  #offset: number;
  /** What the database records as written (the file is cut back to it after a crash). */
  #checkpointed: { seq: number; offset: number };
  #lastCheckpoint = 0;
  #lastPrune = 0;
  readonly #appended: TransactionalCount;
  /** Lines stored in the open transaction, and those committed and not yet written: no read back of each. */
  #uncommitted: Array<{ seq: number; line: string }> = [];
  #committedLines: Array<{ seq: number; line: string }> = [];
  #closed = false;

  constructor(options: EventOutboxOptions) {
    this.#options = options;
    this.path = options.file;
    this.#appended = new TransactionalCount(options.database);
    const { db } = options.database;
    this.#insert = db.prepare(
      'INSERT INTO outbox (event_id, dedup_key, line, created_at) VALUES (?, ?, ?, ?)',
    );
    this.#pending = db.prepare('SELECT seq, line FROM outbox WHERE seq > ? ORDER BY seq LIMIT ?');
    this.#checkpointRow = db.prepare('UPDATE projection SET seq = ?, offset = ? WHERE name = ?');
    this.#dropLines = db.prepare("UPDATE outbox SET line = '' WHERE seq > ? AND seq <= ?");
    this.#prune = db.prepare('DELETE FROM outbox WHERE seq <= ? AND created_at < ?');
    this.#since = db.prepare(
      'SELECT dedup_key, event_id FROM outbox WHERE created_at >= ? AND dedup_key IS NOT NULL',
    );

    if (options.file !== undefined) {
      try {
        this.#fd = openSync(options.file, 'a');
      } catch (error) {
        throw new EventOutboxError(
          `cannot append to ${options.file}: ${error instanceof Error ? error.message : String(error)}`,
          { cause: error },
        );
      }
    }
    const size = this.#fd === undefined ? 0 : fstatSync(this.#fd).size;
    const path = options.file ?? null;
    const stored = db
      .prepare<[string], ProjectionRow>('SELECT path, seq, offset FROM projection WHERE name = ?')
      .get(PROJECTION);
    if (stored === undefined) {
      this.#seq = 0;
      this.#offset = size;
      options.database.run(() =>
        db
          .prepare('INSERT INTO projection (name, path, seq, offset) VALUES (?, ?, ?, ?)')
          .run(PROJECTION, path, 0, size),
      );
    } else {
      this.#seq = stored.seq;
      if (stored.path !== path || size < stored.offset) {
        // Another file, or the file was rotated or cut: continue at its end with what was not written yet.
        this.#offset = size;
      } else {
        this.#offset = stored.offset;
        if (size > stored.offset && this.#fd !== undefined) {
          // Written after the last checkpoint by a process that died: those events are rewritten below.
          ftruncateSync(this.#fd, stored.offset);
          options.logger.warn(
            'events file cut back to its last checkpoint; the events after it are rewritten',
            {
              file: options.file,
              bytes: size - stored.offset,
            },
          );
        }
      }
      options.database.run(() =>
        db.prepare('UPDATE projection SET path = ? WHERE name = ?').run(path, PROJECTION),
      );
    }
    this.#checkpointed = { seq: this.#seq, offset: this.#offset };
    const stopRollback = options.database.onRollback(() => {
      this.#uncommitted = [];
    });
    const stopCommit = options.database.onCommit(() => {
      if (this.#uncommitted.length > 0) {
        for (const row of this.#uncommitted) this.#committedLines.push(row);
        this.#uncommitted = [];
      }
      this.#project();
    });
    this.#stopListening = () => {
      stopCommit();
      stopRollback();
    };
  }

  /** Stores one event (as `line` when given); it reaches the events file after the next commit. */
  async append(event: BusEvent, line?: string): Promise<void> {
    const detail: unknown = event.detail;
    const dedupKey =
      typeof detail === 'object' && detail !== null ? (detail as { dedupKey?: unknown }).dedupKey : undefined;
    const text = line ?? JSON.stringify(event);
    const { lastInsertRowid } = this.#options.database.run(() =>
      this.#insert.run(event.id, typeof dedupKey === 'string' ? dedupKey : null, text, Date.now()),
    );
    this.#uncommitted.push({ seq: Number(lastInsertRowid), line: text });
    this.#appended.add();
  }

  /** Events stored since this outbox opened (not those of a transaction whose commit failed). */
  get count(): number {
    return this.#appended.value;
  }

  /** Resolves once every event stored so far is committed and in the events file. */
  async flush(): Promise<void> {
    await this.#options.database.committed();
    this.#project(true);
  }

  /**
   * Events stored at or after `since` (epoch ms), by dedupe key: for settling orphaned dedupe claims. A
   * list, not a cursor: the caller writes while it reads them.
   */
  publishedSince(since: number): Array<{ dedupKey: string; eventId: string }> {
    return this.#since
      .all(since)
      .flatMap((row) => (row.dedup_key === null ? [] : [{ dedupKey: row.dedup_key, eventId: row.event_id }]));
  }

  /** Writes what is committed and closes the events file. */
  close(): void {
    if (this.#closed) return;
    this.#project(true);
    this.#closed = true;
    this.#stopListening();
    if (this.#fd !== undefined) closeSync(this.#fd);
  }

  /**
   * Appends the committed events not yet in the file, and checkpoints the file's position at most every
   * {@link CHECKPOINT_INTERVAL_MS} (and when `checkpoint`): the fsync and the checkpoint's own commit are
   * per interval, not per commit. A crash between checkpoints cuts the file back to the last one and writes
   * the events after it again (see the constructor), so a lagging checkpoint costs a rewrite, never a loss.
   */
  #project(checkpoint = false): void {
    if (this.#closed) return;
    for (;;) {
      const rows = this.#nextRows();
      const last = rows[rows.length - 1];
      if (last === undefined) break;
      if (this.#fd !== undefined) {
        const bytes = Buffer.from(`${rows.map((row) => row.line).join('\n')}\n`, 'utf8');
        try {
          let written = 0;
          while (written < bytes.length) written += writeSync(this.#fd, bytes, written);
        } catch (error) {
          // Kept in the outbox; the next commit tries again. Cut any half-written line first.
          this.#options.logger.error('events could not be written to the events file; will retry', {
            file: this.path,
            error,
          });
          try {
            ftruncateSync(this.#fd, this.#offset);
          } catch {
            // Nothing more to do: the checkpoint still names the last good position.
          }
          return;
        }
        this.#offset += bytes.length;
      }
      this.#seq = last.seq;
      if (rows.length < CHUNK) break;
    }
    const now = Date.now();
    if (
      this.#seq !== this.#checkpointed.seq &&
      (checkpoint || now - this.#lastCheckpoint >= CHECKPOINT_INTERVAL_MS)
    ) {
      this.#checkpoint(now);
    }
    if (now - this.#lastPrune >= PRUNE_INTERVAL_MS) {
      this.#lastPrune = now;
      // Only rows behind the checkpoint: those after it are written again after a crash.
      const seq = this.#checkpointed.seq;
      this.#options.database.run(() => this.#prune.run(seq, now - this.#options.retentionMs));
    }
  }

  /**
   * The committed rows after the last one written, up to {@link CHUNK}: those this process committed, as it
   * stored them, when they follow on; else from the table (after a restart, or a write that failed).
   */
  #nextRows(): Array<{ seq: number; line: string }> {
    const lines = this.#committedLines;
    let first = 0;
    while (first < lines.length && (lines[first] as { seq: number }).seq <= this.#seq) first += 1;
    if (first < lines.length && (lines[first] as { seq: number }).seq === this.#seq + 1) {
      const rows = lines.slice(first, first + CHUNK);
      this.#committedLines = lines.slice(first + rows.length);
      return rows;
    }
    this.#committedLines = [];
    return this.#pending.all(this.#seq, CHUNK);
  }

  #checkpoint(now: number): void {
    this.#lastCheckpoint = now;
    if (this.#fd !== undefined && this.#options.fsync) {
      try {
        // What the checkpoint names must be on disk before it is.
        fdatasyncSync(this.#fd);
      } catch (error) {
        this.#options.logger.error('the events file could not be synced; its checkpoint stays behind', {
          file: this.path,
          error,
        });
        return;
      }
    }
    const position = { seq: this.#seq, offset: this.#offset };
    const previous = this.#checkpointed.seq;
    this.#options.database.run(() => {
      this.#checkpointRow.run(position.seq, position.offset, PROJECTION);
      // Behind the checkpoint a line is never written again: only its keys are kept for the retention,
      // so the outbox holds minutes of keys, not minutes of events.
      this.#dropLines.run(previous, position.seq);
    });
    this.#checkpointed = position;
  }
}
