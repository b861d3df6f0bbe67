/**
 * The one composition of the reconcile function, used by the Lambda entry (`functions/reconcile.ts`) and
 * the local runtime's reconciler alike.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import type {
  ExpectedFilters,
  ReconcileBunqApi,
  ReconcileCursorStore,
  ReconciledCallbackSink,
} from '../../shared/pipeline/reconcile/ports';
import type { ArrivalLog, AttemptStore } from '../../shared/pipeline/recovery/ports';
import { SERVICE_NAMES } from '../../shared/wiring/metrics';
import { createReconcileHandler, type ReconcileHandler } from '../handlers/reconcile-handler';
import { type ClockedPorts, observed } from './observed';

/** What the reconciler does: from the environment in Lambda, from the runtime's flags locally. */
export interface ReconcileSettings {
  /** Milliseconds after an event's creation before it is settled. */
  readonly graceMs: number;
  /** Re-apply missing filters (register's read-merge-write). */
  readonly repairFilters: boolean;
}

/** What the reconciler talks to. */
export interface ReconcilePorts extends ClockedPorts {
  /** Gives the bunq API for one run, logging to `logger` (a new client per run in Lambda). */
  readonly bunqClient: (logger: Logger) => ReconcileBunqApi;
  /** Which callbacks arrived (written by the normalizer). */
  readonly arrivals: ArrivalLog;
  /** The cursor into bunq's event listing. */
  readonly cursors: ReconcileCursorStore;
  /** The normalizer's queue, for rebuilt callbacks. */
  readonly sink: ReconciledCallbackSink;
  /** The filters `register` set up, per run (our URL carries the current token). */
  readonly expected: () => Promise<ExpectedFilters>;
  /** Where the retries it asks bunq for are noted, so their events say `recoveredBy: "failure-retry"`. */
  readonly redeliveries?: Pick<AttemptStore, 'expectRedeliveries'>;
}

/** The reconcile handler: one `reconcile` run over the ports per invocation, its report turned into metrics. */
export function composeReconcile(settings: ReconcileSettings, ports: ReconcilePorts): ReconcileHandler {
  const { logger, metrics } = observed(SERVICE_NAMES.reconcile, ports);
  return createReconcileHandler({
    bunq: () => ports.bunqClient(logger),
    arrivals: ports.arrivals,
    cursors: ports.cursors,
    sink: ports.sink,
    expected: ports.expected,
    ...(ports.redeliveries === undefined ? {} : { redeliveries: ports.redeliveries }),
    graceMs: settings.graceMs,
    repairFilters: settings.repairFilters,
    logger,
    metrics,
    now: ports.now,
  });
}
