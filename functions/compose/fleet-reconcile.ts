/**
 * The reconciler over a partner's fleet, composed once for whoever runs it on a schedule (the bench today;
 * the reconcile Lambda and the local runtime next): the registry's users, each reconciled on its own bunq
 * client (built by `userApi`, which puts every client behind one rate gate) and its own callback URL, the
 * pass state kept in `memory`, and the {@link RECONCILE_METRICS} per run, `ReconcileCycleSeconds` whenever a
 * run completes a pass.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { FleetEntry, FleetRegistry } from '../../shared/fleet/registry';
import { flushMetrics } from '../../shared/logging/observability';
import {
  type FleetReconcileMemory,
  type FleetReconcileReport,
  fleetExpectedFilters,
  reconcileFleet,
} from '../../shared/pipeline/reconcile/fleet';
import type {
  ReconcileBunqApi,
  ReconcileCursorStore,
  ReconciledCallbackSink,
} from '../../shared/pipeline/reconcile/ports';
import { reconcile } from '../../shared/pipeline/reconcile/reconcile';
import type { ArrivalLog } from '../../shared/pipeline/recovery/ports';
import { RECONCILE_METRICS } from '../../shared/wiring/metrics';

export interface FleetReconcileSettings {
  /** Milliseconds after an event's creation before it is settled. */
  readonly graceMs: number;
  readonly repairFilters: boolean;
  /** Users reconciled at once. @default 4 */
  readonly concurrency?: number;
  /** Stop starting users after this many ms (under the scheduler's interval). @default none */
  readonly budgetMs?: number;
}

export interface FleetReconcilePorts {
  readonly registry: FleetRegistry;
  /** A user's bunq API on its stored credentials, behind the fleet's rate gate. */
  readonly userApi: (entry: FleetEntry) => ReconcileBunqApi;
  /** Our callback URL without the token (ending in `/callbacks/`), and the current token. */
  readonly callbackBaseUrl: string;
  readonly currentToken: () => Promise<string>;
  readonly arrivals: ArrivalLog;
  readonly cursors: ReconcileCursorStore;
  readonly sink: ReconciledCallbackSink;
  readonly memory: FleetReconcileMemory;
  readonly logger: Logger;
  readonly metrics: Metrics;
  /** @default () => new Date() */
  readonly now?: () => Date;
}

export function composeFleetReconcile(
  settings: FleetReconcileSettings,
  ports: FleetReconcilePorts,
): () => Promise<FleetReconcileReport> {
  const { logger, metrics } = ports;
  const now = ports.now ?? (() => new Date());
  return async () => {
    const token = await ports.currentToken();
    const report = await reconcileFleet({
      entries: await ports.registry.list(),
      memory: ports.memory,
      ...(settings.concurrency === undefined ? {} : { concurrency: settings.concurrency }),
      ...(settings.budgetMs === undefined ? {} : { budgetMs: settings.budgetMs }),
      now: () => now().getTime(),
      reconcileUser: (entry) =>
        reconcile({
          bunq: ports.userApi(entry),
          arrivals: ports.arrivals,
          cursors: ports.cursors,
          sink: ports.sink,
          expected: fleetExpectedFilters(entry, ports.callbackBaseUrl, token),
          graceMs: settings.graceMs,
          repairFilters: settings.repairFilters,
          logger,
          now,
        }),
    });
    metrics.addMetric(RECONCILE_METRICS.heartbeat, MetricUnit.Count, 1);
    metrics.addMetric(RECONCILE_METRICS.missedByBunq, MetricUnit.Count, report.missedByBunq);
    metrics.addMetric(RECONCILE_METRICS.failureRetries, MetricUnit.Count, report.failureRetries);
    metrics.addMetric(RECONCILE_METRICS.errors, MetricUnit.Count, report.errors);
    metrics.addMetric(RECONCILE_METRICS.filterDrift, MetricUnit.Count, report.filterDrift);
    if (report.cycleMs !== null) {
      metrics.addMetric(RECONCILE_METRICS.cycleSeconds, MetricUnit.Seconds, report.cycleMs / 1_000);
    }
    flushMetrics(metrics);
    logger.info('fleet reconcile run finished', { ...report });
    return report;
  };
}
