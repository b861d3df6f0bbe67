/**
 * One onboarding message at a time, over ports: decode the job, run {@link onboardProvisionedUser}, log the
 * outcome by ids (never the code or a token), and count it: `UsersOnboarded`, or `OnboardingFailures` by the
 * failed step. A failure rejects, so the queue delivers the message again (and parks it on the onboarding
 * dead-letter queue after its `maxReceiveCount`). The Lambda handler and the local runtime both use it.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { countWithDimension, flushMetrics } from '../../logging/observability';
import { METRIC_DIMENSIONS, ONBOARD_METRICS } from '../../wiring/metrics';
import {
  type OnboardingDependencies,
  OnboardingError,
  type OnboardingOutcome,
  onboardProvisionedUser,
} from './onboard';
import { decodeOnboardingJob, MalformedOnboardingJobError } from './onboarding-job';

export interface Onboarder {
  /** Onboards from one message body; rejects (after counting it) when the onboarding failed. */
  process(
    body: string,
    context: { readonly messageId: string; readonly receiveCount: number },
  ): Promise<OnboardingOutcome>;
}

export function createOnboarder(
  deps: OnboardingDependencies & { readonly logger: Logger; readonly metrics: Metrics },
): Onboarder {
  const { logger, metrics } = deps;
  return {
    async process(body, { messageId, receiveCount }) {
      let provisionId: number | undefined;
      try {
        const job = decodeOnboardingJob(body);
        provisionId = job.provisionId;
        const outcome = await onboardProvisionedUser(job, deps);
        if (outcome.status === 'onboarded') {
          logger.info('provisioned user onboarded', { messageId, ...outcome });
          metrics.addMetric(ONBOARD_METRICS.usersOnboarded, MetricUnit.Count, 1);
        } else {
          logger.info('provision callback needs no onboarding', { messageId, ...outcome });
        }
        return outcome;
      } catch (error) {
        const step =
          error instanceof OnboardingError
            ? error.step
            : error instanceof MalformedOnboardingJobError
              ? 'malformed-job'
              : 'unexpected';
        logger.error('onboarding failed; the queue will deliver it again', {
          messageId,
          provisionId,
          receiveCount,
          step,
          error,
        });
        countWithDimension(metrics, ONBOARD_METRICS.onboardingFailures, METRIC_DIMENSIONS.reason, step);
        throw error;
      } finally {
        flushMetrics(metrics);
      }
    },
  };
}
