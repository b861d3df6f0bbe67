/**
 * The invocation of a scheduled function (EventBridge Scheduler, every few minutes): one run of its core,
 * whose report becomes metrics every time. The cores report bunq and store failures in the report; only a
 * set-up or programming error throws, and then `failed` is emitted, the error logged and rethrown.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Context } from 'aws-lambda';

export type ScheduledHandler<Report> = (event?: unknown, context?: Context) => Promise<Report>;

export interface ScheduledRun<Report> {
  readonly logger: Logger;
  /** One run of the core. */
  readonly run: () => Promise<Report>;
  /** Turns a report into metrics (and flushes them). */
  readonly emit: (report: Report) => void;
  /** What a run that threw reports. */
  readonly failed: Report;
  /** The log message of a run that threw. */
  readonly failure: string;
}

export function scheduledHandler<Report>(scheduled: ScheduledRun<Report>): ScheduledHandler<Report> {
  const { logger } = scheduled;
  return async function scheduledRun(_event, context) {
    if (context !== undefined) logger.addContext(context);
    let report = scheduled.failed;
    try {
      report = await scheduled.run();
      return report;
    } catch (error) {
      logger.error(scheduled.failure, { error });
      throw error;
    } finally {
      scheduled.emit(report);
    }
  };
}
