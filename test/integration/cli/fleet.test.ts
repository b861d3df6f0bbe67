/**
 * `fleet` against the bunq simulator and the fleet registry on dynalite (loopback): provisioned users
 * onboarded by the onboarding core, each with credentials in the local runtime's files. list reads the
 * table; status tells filters in place from drifted; register --all repairs at each user's own URL keeping
 * other integrations' filters; unregister --user removes only ours.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CliDeps } from '../../../cli/context';
import { dynamoFleetRegistry } from '../../../functions/commons/fleet-registry';
import { fileFleetCredentials } from '../../../local/fleet-secret-files';
import { LocalDatabase } from '../../../local/sqlite/database';
import { sqliteFleetRegistry } from '../../../local/sqlite/fleet-registry';
import type { FleetRegistry } from '../../../shared/fleet/registry';
import { type RunningBunqSimulator, startBunqSimulator } from '../../../simulator/server';
import { useDynalite } from '../../support/dynalite';
import { createPartner, onboardFleet } from '../../support/fleet';
import { createFleetTable } from '../../support/fleet-table';
import { runCli } from '../../unit/cli/support';

jest.setTimeout(60_000);

const BASE = 'http://127.0.0.1:3000/callbacks/';
const TOKEN = 't'.repeat(43);
const CALLBACK_URL = `${BASE}${TOKEN}`;
const FOREIGN = 'https://other-integration.example/hook';
const userUrl = (userId: number) => `${CALLBACK_URL}/u/${userId}`;

const db = useDynalite('fleet-cli');
let sim: RunningBunqSimulator;
let dir: string;
let registry: FleetRegistry;
let userIds: number[];
let deps: CliDeps;

beforeAll(async () => {
  sim = await startBunqSimulator({ rateLimits: false, retryIntervalMs: 20 });
  dir = await mkdtemp(join(tmpdir(), 'fleet-cli-'));
  await createFleetTable(db.dynamo.client, 'fleet');
  registry = dynamoFleetRegistry({ client: db.dynamo.client, tableName: 'fleet' });
  const provisions = await onboardFleet(sim, createPartner(sim), 3, {
    registry,
    credentials: fileFleetCredentials(join(dir, 'fleet')),
    callbackBaseUrl: BASE,
    token: TOKEN,
    categories: ['MUTATION', 'PAYMENT'],
  });
  userIds = provisions.map((provision) => provision.userId);
  deps = { dynamoDb: db.dynamo.client };
});

afterAll(async () => {
  await sim?.stop();
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

const fleet = (...args: string[]) =>
  runCli(
    [
      'fleet',
      ...args,
      '--fleet-table',
      'fleet',
      '--bunq-base-url',
      sim.origin,
      '--allow-http',
      '--callback-url',
      CALLBACK_URL,
    ],
    deps,
  );

const filtersOf = (userId: number) =>
  sim.simulator
    .allFilters(userId)
    .map((filter) => `${filter.category} ${filter.target}`)
    .sort();

describe('fleet', () => {
  it('list reads the registry: every onboarded user, by reference only', async () => {
    const result = await fleet('list', '--json');
    expect(result.code).toBe(0);
    const users = result.json().users as Array<Record<string, unknown>>;
    expect(users.map((user) => user.userId)).toEqual([...userIds].sort((a, b) => a - b));
    for (const user of users) {
      expect(user).toMatchObject({ filterState: 'registered', categories: ['MUTATION', 'PAYMENT'] });
    }
    expect(result.stdout).not.toContain('apiKey');
  });

  it('status tells filters in place from drifted, with the newest event and the onboarding state', async () => {
    const [first, second] = userIds as [number, number];
    sim.simulator.clobberFilters(second, [{ category: 'MUTATION', notification_target: FOREIGN }]);
    sim.simulator.emit(first, {
      NotificationUrl: {
        category: 'MUTATION',
        event_type: 'MUTATION_CREATED',
        object: {
          Payment: { id: 77, created: '2026-01-02 03:04:05.000000', updated: '2026-01-02 03:04:05.000000' },
        },
      },
    });
    const result = await fleet('status', '--json');
    expect(result.code).toBe(1);
    const users = result.json().users as Array<Record<string, unknown>>;
    expect(users.find((user) => user.userId === first)).toMatchObject({
      filters: 'in place',
      onboarding: 'registered',
    });
    expect(users.find((user) => user.userId === first)?.lastCallback).toEqual(
      expect.stringMatching(/^20\d\d-/),
    );
    expect(users.find((user) => user.userId === second)).toMatchObject({
      filters: 'drifted',
      missing: ['MUTATION', 'PAYMENT'],
    });
  });

  it('register --all puts ours back at each user’s own URL and keeps the other integration’s filter', async () => {
    const second = userIds[1] as number;
    const result = await fleet('register', '--all');
    expect(result.code).toBe(0);
    expect(filtersOf(second)).toEqual(
      [`MUTATION ${FOREIGN}`, `MUTATION ${userUrl(second)}`, `PAYMENT ${userUrl(second)}`].sort(),
    );
    expect((await fleet('status')).code).toBe(0);
    const again = await fleet('register', '--all', '--json');
    expect((again.json().users as Array<{ written: boolean }>).every((user) => !user.written)).toBe(true);
  });

  it('unregister --user removes only ours and records the user with no categories', async () => {
    const second = userIds[1] as number;
    const result = await fleet('unregister', '--user', String(second));
    expect(result.code).toBe(0);
    expect(filtersOf(second)).toEqual([`MUTATION ${FOREIGN}`]);
    expect((await registry.get(second))?.categories).toEqual([]);
    const others = userIds.filter((userId) => userId !== second);
    for (const userId of others) expect(filtersOf(userId)).toContain(`MUTATION ${userUrl(userId)}`);
  });

  it('refuses register without --all or --user, and an unknown user', async () => {
    expect((await fleet('register')).code).toBe(2);
    expect((await fleet('unregister')).code).toBe(2);
    expect((await fleet('status', '--user', '999999')).code).toBe(3);
    expect((await fleet('launch')).code).toBe(2);
  });

  it('reads the local runtime’s registry with --data-dir once the runtime is stopped', async () => {
    const dataDir = join(dir, 'local');
    const database = new LocalDatabase({ dataDir });
    const [provision] = await onboardFleet(sim, createPartner(sim), 1, {
      registry: sqliteFleetRegistry(database),
      credentials: fileFleetCredentials(join(dataDir, 'fleet')),
      callbackBaseUrl: BASE,
      token: TOKEN,
      categories: ['MUTATION'],
    });
    const args = [
      '--data-dir',
      dataDir,
      '--bunq-base-url',
      sim.origin,
      '--allow-http',
      '--callback-url',
      CALLBACK_URL,
    ];
    // A running runtime holds its database.
    const busy = await runCli(['fleet', 'list', ...args], deps);
    expect(busy.code).toBe(1);
    expect(busy.stderr).toContain('in use by another local runtime');
    database.close();
    const status = await runCli(['fleet', 'status', ...args, '--json'], deps);
    expect(status.code).toBe(0);
    expect(status.json().users).toEqual([
      expect.objectContaining({ userId: provision?.userId, filters: 'in place' }),
    ]);
  });
});
