/**
 * The metrics the alarms and the dashboard watch: the pipeline functions' own (by `service`) and EventBridge's
 * per rule.
 */
import type { Duration } from 'aws-cdk-lib';
import { Metric, Stats } from 'aws-cdk-lib/aws-cloudwatch';
import type { IEventBus } from 'aws-cdk-lib/aws-events';
import {
  type EmittedMetricName,
  type EmittingService,
  METRIC_DIMENSIONS,
  METRICS_NAMESPACE,
} from '../../shared/wiring/metrics';

/** One of the pipeline functions' own metrics (namespace {@link METRICS_NAMESPACE}, dimension `service`). */
export function pipelineMetric(
  service: EmittingService,
  metricName: EmittedMetricName,
  period: Duration,
  statistic: string = Stats.SUM,
): Metric {
  return new Metric({
    namespace: METRICS_NAMESPACE,
    metricName,
    dimensionsMap: { [METRIC_DIMENSIONS.service]: service },
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
