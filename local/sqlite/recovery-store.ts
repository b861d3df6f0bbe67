/**
 * The failure poller's memory in the local runtime's database, behind the same ports as the DynamoDB
 * adapters (`functions/commons/recovery-store.ts`): the arrival log the normalizer writes and the poller
 * reads, and the retry attempts per bunq failure. Items expire as the DynamoDB items do (reads treat an
 * expired row as absent; expired rows are deleted now and then).
 */

import type { ReconcileCursorStore } from '../../shared/pipeline/reconcile/ports';
import {
  type ArrivalEntry,
  type ArrivalLog,
  type ArrivalRecorder,
  type ArrivedCallback,
  type AttemptStore,
  answersRetry,
  arrivalId,
  type FailureRecord,
  storedEventType,
} from '../../shared/pipeline/recovery/ports';
import type { LocalDatabase } from './database';

export interface SqliteRecoveryOptions {
  readonly database: LocalDatabase;
  /** Seconds a row lives after its last write. */
  readonly ttlSeconds: number;
  /** @default () => new Date() */
  readonly now?: () => Date;
}

const epochSeconds = (date: Date): number => Math.floor(date.getTime() / 1_000);

/**
 * The arrival log: both sides (the normalizer records, the poller and reconciler read). Each distinct event
 * type and object type under one category and object id is its own row, as the DynamoDB item's set holds
 * them; a new arrival under an id renews the expiry of all of them, as a write to the item does.
 */
export function sqliteArrivals(options: SqliteRecoveryOptions): ArrivalRecorder & ArrivalLog {
  const { database } = options;
  const now = options.now ?? (() => new Date());
  const insert = database.db.prepare(
    `INSERT INTO arrival (id, event_type, object_type, arrived_at, expires_at, dedup_key) VALUES (?, ?, ?, ?, ?, ?)
     ON CONFLICT (id, event_type, object_type) DO NOTHING`,
  );
  const first = database.db.prepare<[string, string, string, number], { dedup_key: string | null }>(
    'SELECT dedup_key FROM arrival WHERE id = ? AND event_type = ? AND object_type = ? AND expires_at > ?',
  );
  const expected = database.db.prepare<[string, number], { event_type: string }>(
    'SELECT event_type FROM retry_expected WHERE id = ? AND expires_at > ?',
  );
  const renew = database.db.prepare('UPDATE arrival SET expires_at = ? WHERE id = ?');
  const get = database.db.prepare<[string, number], { event_type: string; object_type: string }>(
    'SELECT event_type, object_type FROM arrival WHERE id = ? AND expires_at > ?',
  );
  const purge = database.db.prepare('DELETE FROM arrival WHERE expires_at <= ?');
  const purgeExpected = database.db.prepare('DELETE FROM retry_expected WHERE expires_at <= ?');
  let lastPurge = 0;
  return {
    async recordArrival(arrival: ArrivedCallback) {
      const at = now();
      const seconds = epochSeconds(at);
      const id = arrivalId(arrival);
      const eventType = storedEventType(arrival.eventType);
      return database.run(() => {
        const before = first.get(id, eventType, arrival.objectType, seconds);
        const wanted = expected.all(id, seconds).map((row) => row.event_type);
        insert.run(
          id,
          eventType,
          arrival.objectType,
          at.toISOString(),
          seconds + options.ttlSeconds,
          arrival.dedupKey,
        );
        renew.run(seconds + options.ttlSeconds, id);
        if (seconds - lastPurge >= 60) {
          lastPurge = seconds;
          purge.run(seconds);
          purgeExpected.run(seconds);
        }
        // A row from before `dedup_key` existed has none, as a DynamoDB item from before `first` has none.
        return { answersRetry: answersRetry(arrival, wanted, before?.dedup_key) };
      });
    },
    async arrivals(refs) {
      const seconds = epochSeconds(now());
      const found = new Map<string, readonly ArrivalEntry[]>();
      for (const ref of refs) {
        const id = arrivalId(ref);
        const rows = get.all(id, seconds);
        if (rows.length === 0) continue;
        found.set(
          id,
          rows.map((row) => ({
            eventType: JSON.parse(row.event_type) as string | null,
            objectType: row.object_type,
          })),
        );
      }
      return found;
    },
  };
}

interface AttemptRow {
  failure_id: number;
  attempts: number;
  exhausted_at: string | null;
  arrived_at: string | null;
}

/** Retry attempts per bunq failure. */
export function sqliteAttemptStore(options: SqliteRecoveryOptions): AttemptStore {
  const { database } = options;
  const now = options.now ?? (() => new Date());
  const { db } = database;
  const get = db.prepare<[number, number, number], AttemptRow>(
    'SELECT failure_id, attempts, exhausted_at, arrived_at FROM attempt WHERE user_id = ? AND failure_id = ? AND expires_at > ?',
  );
  // An expired row counts as absent, as in DynamoDB: it starts over.
  const ensure = db.prepare(
    `INSERT INTO attempt (user_id, failure_id, attempts, expires_at) VALUES (?, ?, 0, ?)
     ON CONFLICT (user_id, failure_id) DO UPDATE SET
       attempts = CASE WHEN expires_at <= ? THEN 0 ELSE attempts END,
       first_attempt_at = CASE WHEN expires_at <= ? THEN NULL ELSE first_attempt_at END,
       exhausted_at = CASE WHEN expires_at <= ? THEN NULL ELSE exhausted_at END,
       arrived_at = CASE WHEN expires_at <= ? THEN NULL ELSE arrived_at END`,
  );
  const attempt = db.prepare(
    `UPDATE attempt SET attempts = attempts + 1, last_attempt_at = ?, first_attempt_at = coalesce(first_attempt_at, ?),
       expires_at = ? WHERE user_id = ? AND failure_id = ?`,
  );
  const exhaust = db.prepare(
    'UPDATE attempt SET exhausted_at = ?, expires_at = ? WHERE user_id = ? AND failure_id = ? AND exhausted_at IS NULL',
  );
  const arrive = db.prepare(
    'UPDATE attempt SET arrived_at = coalesce(arrived_at, ?), expires_at = ? WHERE user_id = ? AND failure_id = ?',
  );
  const expect = db.prepare(
    `INSERT INTO retry_expected (id, event_type, requested_at, expires_at) VALUES (?, ?, ?, ?)
     ON CONFLICT (id, event_type) DO UPDATE SET requested_at = excluded.requested_at, expires_at = excluded.expires_at`,
  );
  const fresh = (userId: number, failureId: number, at: Date): void => {
    const seconds = epochSeconds(at);
    ensure.run(userId, failureId, seconds + options.ttlSeconds, seconds, seconds, seconds, seconds);
  };

  return {
    async load(userId, failureIds) {
      const seconds = epochSeconds(now());
      const records = new Map<number, FailureRecord>();
      for (const failureId of new Set(failureIds)) {
        const row = get.get(userId, failureId, seconds);
        if (row === undefined) continue;
        records.set(failureId, {
          failureId,
          attempts: row.attempts,
          exhaustedAt: row.exhausted_at,
          arrivedAt: row.arrived_at,
        });
      }
      return records;
    },
    async recordAttempt(userId, failureId, at) {
      const expires = epochSeconds(at) + options.ttlSeconds;
      return database.run(() => {
        fresh(userId, failureId, at);
        attempt.run(at.toISOString(), at.toISOString(), expires, userId, failureId);
        return get.get(userId, failureId, epochSeconds(at))?.attempts ?? 1;
      });
    },
    async markExhausted(userId, failureId, at) {
      const expires = epochSeconds(at) + options.ttlSeconds;
      return database.run(() => {
        fresh(userId, failureId, at);
        return exhaust.run(at.toISOString(), expires, userId, failureId).changes > 0;
      });
    },
    async expectRedeliveries(redeliveries, at) {
      const expires = epochSeconds(at) + options.ttlSeconds;
      database.run(() => {
        for (const ref of redeliveries) {
          expect.run(arrivalId(ref), storedEventType(ref.eventType), at.toISOString(), expires);
        }
      });
    },
    async markArrived(userId, failureId, at) {
      const expires = epochSeconds(at) + options.ttlSeconds;
      database.run(() => {
        fresh(userId, failureId, at);
        arrive.run(at.toISOString(), expires, userId, failureId);
      });
    },
  };
}

/** The reconciler's cursor per bunq user: the id of the last bunq event it settled. It never expires. */
export function sqliteCursorStore(
  options: Pick<SqliteRecoveryOptions, 'database' | 'now'>,
): ReconcileCursorStore {
  const { database } = options;
  const now = options.now ?? (() => new Date());
  const get = database.db.prepare<[number], { last_event_id: number }>(
    'SELECT last_event_id FROM reconcile_cursor WHERE user_id = ?',
  );
  const put = database.db.prepare(
    'INSERT OR REPLACE INTO reconcile_cursor (user_id, last_event_id, saved_at) VALUES (?, ?, ?)',
  );
  return {
    async load(userId) {
      return get.get(userId)?.last_event_id ?? null;
    },
    async save(userId, lastEventId) {
      database.run(() => put.run(userId, lastEventId, now().toISOString()));
    },
  };
}
