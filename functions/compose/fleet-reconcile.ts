/**
 * The reconciler over a partner's fleet, composed once for whoever runs it on a schedule (the reconcile
 * Lambda, the local runtime, the bench): the registry's users, each reconciled on its own bunq client (built
 * by `userApi`, which puts every client behind one rate gate) and its own callback URL, its rebuilt
 * callbacks tagged with the user, the pass state loaded from and written to `state` as the run goes, and the
 * {@link RECONCILE_METRICS} per run, `ReconcileCycleSeconds` whenever a run completes a pass.
 */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { FleetEntry, FleetRegistry } from '../../shared/fleet/registry';
import { flushMetrics } from '../../shared/logging/observability';
import {
  emptyFleetReconcileReport,
  type FleetReconcileReport,
  fleetExpectedFilters,
  reconcileFleet,
} from '../../shared/pipeline/reconcile/fleet';
import type { FleetReconcileStateStore } from '../../shared/pipeline/reconcile/fleet-state';
import type {
  ReconcileBunqApi,
  ReconcileCursorStore,
  ReconciledCallbackSink,
} from '../../shared/pipeline/reconcile/ports';
import { reconcile } from '../../shared/pipeline/reconcile/reconcile';
import type { ArrivalLog, AttemptStore } from '../../shared/pipeline/recovery/ports';
import { RECONCILE_METRICS, SERVICE_NAMES } from '../../shared/wiring/metrics';
import { type ScheduledHandler, scheduledHandler } from '../handlers/scheduled-run';
import { type ClockedPorts, observed } from './observed';

export interface FleetReconcileSettings {
  /** Milliseconds after an event's creation before it is settled. */
  readonly graceMs: number;
  readonly repairFilters: boolean;
  /** Users reconciled at once. @default 4 */
  readonly concurrency?: number;
  /** Stop starting users after this many ms (under the interval and timeout); a function is asked per run. */
  readonly budgetMs?: number | (() => number);
}

export interface FleetReconcilePorts extends ClockedPorts {
  readonly registry: FleetRegistry;
  /** A user's bunq API on its stored credentials, behind the fleet's rate gate. */
  readonly userApi: (entry: FleetEntry) => ReconcileBunqApi;
  /** Our callback URL without the token (ending in `/callbacks/`), and the current token. */
  readonly callbackBaseUrl: string;
  readonly currentToken: () => Promise<string>;
  readonly arrivals: ArrivalLog;
  readonly cursors: ReconcileCursorStore;
  readonly sink: ReconciledCallbackSink;
  /** The pass and visits between runs (`memoryFleetStateStore` keeps them in memory only). */
  readonly state: FleetReconcileStateStore;
  /** Where the retries it asks bunq for are noted, so their events say `recoveredBy: "failure-retry"`. */
  readonly redeliveries?: Pick<AttemptStore, 'expectRedeliveries'>;
}

const failedRun: FleetReconcileReport = { ...emptyFleetReconcileReport(), errors: 1 };

export function composeFleetReconcile(
  settings: FleetReconcileSettings,
  ports: FleetReconcilePorts,
): ScheduledHandler<FleetReconcileReport> {
  const { logger, metrics } = observed(SERVICE_NAMES.reconcile, ports);
  const now = ports.now ?? (() => new Date());
  const run = async (): Promise<FleetReconcileReport> => {
    const token = await ports.currentToken();
    const entries = await ports.registry.list();
    const budgetMs = typeof settings.budgetMs === 'function' ? settings.budgetMs() : settings.budgetMs;
    const report = await reconcileFleet({
      entries,
      memory: await ports.state.load(entries.map((entry) => entry.userId)),
      persist: ports.state,
      ...(settings.concurrency === undefined ? {} : { concurrency: settings.concurrency }),
      ...(budgetMs === undefined ? {} : { budgetMs: Math.max(0, budgetMs) }),
      now: () => now().getTime(),
      reconcileUser: (entry) =>
        reconcile({
          bunq: ports.userApi(entry),
          arrivals: ports.arrivals,
          cursors: ports.cursors,
          sink: { submit: (callback) => ports.sink.submit({ ...callback, userId: entry.userId }) },
          expected: fleetExpectedFilters(entry, ports.callbackBaseUrl, token),
          ...(ports.redeliveries === undefined ? {} : { redeliveries: ports.redeliveries }),
          graceMs: settings.graceMs,
          repairFilters: settings.repairFilters,
          logger,
          now,
        }),
    });
    logger.info('fleet reconcile run finished', { ...report });
    return report;
  };
  const emit = (report: FleetReconcileReport): void => {
    metrics.addMetric(RECONCILE_METRICS.heartbeat, MetricUnit.Count, 1);
    metrics.addMetric(RECONCILE_METRICS.missedByBunq, MetricUnit.Count, report.missedByBunq);
    metrics.addMetric(RECONCILE_METRICS.failureRetries, MetricUnit.Count, report.failureRetries);
    metrics.addMetric(RECONCILE_METRICS.errors, MetricUnit.Count, report.errors);
    metrics.addMetric(RECONCILE_METRICS.filterDrift, MetricUnit.Count, report.filterDrift);
    if (report.cycleMs !== null) {
      metrics.addMetric(RECONCILE_METRICS.cycleSeconds, MetricUnit.Seconds, report.cycleMs / 1_000);
    }
    flushMetrics(metrics);
  };
  return scheduledHandler({ logger, run, emit, failed: failedRun, failure: 'fleet reconcile run failed' });
}
