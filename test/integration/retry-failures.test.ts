/**
 * The retry-failures handler against the bunq simulator (real signatures, pagination, the 100-id limit) and
 * dynalite: one poll at a time, so each step is deterministic.
 */
import { dynamoArrivalLog, dynamoArrivalRecorder } from '../../functions/commons/arrival-store';
import { dynamoAttemptStore } from '../../functions/commons/attempt-store';
import { createRetryFailuresHandler } from '../../functions/handlers/retry-failures-handler';
import { BunqApiClient } from '../../shared/bunq/api/client';
import { InMemoryBunqStateStore } from '../../shared/bunq/api/state';
import { API_KEY_PLACEHOLDER, guardPlaceholderApiKey } from '../../shared/pipeline/recovery/state-guard';
import { type RunningBunqSimulator, startBunqSimulator } from '../../simulator/server';
import { createDedupeTable } from '../support/dedupe-table';
import { type LocalDynamo, startDynalite } from '../support/dynalite';
import { capturingLogger, silentMetrics } from '../support/pipeline';
import { freePort } from '../support/runtime-process';

jest.setTimeout(60_000);

let sim: RunningBunqSimulator;
let dynamo: LocalDynamo;
let refusedTarget: string;
let tableCounter = 0;

beforeAll(async () => {
  // Rate limits off: each test opens its own session, and bunq allows one per 30 s per address (the client
  // tests cover the limits).
  [sim, dynamo] = await Promise.all([
    startBunqSimulator({ port: 0, retryIntervalMs: 20, rateLimits: false }),
    startDynalite(),
  ]);
  // Redeliveries go to a loopback port nothing listens on: refused at once, never leaving the machine.
  refusedTarget = `http://127.0.0.1:${await freePort()}/callbacks/token`;
});
afterAll(async () => {
  await sim.stop();
  await dynamo.close();
});

async function poller(apiKey: string) {
  tableCounter += 1;
  const tableName = `retry-failures-${tableCounter}`;
  await createDedupeTable(dynamo.client, tableName);
  const { logger, lines } = capturingLogger();
  const stateStore = guardPlaceholderApiKey(new InMemoryBunqStateStore({ apiKey }), 'test-secret');
  const client = new BunqApiClient({ baseUrl: sim.baseUrl, stateStore, logger, rateLimits: false });
  const handler = createRetryFailuresHandler({
    bunqClient: () => client,
    arrivals: dynamoArrivalLog({ client: dynamo.client, tableName }),
    attempts: dynamoAttemptStore({ client: dynamo.client, tableName, ttlSeconds: 86_400 }),
    maxAttempts: 3,
    logger,
    metrics: silentMetrics(),
  });
  const arrivals = dynamoArrivalRecorder({ client: dynamo.client, tableName, ttlSeconds: 3_600 });
  return { handler, arrivals, lines };
}

/** The ids of every retry POST made since `from` in the simulator's request log. */
function retryPosts(from: number): number[][] {
  return sim.simulator.requestLog
    .slice(from)
    .filter((entry) => entry.method === 'POST' && /notification-filter-failure$/.test(entry.path))
    .map((entry) => {
      const body = JSON.parse(entry.body) as { notification_filter_failed_ids: string };
      return body.notification_filter_failed_ids.split(',').map(Number);
    });
}

describe('retry-failures handler against the bunq simulator', () => {
  it('reads every page, skips the callbacks that arrived, and retries the rest 100 ids at a time', async () => {
    const user = sim.simulator.createUser();
    const seeded = sim.simulator.seedFailures(
      user.id,
      Array.from({ length: 210 }, (_, index) => ({
        category: 'MUTATION',
        object_id: 10_000 + index,
        notification_target: refusedTarget,
      })),
    );
    const { handler, arrivals } = await poller(user.apiKey);
    const arrivedObjects = [10_000, 10_001, 10_123, 10_209];
    for (const objectId of arrivedObjects) {
      await arrivals.recordArrival({
        category: 'MUTATION',
        eventType: 'MUTATION_CREATED',
        objectType: 'Payment',
        dedupKey: 'a-dedupe-key',
        objectId,
      });
    }
    const logStart = sim.simulator.requestLog.length;

    const report = await handler();

    expect(report).toMatchObject({
      listed: 210,
      alreadyArrived: 4,
      outstanding: 206,
      retriesRequested: 206,
      pollErrors: 0,
    });
    const posts = retryPosts(logStart);
    expect(posts.map((ids) => ids.length)).toEqual([100, 100, 6]);
    const skipped = arrivedObjects.map((objectId) => seeded[objectId - 10_000]);
    expect(posts.flat().sort()).toEqual(seeded.filter((id) => !skipped.includes(id)).sort());
    await sim.idle();
  });

  it('counts attempts across polls and gives up after maxAttempts', async () => {
    const user = sim.simulator.createUser();
    const [id] = sim.simulator.seedFailures(user.id, [
      { category: 'PAYMENT', object_id: 77, notification_target: refusedTarget },
    ]);
    const { handler } = await poller(user.apiKey);

    const reports = [];
    for (let run = 0; run < 4; run += 1) {
      reports.push(await handler());
      await sim.idle(); // the redelivery failed again; the failure stays listed
    }

    expect(reports.map((r) => r.retriesRequested)).toEqual([1, 1, 1, 0]);
    expect(reports.map((r) => r.retriesExhausted)).toEqual([0, 0, 0, 1]);
    expect(sim.simulator.listFailures(user.id)).toEqual([expect.objectContaining({ id })]);
  });

  it('reports a poll error, and names the secret, while the API key is still the placeholder', async () => {
    const { handler, lines } = await poller(API_KEY_PLACEHOLDER);
    const logStart = sim.simulator.requestLog.length;

    const report = await handler();

    expect(report).toMatchObject({ pollErrors: 1, outstanding: null });
    expect(sim.simulator.requestLog.length).toBe(logStart); // bunq was never called
    expect(lines.join('\n')).toMatch(/BunqApiKeyNotConfiguredError/);
  });

  it('never logs the API key or a token', async () => {
    const user = sim.simulator.createUser();
    const { handler, lines } = await poller(user.apiKey);
    await handler();
    const text = lines.join('\n');
    expect(text).toContain('bunq session created');
    expect(text).not.toContain(user.apiKey);
  });
});
