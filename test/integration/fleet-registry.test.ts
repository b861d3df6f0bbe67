/**
 * The fleet registry's adapters behind one contract: DynamoDB on dynalite (loopback) and the local runtime's
 * SQLite database. Entries round-trip exactly, `put` replaces, `list` reads every page in user order, and a
 * malformed stored entry fails naming fields, never values.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { dynamoFleetRegistry } from '../../functions/commons/fleet-registry';
import { LocalDatabase } from '../../local/sqlite/database';
import { sqliteFleetRegistry } from '../../local/sqlite/fleet-registry';
import { type FleetEntry, type FleetRegistry, FleetRegistryError } from '../../shared/fleet/registry';
import { FLEET_TABLE_KEY } from '../../shared/wiring/function-env';
import { useDynalite } from '../support/dynalite';
import { createFleetTable } from '../support/fleet-table';

const db = useDynalite('fleet');
let tables = 0;
async function dynamoRegistry(): Promise<{ registry: FleetRegistry; tableName: string }> {
  tables += 1;
  const tableName = `fleet-${tables}`;
  await createFleetTable(db.dynamo.client, tableName);
  return { registry: dynamoFleetRegistry({ client: db.dynamo.client, tableName }), tableName };
}

const dirs: string[] = [];
const databases: LocalDatabase[] = [];
async function sqliteRegistry(): Promise<{
  registry: FleetRegistry;
  database: LocalDatabase;
  dataDir: string;
}> {
  const dataDir = await mkdtemp(join(tmpdir(), 'fleet-registry-'));
  dirs.push(dataDir);
  const database = new LocalDatabase({ dataDir });
  databases.push(database);
  return { registry: sqliteFleetRegistry(database), database, dataDir };
}
afterAll(async () => {
  for (const database of databases) database.close();
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

const entry = (userId: number, overrides: Partial<FleetEntry> = {}): FleetEntry => ({
  userId,
  provisionId: userId + 100,
  credentialsRef: `bunq-webhooks/fleet/provision-${userId + 100}`,
  categories: ['MUTATION', 'PAYMENT'],
  filterState: 'registered',
  reconcileCursorRef: `reconcile#${userId}`,
  onboardedAt: '2026-01-02T03:04:05.000Z',
  updatedAt: '2026-01-02T03:04:05.000Z',
  ...overrides,
});

describe.each([
  ['DynamoDB (dynalite)', async () => (await dynamoRegistry()).registry],
  ['SQLite (local runtime)', async () => (await sqliteRegistry()).registry],
])('fleet registry on %s', (_name, make) => {
  it('round-trips an entry exactly and answers null for an unknown user', async () => {
    const registry = await make();
    await registry.put(entry(7));
    expect(await registry.get(7)).toEqual(entry(7));
    expect(await registry.get(8)).toBeNull();
  });

  it('replaces the entry of a user on put', async () => {
    const registry = await make();
    await registry.put(entry(7, { filterState: 'pending', reconcileCursorRef: null }));
    await registry.put(entry(7, { updatedAt: '2026-01-03T00:00:00.000Z' }));
    expect(await registry.get(7)).toEqual(entry(7, { updatedAt: '2026-01-03T00:00:00.000Z' }));
    expect(await registry.list()).toHaveLength(1);
  });

  it('lists every entry in user order', async () => {
    const registry = await make();
    const ids = [5, 3_000_000_001, 42, 1];
    for (const id of ids) await registry.put(entry(id));
    expect((await registry.list()).map((e) => e.userId)).toEqual([...ids].sort((a, b) => a - b));
  });

  it('refuses to store a malformed entry', async () => {
    const registry = await make();
    await expect(registry.put({ ...entry(7), filterState: 'unknown' as 'registered' })).rejects.toThrow(
      FleetRegistryError,
    );
  });
});

describe('fleet registry on DynamoDB, across pages and against hand edits', () => {
  it('reads a listing that spans scan pages (over 1 MB of items)', async () => {
    const { registry } = await dynamoRegistry();
    const padding = 'x'.repeat(20_000);
    const count = 60;
    await Promise.all(
      Array.from({ length: count }, (_, index) =>
        registry.put(entry(index + 1, { credentialsRef: `${padding}${index}` })),
      ),
    );
    expect((await registry.list()).map((e) => e.userId)).toEqual(
      Array.from({ length: count }, (_, i) => i + 1),
    );
  });

  it('names the fields of a malformed stored item, never its values', async () => {
    const { registry, tableName } = await dynamoRegistry();
    await db.dynamo.client.send(
      new PutItemCommand({
        TableName: tableName,
        Item: { [FLEET_TABLE_KEY]: { N: '9' }, credentialsRef: { S: 'secret-looking-value' } },
      }),
    );
    const error = await registry.get(9).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FleetRegistryError);
    expect((error as Error).message).toMatch(/provisionId/);
    expect((error as Error).message).not.toContain('secret-looking-value');
  });
});

describe('fleet registry on SQLite', () => {
  it('survives a restart on the same data directory', async () => {
    const { registry, database, dataDir } = await sqliteRegistry();
    await registry.put(entry(7));
    database.close();
    const reopened = new LocalDatabase({ dataDir });
    databases.push(reopened);
    expect(await sqliteFleetRegistry(reopened).get(7)).toEqual(entry(7));
  });
});
