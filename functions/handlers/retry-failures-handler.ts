/**
 * The retry-failures Lambda's handler: one failure poll per invocation (EventBridge Scheduler, every few
 * minutes), built from injected dependencies so the local runtime runs the very same code on an interval.
 *
 * It runs the core (`shared/pipeline/recovery/recover-failures.ts`) and turns its report into the
 * {@link RECOVERY_METRICS}, every run. A failed poll does not fail the invocation (that would only make
 * Lambda retry a stale run): it shows as a poll error, with the reason in the log.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import { flushMetrics } from '../../shared/logging/observability';
import type { ArrivalLog, AttemptStore, BunqFailuresApi } from '../../shared/pipeline/recovery/ports';
import {
  emptyRecoveryReport,
  type RecoveryReport,
  recoverFailures,
} from '../../shared/pipeline/recovery/recover-failures';
import { RECOVERY_METRICS } from '../../shared/wiring/metrics';

export interface RetryFailuresDependencies {
  /**
   * Gives the bunq client for one run. In Lambda it builds a new client on the state secret each run, so an
   * API key put into (or rotated in) the secret takes effect at the next run and a warm instance never
   * writes a stale state over it; locally it may return one long-lived client.
   */
  readonly bunqClient: () => BunqFailuresApi;
  /** Which callbacks arrived (written by the normalizer). */
  readonly arrivals: ArrivalLog;
  /** Retry attempts per failure. */
  readonly attempts: AttemptStore;
  /** Retries per failure before giving up on it. */
  readonly maxAttempts: number;
  readonly logger: Logger;
  readonly metrics: Metrics;
  /** @default () => new Date() */
  readonly now?: () => Date;
}

export type RetryFailuresHandler = (event?: unknown, context?: Context) => Promise<RecoveryReport>;

/** What a run that failed before it could start reports: one poll error. */
const FAILED_RUN: RecoveryReport = { ...emptyRecoveryReport(), pollErrors: 1 };

export function createRetryFailuresHandler(deps: RetryFailuresDependencies): RetryFailuresHandler {
  const { logger, metrics } = deps;

  function emit(report: RecoveryReport): void {
    metrics.addMetric(RECOVERY_METRICS.heartbeat, MetricUnit.Count, 1);
    metrics.addMetric(RECOVERY_METRICS.retriesRequested, MetricUnit.Count, report.retriesRequested);
    metrics.addMetric(RECOVERY_METRICS.retriesExhausted, MetricUnit.Count, report.retriesExhausted);
    metrics.addMetric(RECOVERY_METRICS.pollErrors, MetricUnit.Count, report.pollErrors);
    // Unknown when the listing failed: better no data point than a 0 that would clear an alarm.
    if (report.outstanding !== null) {
      metrics.addMetric(RECOVERY_METRICS.outstanding, MetricUnit.Count, report.outstanding);
    }
    flushMetrics(metrics);
  }

  return async function retryFailuresHandler(_event, context) {
    if (context !== undefined) logger.addContext(context);
    let report: RecoveryReport = FAILED_RUN;
    try {
      report = await recoverFailures({
        bunq: deps.bunqClient(),
        arrivals: deps.arrivals,
        attempts: deps.attempts,
        maxAttempts: deps.maxAttempts,
        logger,
        now: deps.now,
      });
      return report;
    } catch (error) {
      // Only a programming or set-up error gets here (the core reports bunq and store failures itself).
      logger.error('failure poll could not run', { error });
      throw error;
    } finally {
      emit(report);
    }
  };
}
