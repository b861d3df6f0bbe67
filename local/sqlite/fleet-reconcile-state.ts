/**
 * The fleet reconciler's pass and visits in the local runtime's database, behind the same store as the
 * DynamoDB items (`functions/commons/fleet-reconcile-state.ts`; see `shared/pipeline/reconcile/fleet-state.ts`):
 * one row per visited user, written as each visit finishes, and one row for the pass, so a restarted runtime
 * continues the pass under way. The tables are created here on first use, as the fleet registry's is (not
 * one of the database's migrations).
 */
import {
  type FleetReconcileStateStore,
  fleetStateStore,
  type StoredFleetVisit,
} from '../../shared/pipeline/reconcile/fleet-state';
import type { LocalDatabase } from './database';

interface VisitRow {
  readonly user_id: number;
  readonly visited_at: number;
  readonly active: number;
  readonly drifted: number;
  readonly pass: number;
}

export function sqliteFleetReconcileState(database: LocalDatabase): FleetReconcileStateStore {
  database.db.exec(`
    CREATE TABLE IF NOT EXISTS fleet_reconcile_visit (
      user_id INTEGER PRIMARY KEY,
      visited_at INTEGER NOT NULL,
      active INTEGER NOT NULL,
      drifted INTEGER NOT NULL,
      pass INTEGER NOT NULL
    );
    CREATE TABLE IF NOT EXISTS fleet_reconcile_pass (
      id INTEGER PRIMARY KEY CHECK (id = 1),
      started_at INTEGER,
      pass INTEGER NOT NULL
    );
  `);
  const getPass = database.db.prepare<[], { started_at: number | null; pass: number }>(
    'SELECT started_at, pass FROM fleet_reconcile_pass WHERE id = 1',
  );
  const putPass = database.db.prepare(
    'INSERT OR REPLACE INTO fleet_reconcile_pass (id, started_at, pass) VALUES (1, ?, ?)',
  );
  const allVisits = database.db.prepare<[], VisitRow>('SELECT * FROM fleet_reconcile_visit');
  const putVisit = database.db.prepare(
    `INSERT OR REPLACE INTO fleet_reconcile_visit (user_id, visited_at, active, drifted, pass)
     VALUES (?, ?, ?, ?, ?)`,
  );
  return fleetStateStore({
    async loadPass() {
      const row = getPass.get();
      return row === undefined ? null : { startedAt: row.started_at, pass: row.pass };
    },
    async loadVisits(userIds) {
      const wanted = new Set(userIds);
      const visits = new Map<number, StoredFleetVisit>();
      for (const row of allVisits.all()) {
        if (!wanted.has(row.user_id)) continue;
        visits.set(row.user_id, {
          visitedAt: row.visited_at,
          active: row.active === 1,
          drifted: row.drifted === 1,
          pass: row.pass,
        });
      }
      return visits;
    },
    async savePass(pass) {
      database.run(() => putPass.run(pass.startedAt, pass.pass));
      await database.committed();
    },
    async saveVisit(userId, visit) {
      database.run(() =>
        putVisit.run(userId, visit.visitedAt, visit.active ? 1 : 0, visit.drifted ? 1 : 0, visit.pass),
      );
      await database.committed();
    },
  });
}
