/**
 * A commit that fails (a full disk, an I/O error) rolls its transaction back; the local runtime's counts in
 * memory must follow: the inbox's backlog (what the 503 bound reads), the queue's size and its deleted
 * count, the events counted by the outbox. The failure is SQLite's own: COMMIT fails and the transaction is
 * rolled back for real.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalDatabaseError } from '../../local/errors';
import { holdDataDirectory, LocalDatabase, TransactionalCount } from '../../local/sqlite/database';
import { Inbox, InboxReader } from '../../local/sqlite/inbox';
import { newMessage, SqliteQueueStore } from '../../local/sqlite/queue-store';

let dir: string;
const open: Array<{ close(): void }> = [];
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bunq-local-commit-'));
});
afterEach(async () => {
  for (const item of open.splice(0).reverse()) item.close();
  await rm(dir, { recursive: true, force: true });
});

/** The next COMMIT on `database` fails as a full disk would make it (SQLITE_FULL), once. */
function failNextCommit(database: LocalDatabase): void {
  const exec = database.db.exec.bind(database.db);
  database.db.exec = (sql: string) => {
    if (sql === 'COMMIT') {
      database.db.exec = exec;
      throw Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' });
    }
    return exec(sql);
  };
}

const callback = (id: number) => ({ body: JSON.stringify({ id }), attributes: { requestId: `r-${id}` } });

it('the inbox counts only committed callbacks, so a failed commit does not eat into the backlog bound', async () => {
  const inbox = new Inbox({ dataDir: dir, maxBacklog: 2 });
  open.push(inbox);
  await inbox.send(callback(1));
  expect(inbox.backlog).toBe(1);

  failNextCommit(inbox.database);
  await expect(inbox.send(callback(2))).rejects.toThrow(LocalDatabaseError);
  expect(inbox.backlog).toBe(1);
  expect(inbox.lastSeq).toBe(1);

  // Room for one more, not zero: the bound counts what is on disk.
  await inbox.send(callback(3));
  expect(inbox.backlog).toBe(2);
  const rows = inbox.database.db.prepare('SELECT body FROM inbox ORDER BY seq').all() as Array<{
    body: string;
  }>;
  expect(rows.map((row) => row.body)).toEqual([callback(1).body, callback(3).body]);
});

it('the queue size, the cursor and transactional counts are taken back with a failed commit', async () => {
  const inbox = new Inbox({ dataDir: dir, maxBacklog: 100 });
  open.push(inbox);
  await inbox.send(callback(1));
  await inbox.send(callback(2));
  const state = new LocalDatabase({ dataDir: dir, exclusive: false });
  open.push(state);
  const reader = new InboxReader(state, dir);
  open.push(reader);
  const store = new SqliteQueueStore(state, 1_000);
  const deleted = new TransactionalCount(state);
  state.commit();

  failNextCommit(state);
  expect(reader.take(store, 10)).toBe(2);
  store.add(newMessage(callback(3)));
  const [first] = store.receive(1, Date.now());
  if (first === undefined) throw new Error('nothing received');
  store.remove(first.seq);
  deleted.add();
  expect(() => state.commit()).not.toThrow();
  // The rollback happened: all counts are what the disk says.
  expect(store.size).toBe(0);
  expect(deleted.value).toBe(0);
  expect(reader.cursor).toBe(0);
  expect(reader.waiting).toBe(2);

  // Taken again, from where the disk says.
  expect(reader.take(store, 10)).toBe(2);
  state.commit();
  expect({ size: store.size, cursor: reader.cursor, waiting: reader.waiting }).toEqual({
    size: 2,
    cursor: 2,
    waiting: 0,
  });
});

it('holds the data directory: a second runtime on it fails at once', () => {
  const lock = holdDataDirectory(dir);
  open.push(lock);
  expect(() => holdDataDirectory(dir)).toThrow(/in use by another local runtime/);
});
