import { createReconcileHandler } from '../../../functions/handlers/reconcile-handler';
import { BunqNetworkError } from '../../../shared/bunq/api/errors';
import type { ReconcileBunqApi } from '../../../shared/pipeline/reconcile/ports';
import { RECONCILE_METRICS } from '../../../shared/wiring/metrics';
import { capturingLogger, emittedCounts, silentMetrics } from '../../support/pipeline';

const USER_ID = 7;
const OURS = 'https://ours.example/callbacks/t';

/** A bunq with one registered filter missing and an empty event listing. */
function fakeBunq(overrides: Partial<ReconcileBunqApi> = {}): ReconcileBunqApi {
  return {
    getUserId: async () => USER_ID,
    listEventsSince: async () => ({ events: [], complete: true }),
    getNotificationFilterUrls: async () => [{ category: 'MUTATION', notification_target: OURS }],
    setNotificationFilterUrls: async (_user, filters) => filters.map((filter) => ({ ...filter })),
    listNotificationFilterFailures: async () => [],
    retryNotificationFilterFailures: async (_user, ids) => ({ retriedIds: [...ids], failedChunks: [] }),
    ...overrides,
  };
}

function setup(bunq: ReconcileBunqApi) {
  const metrics = silentMetrics();
  const emitted = emittedCounts(metrics);
  const { logger } = capturingLogger();
  const handler = createReconcileHandler({
    bunq: () => bunq,
    arrivals: { arrivals: async () => new Map() },
    cursors: { load: async () => 0, save: async () => undefined },
    sink: { submit: async () => undefined },
    expected: async () => ({
      target: OURS,
      owns: (target) => target === OURS,
      scopes: [{ monetaryAccountId: null, categories: ['MUTATION', 'PAYMENT'] }],
    }),
    graceMs: 600_000,
    repairFilters: false,
    logger,
    metrics,
  });
  return { handler, emitted };
}

describe('reconcile handler: metrics', () => {
  it('emits the heartbeat, MissedByBunq, FilterDrift, retries and errors every run', async () => {
    const { handler, emitted } = setup(fakeBunq());

    const report = await handler();

    expect(report).toMatchObject({ filterDrift: 1, errors: 0 });
    expect(emitted()).toEqual({
      [RECONCILE_METRICS.heartbeat]: 1,
      [RECONCILE_METRICS.missedByBunq]: 0,
      [RECONCILE_METRICS.failureRetries]: 0,
      [RECONCILE_METRICS.errors]: 0,
      [RECONCILE_METRICS.filterDrift]: 1,
    });
  });

  it('leaves FilterDrift out when the filters could not be read, so the alarm is not cleared by a 0', async () => {
    const { handler, emitted } = setup(
      fakeBunq({
        getNotificationFilterUrls: async () => {
          throw new BunqNetworkError('connect ECONNREFUSED');
        },
      }),
    );

    await handler();

    expect(emitted()).toEqual({
      ReconcilerHeartbeat: 1,
      MissedByBunq: 0,
      ReconcileFailureRetries: 0,
      ReconcileErrors: 1,
    });
  });
});
