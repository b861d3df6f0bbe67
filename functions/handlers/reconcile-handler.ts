/**
 * The reconcile Lambda's handler: one reconciler run per invocation (EventBridge Scheduler, every few
 * minutes), built from injected dependencies so the local runtime runs the very same code on an interval.
 *
 * It runs the core (`shared/pipeline/reconcile/reconcile.ts`) and turns its report into the
 * {@link RECONCILE_METRICS}, every run. A failed run does not fail the invocation: it shows as
 * `ReconcileErrors`, with the reason in the log.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { flushMetrics } from '../../shared/logging/observability';
import type {
  ExpectedFilters,
  ReconcileBunqApi,
  ReconcileCursorStore,
  ReconciledCallbackSink,
} from '../../shared/pipeline/reconcile/ports';
import {
  emptyReconcileReport,
  type ReconcileReport,
  reconcile,
} from '../../shared/pipeline/reconcile/reconcile';
import type { ArrivalLog, AttemptStore } from '../../shared/pipeline/recovery/ports';
import { RECONCILE_METRICS } from '../../shared/wiring/metrics';
import { type ScheduledHandler, scheduledHandler } from './scheduled-run';

export interface ReconcileHandlerDependencies {
  /** Gives the bunq API for one run (a new client on the state secret in Lambda; one client locally). */
  readonly bunq: () => ReconcileBunqApi;
  readonly arrivals: ArrivalLog;
  readonly cursors: ReconcileCursorStore;
  readonly sink: ReconciledCallbackSink;
  /** The filters `register` set up; read per run (the callback URL carries the current token). */
  readonly expected: () => Promise<ExpectedFilters>;
  readonly redeliveries?: Pick<AttemptStore, 'expectRedeliveries'>;
  readonly graceMs: number;
  readonly repairFilters: boolean;
  readonly logger: Logger;
  readonly metrics: Metrics;
  /** @default () => new Date() */
  readonly now?: () => Date;
}

export type ReconcileHandler = ScheduledHandler<ReconcileReport>;

export function createReconcileHandler(deps: ReconcileHandlerDependencies): ReconcileHandler {
  const { logger, metrics } = deps;

  function emit(report: ReconcileReport, filtersRead: boolean): void {
    metrics.addMetric(RECONCILE_METRICS.heartbeat, MetricUnit.Count, 1);
    metrics.addMetric(RECONCILE_METRICS.missedByBunq, MetricUnit.Count, report.missedByBunq);
    metrics.addMetric(RECONCILE_METRICS.failureRetries, MetricUnit.Count, report.failureRetries);
    metrics.addMetric(RECONCILE_METRICS.errors, MetricUnit.Count, report.errors);
    // Unknown when the filters could not be read: no data point rather than a 0 that clears the alarm.
    if (filtersRead) metrics.addMetric(RECONCILE_METRICS.filterDrift, MetricUnit.Count, report.filterDrift);
    flushMetrics(metrics);
  }

  return scheduledHandler({
    logger,
    run: async () =>
      reconcile({
        bunq: deps.bunq(),
        arrivals: deps.arrivals,
        cursors: deps.cursors,
        sink: deps.sink,
        expected: await deps.expected(),
        ...(deps.redeliveries === undefined ? {} : { redeliveries: deps.redeliveries }),
        graceMs: deps.graceMs,
        repairFilters: deps.repairFilters,
        logger,
        now: deps.now,
      }),
    emit: (report) => emit(report, report.filtersRead),
    failed: { ...emptyReconcileReport(), errors: 1 },
    failure: 'reconcile run could not start',
  });
}
