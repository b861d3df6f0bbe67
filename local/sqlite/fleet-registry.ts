/**
 * The fleet registry in the local runtime's database, behind the same port as the DynamoDB adapter
 * (`functions/commons/fleet-registry.ts`): one row per provisioned user, the entry as JSON beside its key.
 * The table is created here on first use (it is not one of the database's migrations, so the runtime's
 * other tables are untouched by it).
 */
import { type FleetEntry, type FleetRegistry, parseFleetEntry } from '../../shared/fleet/registry';
import type { LocalDatabase } from './database';

export function sqliteFleetRegistry(database: LocalDatabase): FleetRegistry {
  database.db.exec(
    'CREATE TABLE IF NOT EXISTS fleet_user (user_id INTEGER PRIMARY KEY, entry TEXT NOT NULL)',
  );
  const get = database.db.prepare<[number], { entry: string }>(
    'SELECT entry FROM fleet_user WHERE user_id = ?',
  );
  const put = database.db.prepare(
    `INSERT INTO fleet_user (user_id, entry) VALUES (?, ?)
     ON CONFLICT (user_id) DO UPDATE SET entry = excluded.entry`,
  );
  const all = database.db.prepare<[], { entry: string }>('SELECT entry FROM fleet_user ORDER BY user_id');
  const parse = (text: string, where: string): FleetEntry => parseFleetEntry(JSON.parse(text), where);
  return {
    async get(userId) {
      const row = get.get(userId);
      return row === undefined ? null : parse(row.entry, `of user ${userId}`);
    },
    async put(entry) {
      const valid = parseFleetEntry(entry, `of user ${entry.userId}`);
      database.run(() => put.run(valid.userId, JSON.stringify(valid)));
      await database.committed();
    },
    async list() {
      return all.all().map((row) => parse(row.entry, 'in the local database'));
    },
  };
}
