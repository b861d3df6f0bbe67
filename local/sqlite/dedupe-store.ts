/**
 * The dedupe store of the local runtime (`shared/pipeline/normalize/dedupe.ts`) on the runtime's SQLite
 * database. A claim is a row IN_PROGRESS until its in-progress expiry; a batch's published keys are marked
 * COMPLETED in one transaction (one commit to disk), so locally there are no batch items to read: a claim is
 * either live, or free at its in-progress expiry, or completed. Rows keep the layout (and ids) the
 * Powertools Idempotency layer this store replaced wrote, so an existing data directory keeps its markers.
 *
 * What the local runtime adds is crash recovery: a claim left IN_PROGRESS by a killed process is settled
 * before the first claim of the new process, from the event outbox in the same database (see
 * {@link OrphanedClaimSettlement}), so a restart neither publishes such a callback again nor waits out its
 * in-progress expiry.
 */
import type { Statement } from 'better-sqlite3';
import {
  type ClaimWrite,
  type DedupeStore,
  dedupeRecordKey,
  type PublishedKey,
  type StoredClaim,
} from '../../shared/pipeline/normalize/dedupe';
import type { LocalDatabase } from './database';

const IN_PROGRESS = 'INPROGRESS';
const COMPLETED = 'COMPLETED';

interface Row {
  key: string;
  status: string;
  expires_at: number;
  in_progress_expires_at: number | null;
  payload_hash: string | null;
  response: string | null;
  created_at: number;
}

/**
 * How claims left IN_PROGRESS by a previous process are settled: a claim whose event is in the outbox is
 * completed (so its redelivery is suppressed as a duplicate), any other is deleted (so it publishes).
 */
export interface OrphanedClaimSettlement {
  /** The events published at or after `since` (epoch ms), by the callback's dedupe key. */
  readonly published: (since: number) => Iterable<{ readonly dedupKey: string; readonly eventId: string }>;
  /** The stored result of a completed claim (its `eventId` is read back for duplicates). */
  readonly response: (eventId: string) => Record<string, unknown>;
}

/** How often expired records are deleted (DynamoDB's TTL does this in AWS). */
const PURGE_INTERVAL_MS = 60_000;

export class SqliteDedupeStore implements DedupeStore {
  readonly #database: LocalDatabase;
  readonly #get: Statement<[string], Row>;
  readonly #upsert: Statement;
  readonly #update: Statement;
  readonly #delete: Statement;
  readonly #purge: Statement;
  #lastPurge = 0;
  readonly #settlement: OrphanedClaimSettlement | undefined;
  #settled: { completed: number; released: number } | undefined;

  /**
   * @param settlement settles the claims a previous process left in progress; without it they wait out
   * their in-progress expiry, as in AWS
   */
  constructor(database: LocalDatabase, settlement?: OrphanedClaimSettlement) {
    this.#database = database;
    this.#settlement = settlement;
    const { db } = database;
    this.#get = db.prepare('SELECT * FROM dedupe WHERE key = ?');
    this.#upsert = db.prepare(
      `INSERT OR REPLACE INTO dedupe (key, status, expires_at, in_progress_expires_at, payload_hash, response, created_at)
       VALUES (?, ?, ?, ?, ?, NULL, ?)`,
    );
    this.#update = db.prepare(
      'UPDATE dedupe SET status = ?, expires_at = ?, response = ?, in_progress_expires_at = NULL WHERE key = ?',
    );
    this.#delete = db.prepare(`DELETE FROM dedupe WHERE key = ? AND status = '${IN_PROGRESS}'`);
    this.#purge = db.prepare('DELETE FROM dedupe WHERE expires_at < ?');
  }

  /** What the settlement of orphaned claims did (undefined before the first claim of this process). */
  get settled(): { readonly completed: number; readonly released: number } | undefined {
    return this.#settled;
  }

  async claim(write: ClaimWrite, nowMs: number): Promise<StoredClaim | null> {
    if (this.#settlement !== undefined && this.#settled === undefined) {
      this.#settled = this.#settleOrphanedClaims(this.#settlement);
    }
    this.#maybePurge(nowMs);
    return this.#database.run(() => {
      const existing = this.#get.get(write.key);
      const free =
        existing === undefined ||
        existing.expires_at < nowMs / 1_000 ||
        (existing.status === IN_PROGRESS &&
          existing.in_progress_expires_at !== null &&
          existing.in_progress_expires_at < nowMs);
      if (!free) return heldBy(existing, nowMs);
      this.#upsert.run(write.key, IN_PROGRESS, write.expiresAtSeconds, write.inProgressUntilMs, null, nowMs);
      return null;
    });
  }

  /** Locally a claim names no batch item, so there is never one to take over or read. */
  async takeOver(): Promise<boolean> {
    return false;
  }

  async readBatch(): Promise<undefined> {
    return undefined;
  }

  async release(key: string): Promise<void> {
    this.#database.run(() => this.#delete.run(key));
  }

  async commitBatch(_batch: string, published: readonly PublishedKey[], expiresAtSeconds: number) {
    this.#database.run(() => {
      for (const one of published) this.#complete(one.key, one.eventId, expiresAtSeconds);
    });
  }

  async complete(published: PublishedKey, _batch: string, expiresAtSeconds: number): Promise<void> {
    this.#database.run(() => this.#complete(published.key, published.eventId, expiresAtSeconds));
  }

  #complete(key: string, eventId: string, expiresAtSeconds: number): void {
    const response = this.#settlement?.response(eventId) ?? { eventId };
    this.#update.run(COMPLETED, expiresAtSeconds, JSON.stringify(response), key);
  }

  #maybePurge(now: number): void {
    if (now - this.#lastPurge < PURGE_INTERVAL_MS) return;
    this.#lastPurge = now;
    this.#database.run(() => this.#purge.run(Math.floor(now / 1_000)));
  }

  #settleOrphanedClaims({ published, response }: OrphanedClaimSettlement): {
    completed: number;
    released: number;
  } {
    const orphans = this.#database.db
      .prepare<[string], { key: string; created_at: number; expires_at: number }>(
        'SELECT key, created_at, expires_at FROM dedupe WHERE status = ?',
      )
      .all(IN_PROGRESS);
    if (orphans.length === 0) return { completed: 0, released: 0 };
    const pending = new Map(orphans.map((orphan) => [orphan.key, orphan]));
    const since = Math.min(...orphans.map((orphan) => orphan.created_at));
    let completed = 0;
    this.#database.run(() => {
      for (const event of published(since)) {
        const key = dedupeRecordKey(event.dedupKey);
        const orphan = pending.get(key);
        if (orphan === undefined) continue;
        pending.delete(key);
        // The claim's own expiry: it was set to the dedupe window when the claim was written.
        this.#update.run(COMPLETED, orphan.expires_at, JSON.stringify(response(event.eventId)), key);
        completed += 1;
      }
      for (const key of pending.keys()) this.#delete.run(key);
    });
    return { completed, released: pending.size };
  }
}

function heldBy(row: Row, nowMs: number): StoredClaim {
  if (row.status === COMPLETED) {
    const response = row.response === null ? {} : (JSON.parse(row.response) as { eventId?: unknown });
    return { state: 'completed', eventId: typeof response.eventId === 'string' ? response.eventId : null };
  }
  return { state: 'claimed', batch: null, inProgressUntilMs: row.in_progress_expires_at ?? nowMs };
}
