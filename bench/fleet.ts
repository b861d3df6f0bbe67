/**
 * A partner's fleet at scale, on loopback (`npm run bench -- fleet`; `BENCH_FLEET_USERS=10000` for 10,000):
 * the bunq simulator in-process with a partner company user, and the local runtime in-process with partner
 * onboarding and the failure poller (as the partner) on, the same code as in AWS.
 *
 * 1. The partner provisions N users; each activation callback goes through the ingest to the onboarding
 *    (OAuth exchange, installation, device, session, filters by read-merge-write, registry entry).
 * 2. One MUTATION per user: 99% delivered by bunq to the user's own URL; 1% failed by bunq (stored as
 *    failure records with the callback, as bunq does after its six tries) and recovered by the failure
 *    poller, which lists once as the partner and retries through the partner's POST. Every event must
 *    carry its user's `detail.userId`.
 * 3. Two fleet reconciler passes over the registry (the first sets each user's cursor, the second is the
 *    steady state), every client behind one rate gate per address. The cycle time at bunq's limits is the
 *    real time of the pass plus the time the gate made it wait, on a manual clock (bunq's 3 GETs per 3 s
 *    would take hours for real).
 *
 * Figures: wall time of each phase, bunq calls per user, and the cycle time. The simulator runs without its
 * own rate limits (the gate applies bunq's to our side), and the machine may be shared: wall times are one
 * run each, not medians.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { reconcileBunqApi } from '../functions/commons/reconcile-bunq';
import { composeFleetReconcile } from '../functions/compose/fleet-reconcile';
import type { LocalBusEvent } from '../local/event-bus';
import { fileFleetCredentials } from '../local/fleet-secret-files';
import { startLocalRuntime } from '../local/runtime';
import { BunqApiClient } from '../shared/bunq/api/client';
import { ManualClock } from '../shared/bunq/api/clock';
import { createRateGate } from '../shared/bunq/api/rate-gate';
import { endpointOf } from '../shared/bunq/api/rate-limiter';
import { InMemoryBunqStateStore } from '../shared/bunq/api/state';
import { parsePipelineConfig } from '../shared/config/pipeline-config';
import type { FleetEntry } from '../shared/fleet/registry';
import { createLogger } from '../shared/logging/observability';
import { ownsUnder, userCallbackUrl } from '../shared/pipeline/onboard/ports';
import { emptyFleetMemory } from '../shared/pipeline/reconcile/fleet';
import { memoryFleetStateStore } from '../shared/pipeline/reconcile/fleet-state';
import { attributeFailures } from '../shared/pipeline/recovery/fleet-attribution';
import { RECONCILE_METRICS } from '../shared/wiring/metrics';
import { startBunqSimulator } from '../simulator/server';
import { RecordingMetrics } from '../test/support/pipeline';
import { MemoryCursorStore, MemoryRecoveryStore } from '../test/support/recovery';
import { type Figure, figure } from './figures';

const TOKEN = 'bench-fleet-token-0123456789abcdefghijklmnop';

async function until(what: string, check: () => Promise<boolean> | boolean, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`fleet bench: timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const seconds = (ms: number) => Math.round(ms / 100) / 10;

export async function benchFleet(users = Number(process.env.BENCH_FLEET_USERS ?? 1_000)): Promise<Figure[]> {
  // The handlers log one line per callback and per onboarding: at 10,000 users only errors matter here.
  process.env.POWERTOOLS_LOG_LEVEL = 'ERROR';
  process.env.POWERTOOLS_METRICS_DISABLED = 'true';
  const failed = Math.max(1, Math.round(users / 100));
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-fleet-'));
  const sim = await startBunqSimulator({ port: 0, rateLimits: false, retryIntervalMs: 10 });
  const partner = sim.simulator.createUser({ kind: 'UserCompany', partner: true });
  if (partner.partner === null) throw new Error('no partner');
  /** The `detail.userId` of each MUTATION event, by its Payment id. */
  const mutationUsers = new Map<number, unknown>();
  const runtime = await startLocalRuntime({
    port: 0,
    onEvent: (event: LocalBusEvent) => {
      const detail = event.detail as { category?: string; objectId?: unknown; userId?: unknown };
      if (detail.category === 'MUTATION' && typeof detail.objectId === 'number') {
        mutationUsers.set(detail.objectId, detail.userId);
      }
    },
    token: TOKEN,
    dataDir,
    config: parsePipelineConfig({ partnerOnboarding: { categories: ['MUTATION'] } }),
    partnerOnboarding: {
      bunqBaseUrl: sim.baseUrl,
      oauthClientId: partner.partner.clientId,
      oauthClientSecret: partner.partner.clientSecret,
      retryDelayMs: 50,
      metrics: new RecordingMetrics(),
    },
    bunqBaseUrl: sim.baseUrl,
    bunqApiKey: partner.apiKey,
    failurePollIntervalMs: 500,
  });
  const onboarding = runtime.onboarding;
  if (onboarding === undefined) throw new Error('no onboarding');
  const figures: Figure[] = [];
  const cpu0 = process.cpuUsage();
  try {
    sim.simulator.setNotificationFilters(partner.id, [
      { category: 'PARTNER_USER_PROVISION', notification_target: runtime.callbackUrl },
    ]);
    // The failure poller polls as the partner all along: its calls are not the onboarding's.
    const partnerPath = `/user/${partner.id}/`;
    // The simulator keeps its last 10,000 requests: count new ones as they come, by endpoint.
    const byEndpoint = new Map<string, number>();
    let lastSeen: unknown;
    const countCalls = () => {
      const log = sim.simulator.requestLog;
      const from = lastSeen === undefined ? 0 : log.lastIndexOf(lastSeen as (typeof log)[number]) + 1;
      for (const entry of log.slice(from)) {
        if (entry.path.includes(partnerPath)) continue;
        const key = `${entry.method} ${endpointOf(entry.path)}`;
        byEndpoint.set(key, (byEndpoint.get(key) ?? 0) + 1);
      }
      lastSeen = log[log.length - 1];
    };

    // 1. Onboarding.
    let started = Date.now();
    lastSeen = sim.simulator.requestLog[sim.simulator.requestLog.length - 1];
    const provisions = sim.simulator.provisionUsers(partner.id, users);
    let reported = 0;
    await until(
      'every user onboarded',
      () => {
        countCalls();
        const done = onboarding.stats().onboarded;
        if (done - reported >= 1_000) {
          reported = done;
          console.error(`fleet bench: ${done} onboarded after ${seconds(Date.now() - started)} s`);
        }
        return done >= users;
      },
      3_600_000,
    );
    await onboarding.idle();
    if ((await onboarding.registry.list()).length !== users)
      throw new Error('fleet bench: registry incomplete');
    const onboardMs = Date.now() - started;
    countCalls();
    const breakdown = byEndpoint;
    const onboardCalls = [...breakdown.values()].reduce((sum, count) => sum + count, 0) / users;
    console.error(
      `fleet bench: onboarding calls per user: ${[...breakdown].map(([key, count]) => `${key} ${count / users}`).join(', ')} (plus one OAuth token exchange each, outside the API)`,
    );

    // 2. One callback each; 1% failed by bunq, recovered by the poller.
    const userIds = provisions.map((provision) => provision.userId);
    const baseUrl = `${runtime.baseUrl}/callbacks/`;
    const mutation = (index: number) => ({
      NotificationUrl: {
        category: 'MUTATION',
        event_type: 'MUTATION_RECEIVED',
        object: {
          Payment: {
            id: 1_000_000 + index,
            created: '2026-01-02 03:04:05.678901',
            updated: '2026-01-02 03:04:05.678901',
            monetary_account_id: 7,
            amount: { value: '1.00', currency: 'EUR' },
          },
        },
      },
    });
    started = Date.now();
    userIds.forEach((userId, index) => {
      if (index < failed) {
        sim.simulator.seedFailures(userId, [
          {
            category: 'MUTATION',
            event_type: 'MUTATION_RECEIVED',
            object_id: 1_000_000 + index,
            notification_target: userCallbackUrl(baseUrl, TOKEN, userId),
            body: mutation(index),
          },
        ]);
      } else sim.simulator.emit(userId, mutation(index));
    });
    // The partner's one listing, attributed as the poller does.
    const partnerClient = new BunqApiClient({
      baseUrl: sim.baseUrl,
      stateStore: new InMemoryBunqStateStore({ apiKey: partner.apiKey }),
      rateLimits: false,
    });
    const listing = await partnerClient.listNotificationFilterFailures(await partnerClient.getUserId());
    const attribution = attributeFailures(listing, ownsUnder(baseUrl));
    await until('every callback an event', () => mutationUsers.size >= users, 3_600_000);
    await runtime.drain(60_000);
    const deliverMs = Date.now() - started;

    // 3. The fleet reconciler, twice: the first pass sets the cursors, the second is the steady state.
    const entries: FleetEntry[] = await onboarding.registry.list();
    const credentials = fileFleetCredentials(join(dataDir, 'fleet'));
    const states = new Map(
      await Promise.all(
        entries.map(
          async (entry) => [entry.userId, await credentials.stateStore(entry.credentialsRef).load()] as const,
        ),
      ),
    );
    const cursors = new MemoryCursorStore();
    const memory = emptyFleetMemory();
    const metrics = new RecordingMetrics();
    const pass = async () => {
      const clock = new ManualClock(Date.now());
      const gate = createRateGate({ scope: 'address', clock });
      const run = composeFleetReconcile(
        { graceMs: 0, repairFilters: false, concurrency: 1 },
        {
          registry: onboarding.registry,
          userApi: (entry) =>
            reconcileBunqApi(
              new BunqApiClient({
                baseUrl: sim.baseUrl,
                stateStore: new InMemoryBunqStateStore(states.get(entry.userId) ?? { apiKey: '' }),
                rateLimits: false,
                fetch: gate.fetchFor(entry.userId, (url, init) => fetch(url, init)),
              }),
            ),
          callbackBaseUrl: baseUrl,
          currentToken: async () => TOKEN,
          arrivals: new MemoryRecoveryStore(),
          cursors,
          sink: { submit: async () => undefined },
          state: memoryFleetStateStore(memory),
          logger: createLogger('bench-fleet-reconcile'),
          metrics,
        },
      );
      const t0 = Date.now();
      const report = await run();
      const calls = [...gate.calls.values()].reduce((sum, n) => sum + n, 0);
      return { report, wallMs: Date.now() - t0, waitedMs: gate.waitedMs, callsPerUser: calls / users };
    };
    const first = await pass();
    const steady = await pass();

    const cpu = process.cpuUsage(cpu0);
    const n = users.toLocaleString('en');
    const exact = (name: string, unit: string, value: number, budget = 'reported') =>
      figure({ name, unit, samples: value, budget, holds: () => true });
    figures.push(
      exact(`fleet ${n}: onboarding wall time`, 's', seconds(onboardMs)),
      exact(`fleet ${n}: bunq calls per user, onboarding`, 'calls', Math.round(onboardCalls * 100) / 100),
      exact(`fleet ${n}: one callback each (1% via the poller) wall time`, 's', seconds(deliverMs)),
      figure({
        name: `fleet ${n}: failures attributed to their user (partner listing)`,
        unit: 'failures',
        samples: [...attribution.byUser.values()].reduce((sum, list) => sum + list.length, 0),
        budget: `= ${failed} (1%)`,
        holds: (value) => value === failed && attribution.byUser.size === failed,
      }),
      figure({
        name: `fleet ${n}: MUTATION events carrying their user's detail.userId`,
        unit: 'events',
        samples: userIds.filter((userId, index) => mutationUsers.get(1_000_000 + index) === userId).length,
        budget: `= ${users} (every user)`,
        holds: (value) => value === users,
      }),
      exact(`fleet ${n}: reconciler pass, first (cursors), wall`, 's', seconds(first.wallMs)),
      exact(`fleet ${n}: reconciler steady pass, wall (no rate limit)`, 's', seconds(steady.wallMs)),
      exact(
        `fleet ${n}: reconciler bunq calls per user per pass`,
        'calls',
        Math.round(steady.callsPerUser * 100) / 100,
      ),
      exact(
        `fleet ${n}: reconciler cycle at bunq's limits, per address`,
        'min',
        Math.round((steady.wallMs + steady.waitedMs) / 600) / 100,
      ),
      exact(`fleet ${n}: CPU time of the whole run`, 's', seconds((cpu.user + cpu.system) / 1_000)),
    );
    if (metrics.named(RECONCILE_METRICS.cycleSeconds).length !== 2) {
      throw new Error('fleet bench: each pass must report ReconcileCycleSeconds');
    }
    if (steady.report.errors > 0 || first.report.errors > 0) {
      throw new Error(
        `fleet bench: the reconciler passes had ${first.report.errors + steady.report.errors} errors`,
      );
    }
    console.error(
      `fleet bench: ${users} users, ${mutationUsers.size} MUTATION events, ${failed} via the poller`,
    );
  } finally {
    await runtime.stop();
    await sim.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
  return figures;
}
