/**
 * The fleet reconciler's pass state between runs, on both stores it has: the DynamoDB items (dynalite on
 * loopback) and the local runtime's SQLite tables. A fleet of three users provisioned and onboarded on the
 * bunq simulator; a first run on a budget visits one user and stops; a second run (budget for two) on a new
 * store instance (a restarted Lambda instance; a reopened database) visits the two others and completes the pass,
 * its cycle measured from the first run's start; the next run starts a new pass with every user.
 */
import { join } from 'node:path';
import { dynamoFleetReconcileState } from '../../functions/commons/fleet-reconcile-state';
import { reconcileBunqApi } from '../../functions/commons/reconcile-bunq';
import { composeFleetReconcile } from '../../functions/compose/fleet-reconcile';
import { fileFleetCredentials } from '../../local/fleet-secret-files';
import { LocalDatabase } from '../../local/sqlite/database';
import { sqliteFleetReconcileState } from '../../local/sqlite/fleet-reconcile-state';
import { BunqApiClient } from '../../shared/bunq/api/client';
import { type FleetEntry, InMemoryFleetRegistry } from '../../shared/fleet/registry';
import { createLogger } from '../../shared/logging/observability';
import type { FleetReconcileStateStore } from '../../shared/pipeline/reconcile/fleet-state';
import { RECONCILE_METRICS } from '../../shared/wiring/metrics';
import { type RunningBunqSimulator, startBunqSimulator } from '../../simulator/server';
import { useDynalite } from '../support/dynalite';
import { createPartner, onboardFleet } from '../support/fleet';
import { RecordingMetrics } from '../support/pipeline';
import { MemoryCursorStore, MemoryRecoveryStore } from '../support/recovery';
import { tempDirEachTest } from '../support/temp-dir';

jest.setTimeout(30_000);

const BASE = 'http://127.0.0.1:9/callbacks/';
const TOKEN = 'fleet-state-token';
const T0 = Date.parse('2026-03-04T05:06:07.000Z');
/** Under one visit (1 s on the test's clock): a run on it visits one user. */
const BUDGET_MS = 500;

const db = useDynalite('fleet-state');
const tempDir = tempDirEachTest('fleet-state-');
let sim: RunningBunqSimulator;
beforeAll(async () => {
  sim = await startBunqSimulator({ port: 0, rateLimits: false });
});
afterAll(async () => {
  await sim?.stop();
});

/** A fresh fleet of three on the simulator, and a run on `state` whose clock moves 1 s per user visit. */
async function fleetOf3() {
  const registry = new InMemoryFleetRegistry();
  const credentials = fileFleetCredentials(join(tempDir(), 'fleet'));
  await onboardFleet(sim, createPartner(sim), 3, {
    registry,
    credentials,
    callbackBaseUrl: BASE,
    token: TOKEN,
    categories: ['MUTATION'],
  });
  let now = T0;
  const visitedBy: number[][] = [];
  const cursors = new MemoryCursorStore();
  const run = async (state: FleetReconcileStateStore, budgetMs?: number) => {
    const visited: number[] = [];
    visitedBy.push(visited);
    const metrics = new RecordingMetrics();
    const handler = composeFleetReconcile(
      { graceMs: 0, repairFilters: false, concurrency: 1, ...(budgetMs === undefined ? {} : { budgetMs }) },
      {
        registry,
        userApi: (entry: FleetEntry) => {
          visited.push(entry.userId);
          now += 1_000;
          return reconcileBunqApi(
            new BunqApiClient({
              baseUrl: sim.baseUrl,
              stateStore: credentials.stateStore(entry.credentialsRef),
              rateLimits: false,
            }),
          );
        },
        callbackBaseUrl: BASE,
        currentToken: async () => TOKEN,
        arrivals: new MemoryRecoveryStore(),
        cursors,
        sink: { submit: async () => undefined },
        state,
        logger: createLogger('test-fleet-state'),
        metrics,
        now: () => new Date(now),
      },
    );
    return { report: await handler(), cycles: metrics.named(RECONCILE_METRICS.cycleSeconds) };
  };
  const userIds = (await registry.list()).map((entry) => entry.userId);
  return { run, userIds, visitedBy };
}

async function continuesThePass(
  open: () => FleetReconcileStateStore,
  restart: () => FleetReconcileStateStore,
) {
  const { run, userIds, visitedBy } = await fleetOf3();

  const first = await run(open(), BUDGET_MS);
  expect(first.report).toMatchObject({ users: 3, visited: 1, errors: 0, cycleMs: null });
  expect(first.cycles).toEqual([]);

  // Budget for two visits: a pass started over would visit two users and leave the pass open.
  const second = await run(restart(), 3 * BUDGET_MS);
  expect(second.report).toMatchObject({ users: 3, visited: 2, errors: 0 });
  const [once, rest] = visitedBy as [number[], number[]];
  expect([...once, ...rest].sort()).toEqual([...userIds].sort());
  // The pass began with the first run (T0) and took three visits of a second each.
  expect(second.report.cycleMs).toBe(3_000);
  expect(second.cycles).toEqual(['3']);

  const third = await run(restart());
  expect(third.report).toMatchObject({ visited: 3, cycleMs: 3_000, errors: 0 });
}

describe('fleet reconcile pass state', () => {
  it('DynamoDB: a new store instance on the same table continues the pass', async () => {
    const tableName = await db.freshTable();
    const store = () => dynamoFleetReconcileState({ client: db.dynamo.client, tableName });
    await continuesThePass(store, store);
  });

  it('SQLite: a reopened database continues the pass', async () => {
    const dataDir = join(tempDir(), 'data');
    let database = new LocalDatabase({ dataDir });
    try {
      await continuesThePass(
        () => sqliteFleetReconcileState(database),
        () => {
          database.close();
          database = new LocalDatabase({ dataDir });
          return sqliteFleetReconcileState(database);
        },
      );
    } finally {
      database.close();
    }
  });
});
