/**
 * The dedupe store of the local runtime: a Powertools Idempotency persistence layer on the runtime's SQLite
 * database, with the DynamoDB layer's semantics (`DynamoDBPersistenceLayer`): a claim succeeds when no
 * record exists, when the record expired, or when it is IN_PROGRESS past its in-progress expiry; otherwise
 * the existing record is handed back (COMPLETED: the stored response; IN_PROGRESS: try again later).
 *
 * The normalize handler runs unchanged on it. What the local runtime adds is crash recovery: a claim left
 * IN_PROGRESS by a killed process is settled before the first claim of the new process, from the event
 * outbox in the same database (see {@link OrphanedClaimSettlement}), so a restart neither publishes such a
 * callback again nor waits out its in-progress expiry.
 */
import {
  IdempotencyItemAlreadyExistsError,
  IdempotencyItemNotFoundError,
  IdempotencyRecordStatus,
} from '@aws-lambda-powertools/idempotency';
import { BasePersistenceLayer, IdempotencyRecord } from '@aws-lambda-powertools/idempotency/persistence';
import type { Statement } from 'better-sqlite3';
import type { LocalDatabase } from './database';

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
  /** The stored result of a completed claim, as the idempotent function returns it. */
  readonly response: (eventId: string) => Record<string, unknown>;
}

/** How often expired records are deleted (DynamoDB's TTL does this in AWS). */
const PURGE_INTERVAL_MS = 60_000;

export class SqliteDedupeStore extends BasePersistenceLayer {
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
    super();
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
    this.#delete = db.prepare('DELETE FROM dedupe WHERE key = ?');
    this.#purge = db.prepare('DELETE FROM dedupe WHERE expires_at < ?');
  }

  #toRecord(row: Row): IdempotencyRecord {
    return new IdempotencyRecord({
      idempotencyKey: row.key,
      status: row.status as IdempotencyRecord['status'],
      expiryTimestamp: row.expires_at,
      inProgressExpiryTimestamp: row.in_progress_expires_at ?? undefined,
      responseData: row.response === null ? undefined : (JSON.parse(row.response) as never),
      payloadHash: row.payload_hash ?? undefined,
    });
  }

  /** What the settlement of orphaned claims did (undefined before the first claim of this process). */
  get settled(): { readonly completed: number; readonly released: number } | undefined {
    return this.#settled;
  }

  protected async _putRecord(record: IdempotencyRecord): Promise<void> {
    // At the first claim, not at start: only by now has the handler configured the key prefix and path.
    if (this.#settlement !== undefined && this.#settled === undefined) {
      this.#settled = this.#settleOrphanedClaims(this.#settlement);
    }
    const now = Date.now();
    this.#maybePurge(now);
    this.#database.run(() => {
      const existing = this.#get.get(record.idempotencyKey);
      const free =
        existing === undefined ||
        existing.expires_at < now / 1_000 ||
        (existing.status === IdempotencyRecordStatus.INPROGRESS &&
          existing.in_progress_expires_at !== null &&
          existing.in_progress_expires_at < now);
      if (!free) {
        throw new IdempotencyItemAlreadyExistsError(
          `Failed to put record for already existing idempotency key: ${record.idempotencyKey}`,
          this.#toRecord(existing),
        );
      }
      this.#upsert.run(
        record.idempotencyKey,
        record.getStatus(),
        record.expiryTimestamp ?? Number.MAX_SAFE_INTEGER,
        record.inProgressExpiryTimestamp ?? null,
        this.isPayloadValidationEnabled() ? (record.payloadHash ?? null) : null,
        now,
      );
    });
  }

  protected async _getRecord(idempotencyKey: string): Promise<IdempotencyRecord> {
    const row = this.#get.get(idempotencyKey);
    if (row === undefined) throw new IdempotencyItemNotFoundError('Item does not exist in persistence store');
    return this.#toRecord(row);
  }

  protected async _updateRecord(record: IdempotencyRecord): Promise<void> {
    this.#database.run(() =>
      this.#update.run(
        record.getStatus(),
        record.expiryTimestamp ?? Number.MAX_SAFE_INTEGER,
        record.responseData === undefined ? null : JSON.stringify(record.responseData),
        record.idempotencyKey,
      ),
    );
  }

  protected async _deleteRecord(record: IdempotencyRecord): Promise<void> {
    this.#database.run(() => this.#delete.run(record.idempotencyKey));
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
      .prepare<[string], { key: string; created_at: number }>(
        'SELECT key, created_at FROM dedupe WHERE status = ?',
      )
      .all(IdempotencyRecordStatus.INPROGRESS);
    if (orphans.length === 0) return { completed: 0, released: 0 };
    const pending = new Map(orphans.map((orphan) => [orphan.key, orphan]));
    const since = Math.min(...orphans.map((orphan) => orphan.created_at));
    const expiry = Math.floor(Date.now() / 1_000) + this.expiresAfterSeconds;
    let completed = 0;
    this.#database.run(() => {
      for (const event of published(since)) {
        const key = this.getHashedIdempotencyKey({ dedupKey: event.dedupKey });
        if (!pending.delete(key)) continue;
        this.#update.run(
          IdempotencyRecordStatus.COMPLETED,
          expiry,
          JSON.stringify(response(event.eventId)),
          key,
        );
        completed += 1;
      }
      for (const key of pending.keys()) this.#delete.run(key);
    });
    return { completed, released: pending.size };
  }
}
