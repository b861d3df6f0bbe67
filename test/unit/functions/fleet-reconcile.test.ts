/**
 * The fleet reconcile composition against the simulator in memory: a partner's provisioned users from the
 * registry, each reconciled on its own client and URL; a user whose filters another integration replaced
 * is counted as drift and repaired at its own URL, the others untouched, and a completed pass reports
 * `ReconcileCycleSeconds`.
 */
import { reconcileBunqApi } from '../../../functions/commons/reconcile-bunq';
import { composeFleetReconcile } from '../../../functions/compose/fleet-reconcile';
import { exchangeAuthorizationCode } from '../../../shared/bunq/api/oauth';
import { InMemoryBunqStateStore } from '../../../shared/bunq/api/state';
import { InMemoryFleetRegistry } from '../../../shared/fleet/registry';
import { createLogger } from '../../../shared/logging/observability';
import { userCallbackUrl } from '../../../shared/pipeline/onboard/ports';
import { memoryFleetStateStore } from '../../../shared/pipeline/reconcile/fleet-state';
import { RECONCILE_METRICS } from '../../../shared/wiring/metrics';
import { RecordingMetrics } from '../../support/pipeline';
import { MemoryCursorStore, MemoryRecoveryStore } from '../../support/recovery';
import { createHarness } from '../shared/bunq/api/harness';

const BASE = 'https://ours.example/callbacks/';
const TOKEN = 'token-1';
const FOREIGN = 'https://other-integration.example/hook';

it('reconciles every provisioned user at its own URL, repairs the drifted one, reports the cycle', async () => {
  const harness = await createHarness();
  const partner = harness.sim.createUser({ kind: 'UserCompany', partner: true });
  const client = partner.partner as NonNullable<typeof partner.partner>;
  const provisions = harness.sim.provisionUsers(partner.id, 2);
  const registry = new InMemoryFleetRegistry();
  const tokens = new Map<number, string>();
  for (const provision of provisions) {
    const token = await exchangeAuthorizationCode(
      {
        code: provision.authorizationCode,
        redirectUri: client.redirectUri,
        clientId: client.clientId,
        clientSecret: client.clientSecret,
      },
      { tokenUrl: 'http://bunq-simulator.test/oauth/v1/token', fetch: harness.sim.fetch },
    );
    tokens.set(provision.userId, token.accessToken);
    harness.sim.setNotificationFilters(provision.userId, [
      { category: 'MUTATION', notification_target: userCallbackUrl(BASE, TOKEN, provision.userId) },
    ]);
    await registry.put({
      userId: provision.userId,
      provisionId: provision.id,
      credentialsRef: `memory/${provision.id}`,
      categories: ['MUTATION'],
      filterState: 'registered',
      reconcileCursorRef: null,
      onboardedAt: '2026-01-01T00:00:00.000Z',
      updatedAt: '2026-01-01T00:00:00.000Z',
    });
  }
  const [quiet, clobbered] = provisions.map((provision) => provision.userId) as [number, number];
  harness.sim.clobberFilters(clobbered, [{ category: 'MUTATION', notification_target: FOREIGN }]);

  const metrics = new RecordingMetrics();
  const cursors = new MemoryCursorStore();
  const run = composeFleetReconcile(
    { graceMs: 0, repairFilters: true, concurrency: 2 },
    {
      registry,
      userApi: (entry) =>
        reconcileBunqApi(
          harness.makeClient({
            stateStore: new InMemoryBunqStateStore({ apiKey: tokens.get(entry.userId) as string }),
          }),
        ),
      callbackBaseUrl: BASE,
      currentToken: async () => TOKEN,
      arrivals: new MemoryRecoveryStore(),
      cursors,
      sink: { submit: async () => undefined },
      state: memoryFleetStateStore(),
      logger: createLogger('test-fleet-reconcile'),
      metrics,
      now: () => new Date(harness.clock.now()),
    },
  );

  const report = await run();

  expect(report).toMatchObject({ users: 2, visited: 2, drifted: 1, filtersRepaired: 1, errors: 0 });
  const targets = (userId: number) =>
    harness.sim
      .allFilters(userId)
      .map((filter) => filter.target)
      .sort();
  expect(targets(clobbered)).toEqual([FOREIGN, userCallbackUrl(BASE, TOKEN, clobbered)].sort());
  expect(targets(quiet)).toEqual([userCallbackUrl(BASE, TOKEN, quiet)]);
  expect(metrics.named(RECONCILE_METRICS.filterDrift)).toEqual(['1']);
  expect(metrics.named(RECONCILE_METRICS.cycleSeconds)).toHaveLength(1);
  expect([...cursors.cursors.keys()].sort()).toEqual([quiet, clobbered].sort());
});
