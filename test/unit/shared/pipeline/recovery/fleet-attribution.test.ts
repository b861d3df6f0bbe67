/**
 * The failure poller for a partner's fleet against the simulator in memory: it runs as the partner, lists
 * once (the partner's listing holds its provisioned users' failures), retries through the partner's retry
 * POST, and tells whose failure each one is by the `/u/{userId}` segment of our target.
 */
import { retryFailuresEnvironment } from '../../../../../functions/commons/environment';
import { composeRetryFailures, fleetOfCallbackBase } from '../../../../../functions/compose/retry-failures';
import type { BunqApiClient } from '../../../../../shared/bunq/api/client';
import { InMemoryBunqStateStore } from '../../../../../shared/bunq/api/state';
import { createLogger } from '../../../../../shared/logging/observability';
import {
  attributeFailure,
  attributingFailuresApi,
  type FleetFailureAttribution,
  userIdOfTarget,
} from '../../../../../shared/pipeline/recovery/fleet-attribution';
import { recoverFailures } from '../../../../../shared/pipeline/recovery/recover-failures';
import { RETRY_FAILURES_ENV } from '../../../../../shared/wiring/function-env';
import { RecordingMetrics } from '../../../../support/pipeline';
import { MemoryRecoveryStore } from '../../../../support/recovery';
import { calls, createHarness, type Harness } from '../../bunq/api/harness';

const BASE = 'https://ours.example/callbacks/';
const owns = (target: string) => target.startsWith(BASE);
const userUrl = (userId: number) => `${BASE}token-1/u/${userId}`;

describe('userIdOfTarget and attributeFailure', () => {
  it('reads the user segment of our targets only', () => {
    expect(userIdOfTarget(userUrl(42), owns)).toBe(42);
    expect(userIdOfTarget(`${BASE}token-1`, owns)).toBeNull();
    expect(userIdOfTarget('https://other.example/u/42', owns)).toBeNull();
    expect(userIdOfTarget(`${BASE}token-1/u/42x`, owns)).toBeNull();
  });

  it('takes the first of our targets a failure names, and null once its filter is deleted', () => {
    expect(
      attributeFailure(
        {
          notification_filters: [
            { category: 'MUTATION', notification_target: 'https://other.example/u/1' },
            { category: 'MUTATION', notification_target: userUrl(7) },
          ],
        },
        owns,
      ),
    ).toBe(7);
    expect(attributeFailure({ notification_filters: [] }, owns)).toBeNull();
  });
});

describe('the poller as the partner', () => {
  let harness: Harness;
  let partnerClient: BunqApiClient;
  let userIds: number[];

  beforeEach(async () => {
    harness = await createHarness();
    const partner = harness.sim.createUser({ kind: 'UserCompany', partner: true });
    userIds = harness.sim.provisionUsers(partner.id, 3).map((provision) => provision.userId);
    partnerClient = harness.makeClient({
      stateStore: new InMemoryBunqStateStore({ apiKey: partner.apiKey }),
    });
    for (const userId of userIds) {
      harness.sim.setNotificationFilters(userId, [
        { category: 'MUTATION', notification_target: userUrl(userId) },
      ]);
    }
    harness.sim.seedFailures(userIds[0] as number, [
      { category: 'MUTATION', object_id: 1, notification_target: userUrl(userIds[0] as number) },
      { category: 'MUTATION', object_id: 2, notification_target: userUrl(userIds[0] as number) },
    ]);
    harness.sim.seedFailures(userIds[2] as number, [
      { category: 'MUTATION', object_id: 3, notification_target: userUrl(userIds[2] as number) },
    ]);
  });

  it('lists once for the partner, attributes each failure to its user and retries them all', async () => {
    const seen: Array<{ partnerUserId: number; attribution: FleetFailureAttribution }> = [];
    const store = new MemoryRecoveryStore();
    const report = await recoverFailures({
      bunq: attributingFailuresApi(partnerClient, {
        owns,
        onListed: (partnerUserId, attribution) => seen.push({ partnerUserId, attribution }),
      }),
      arrivals: store,
      attempts: store,
      maxAttempts: 3,
      logger: { debug() {}, info() {}, warn() {}, error() {} },
    });

    expect(calls(harness.sim, 'GET', 'notification-filter-failure')).toHaveLength(1);
    expect(report).toMatchObject({ listed: 3, retriesRequested: 3, pollErrors: 0 });
    expect(seen).toHaveLength(1);
    const { attribution } = seen[0] as (typeof seen)[number];
    expect(
      [...attribution.byUser]
        .map(([userId, failures]) => [userId, failures.length])
        .sort((a, b) => (a[0] as number) - (b[0] as number)),
    ).toEqual([
      [userIds[0], 2],
      [userIds[2], 1],
    ]);
    expect(attribution.unattributed).toEqual([]);
    // The retry went through the partner's own path.
    const retries = calls(harness.sim, 'POST', 'notification-filter-failure');
    expect(retries.map((entry) => entry.path)).toEqual([
      expect.stringContaining(`/user/${await partnerClient.getUserId()}/`),
    ]);
  });

  it('the Lambda’s composition, given the callback base URL, logs the failures per provisioned user', async () => {
    // As functions/retry-failures.ts wires it: the environment the stack sets with partner onboarding
    // (the base without its trailing slash, to see it still matches `/callbacks/<token>/u/<id>`).
    const env = retryFailuresEnvironment({
      [RETRY_FAILURES_ENV.bunqStateSecretArn]: 'arn:state',
      [RETRY_FAILURES_ENV.bunqBaseUrl]: 'https://api.bunq.com/v1',
      [RETRY_FAILURES_ENV.tableName]: 'dedupe',
      [RETRY_FAILURES_ENV.maxAttempts]: '3',
      [RETRY_FAILURES_ENV.attemptTtlSeconds]: '86400',
      [RETRY_FAILURES_ENV.callbackBaseUrl]: BASE.slice(0, -1),
    });
    const store = new MemoryRecoveryStore();
    const logger = createLogger('test-fleet-poller');
    const info = jest.spyOn(logger, 'info').mockImplementation(() => undefined);
    const handler = composeRetryFailures(env.settings, {
      bunqClient: () => partnerClient,
      arrivals: store,
      attempts: store,
      logger,
      metrics: new RecordingMetrics(),
      ...fleetOfCallbackBase(env.callbackBaseUrl),
    });
    expect(await handler()).toMatchObject({ listed: 3, retriesRequested: 3 });
    const line = info.mock.calls.find(
      ([message]) => message === 'failure poll: failures by provisioned user',
    );
    expect(line?.[1]).toMatchObject({
      users: 2,
      failures: 3,
      unattributed: 0,
      byUser: { [userIds[0] as number]: 2, [userIds[2] as number]: 1 },
    });
  });
});

describe('fleetOfCallbackBase', () => {
  it('owns the targets under the base only, and gives no fleet without one', () => {
    const { fleet } = fleetOfCallbackBase(BASE);
    expect(fleet?.owns(userUrl(9))).toBe(true);
    expect(fleet?.owns('https://ours.example/callbacks-other/token-1/u/9')).toBe(false);
    expect(fleetOfCallbackBase(undefined)).toEqual({});
  });
});
