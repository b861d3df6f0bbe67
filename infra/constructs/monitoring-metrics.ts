/**
 * The metrics the alarms and the dashboard watch: the pipeline functions' own (by `service`) and EventBridge's
 * per rule.
 */
import type { Duration } from 'aws-cdk-lib';
import { Metric, Stats } from 'aws-cdk-lib/aws-cloudwatch';
import type { IEventBus } from 'aws-cdk-lib/aws-events';
import { METRICS_NAMESPACE } from './pipeline-function';

/** `POWERTOOLS_SERVICE_NAME` of the pipeline's functions: the `service` dimension of their metrics. */
export const PIPELINE_SERVICES = {
  ingest: 'bunq-webhooks-ingest',
  normalize: 'bunq-webhooks-normalize',
  retryFailures: 'bunq-webhooks-retry-failures',
} as const;

/** One of the pipeline functions' own metrics (namespace {@link METRICS_NAMESPACE}, dimension `service`). */
export function pipelineMetric(
  service: string,
  metricName: string,
  period: Duration,
  statistic: string = Stats.SUM,
): Metric {
  return new Metric({
    namespace: METRICS_NAMESPACE,
    metricName,
    dimensionsMap: { service },
    statistic,
    period,
  });
}

/** One of EventBridge's metrics of a rule on the pipeline's bus, summed over `period`. */
export function ruleMetric(bus: IEventBus, ruleName: string, metricName: string, period: Duration): Metric {
  return new Metric({
    namespace: 'AWS/Events',
    metricName,
    dimensionsMap: { EventBusName: bus.eventBusName, RuleName: ruleName },
    statistic: Stats.SUM,
    period,
  });
}
