/**
 * The fleet reconciler end to end, on loopback: the bunq simulator with a partner whose three provisioned
 * users are onboarded by the local runtime (`partnerOnboarding` on), and the runtime's reconciler, which with
 * partner onboarding reconciles every user of the fleet. bunq never sends one user's callback: a run past the
 * grace period rebuilds it as one event with that user's `detail.userId`; the delivered one of another user
 * stays one event. After a restart on the same data directory the reconciler goes on from its state.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LocalReconciler } from '../../local/reconciler';
import { type LocalRuntime, type LocalRuntimeOptions, startLocalRuntime } from '../../local/runtime';
import { parsePipelineConfig } from '../../shared/config/pipeline-config';
import { type RunningBunqSimulator, startBunqSimulator } from '../../simulator/server';
import { paymentCallback } from '../support/fixtures';
import { createPartner } from '../support/fleet';
import { freePort, until } from '../support/runtime-process';
import { readEvents, TEST_TOKEN } from './helpers';

jest.setTimeout(60_000);

const USERS = 3;
const GRACE_MS = 10 * 60_000;
const WAIT_MS = 20_000;

let sim: RunningBunqSimulator;
let dir: string;
let runtime: LocalRuntime | undefined;
let offsetMs = 0;

afterEach(async () => {
  await runtime?.stop();
  runtime = undefined;
  await sim?.stop();
  await rm(dir, { recursive: true, force: true });
});

const mutation = (id: number) => paymentCallback({ id, value: `${id}.00`, description: `payment ${id}` });

async function start(
  options: LocalRuntimeOptions,
): Promise<{ runtime: LocalRuntime; reconciler: LocalReconciler }> {
  runtime = await startLocalRuntime(options);
  const reconciler = runtime.reconciler as LocalReconciler;
  // The scheduled first run, at start.
  await until('the first reconciler run', () => reconciler.stats().runs >= 1, WAIT_MS);
  return { runtime, reconciler };
}

it('rebuilds the callback bunq never sent to one user of the fleet, with its detail.userId, and goes on after a restart', async () => {
  sim = await startBunqSimulator({ port: 0, rateLimits: false, retryIntervalMs: 20 });
  dir = await mkdtemp(join(tmpdir(), 'bunq-fleet-reconcile-'));
  const partner = createPartner(sim);
  const eventsFile = join(dir, 'events.jsonl');
  // One port for both runs: the users' filters point at it.
  const port = await freePort();
  const options: LocalRuntimeOptions = {
    port,
    host: '127.0.0.1',
    token: TEST_TOKEN,
    dataDir: join(dir, 'data'),
    eventsFile,
    deadLetterFile: join(dir, 'dead-letters.jsonl'),
    claimCheckDir: join(dir, 'claim-checks'),
    visibilityTimeoutMs: 200,
    drainTimeoutMs: 10_000,
    config: parsePipelineConfig({ partnerOnboarding: { categories: ['MUTATION'] } }),
    partnerOnboarding: {
      bunqBaseUrl: sim.baseUrl,
      oauthClientId: partner.partner.clientId,
      oauthClientSecret: partner.partner.clientSecret,
      retryDelayMs: 20,
    },
    bunqBaseUrl: sim.baseUrl,
    bunqApiKey: partner.apiKey,
    failurePollIntervalMs: 86_400_000,
    reconcileIntervalMs: 86_400_000,
    reconcileGraceMs: GRACE_MS,
    reconcileClock: () => new Date(Date.now() + offsetMs),
  };
  let { runtime: local, reconciler } = await start(options);

  // bunq tells the runtime of each activation; it onboards each user at its own URL.
  sim.simulator.setNotificationFilters(partner.id, [
    { category: 'PARTNER_USER_PROVISION', notification_target: local.callbackUrl },
  ]);
  const userIds = sim.simulator.provisionUsers(partner.id, USERS).map((provision) => provision.userId);
  await sim.idle();
  await until(
    'every user onboarded',
    async () => (await local.onboarding?.registry.list())?.length === USERS,
    WAIT_MS,
  );
  await local.onboarding?.idle();

  // The fleet's first visit sets each user's cursor at its newest event.
  expect((await reconciler.runOnce()).errors).toBe(0);
  expect(reconciler.stats().lastFleet).toMatchObject({ users: USERS, visited: USERS, errors: 0 });

  const [delivered, dropped] = userIds as [number, number];
  sim.simulator.emit(delivered, mutation(501));
  sim.simulator.emit(dropped, mutation(502), { drop: true });
  await sim.idle();
  const events = async (objectId: number) =>
    (await readEvents(eventsFile)).filter((event) => event.detail.objectId === objectId);
  await until('the delivered callback', async () => (await events(501)).length === 1, WAIT_MS);

  offsetMs += GRACE_MS + 1;
  await reconciler.runOnce();
  await until('the rebuilt callback', async () => (await events(502)).length === 1, WAIT_MS);
  await local.drain(10_000);

  const [rebuilt] = await events(502);
  expect(rebuilt?.detail).toMatchObject({ userId: dropped, objectId: 502, recoveredBy: 'reconciliation' });
  expect((await events(501)).map((event) => [event.detail.userId, event.detail.recoveredBy])).toEqual([
    [delivered, null],
  ]);
  expect(reconciler.stats().lastFleet).toMatchObject({ missedByBunq: 1, errors: 0 });

  // A restart: the cursors and the pass are in the database, so nothing is rebuilt twice.
  await local.stop();
  runtime = undefined;
  ({ runtime: local, reconciler } = await start(options));
  expect(reconciler.stats().lastFleet).toMatchObject({ users: USERS, missedByBunq: 0, errors: 0 });
  await reconciler.runOnce();
  await local.drain(10_000);
  expect(await events(502)).toHaveLength(1);
  expect(await events(501)).toHaveLength(1);
});
