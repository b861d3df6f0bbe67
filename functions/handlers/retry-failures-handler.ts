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
import { flushMetrics } from '../../shared/logging/observability';
import {
  type CertificateCheck,
  type CertificateCheckPorts,
  checkPinnedCertificates,
} from '../../shared/pipeline/recovery/pinned-certificates';
import type { ArrivalLog, AttemptStore, BunqFailuresApi } from '../../shared/pipeline/recovery/ports';
import {
  emptyRecoveryReport,
  type RecoveryReport,
  recoverFailures,
} from '../../shared/pipeline/recovery/recover-failures';
import { RECOVERY_METRICS } from '../../shared/wiring/metrics';
import { type ScheduledHandler, scheduledHandler } from './scheduled-run';

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
  /**
   * The pin check (custom domain only): the chain the domain serves against the ones pinned at bunq.
   * @default - no check
   */
  readonly certificateCheck?: CertificateCheckPorts;
  /** @default () => new Date() */
  readonly now?: () => Date;
}

export type RetryFailuresHandler = ScheduledHandler<RecoveryReport>;

/** What a run that failed before it could start reports: one poll error. */
const FAILED_RUN: RecoveryReport = { ...emptyRecoveryReport(), pollErrors: 1 };

export function createRetryFailuresHandler(deps: RetryFailuresDependencies): RetryFailuresHandler {
  const { logger, metrics } = deps;

  async function checkCertificates(ports: CertificateCheckPorts): Promise<CertificateCheck | null> {
    try {
      const check = await checkPinnedCertificates(ports, (deps.now ?? (() => new Date()))());
      if (check.mismatch) {
        logger.error('no certificate pinned at bunq is the one the endpoint serves: bunq cancels callbacks', {
          pins: check.pins,
        });
      }
      return check;
    } catch (error) {
      // No data point rather than a guess: the alarms treat a missing one as not breaching.
      logger.warn('certificate check could not run', { error });
      return null;
    }
  }

  function emitCheck(check: CertificateCheck): void {
    metrics.addMetric(RECOVERY_METRICS.pinnedCertificateMismatch, MetricUnit.Count, check.mismatch ? 1 : 0);
    if (check.daysToExpiry !== null) {
      metrics.addMetric(RECOVERY_METRICS.pinnedCertificateDaysToExpiry, MetricUnit.Count, check.daysToExpiry);
    }
  }

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

  return scheduledHandler({
    logger,
    run: async () => {
      const report = await recoverFailures({
        bunq: deps.bunqClient(),
        arrivals: deps.arrivals,
        attempts: deps.attempts,
        maxAttempts: deps.maxAttempts,
        logger,
        now: deps.now,
      });
      const check = deps.certificateCheck && (await checkCertificates(deps.certificateCheck));
      if (check) emitCheck(check);
      return report;
    },
    emit,
    failed: FAILED_RUN,
    // Only a programming or set-up error gets here (the core reports bunq and store failures itself).
    failure: 'failure poll could not run',
  });
}
