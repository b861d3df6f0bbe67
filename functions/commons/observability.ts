/**
 * Logger and metrics for the functions: Powertools, JSON logs and CloudWatch embedded metric format.
 * Nothing here ever receives a callback body or a token; handlers log identifiers only.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';

export const METRICS_NAMESPACE = 'BunqWebhooks';

export function createLogger(serviceName: string): Logger {
  return new Logger({ serviceName });
}

export function createMetrics(serviceName: string): Metrics {
  return new Metrics({ namespace: METRICS_NAMESPACE, serviceName });
}

/** Emits one metric with its own extra dimension (e.g. a rejection reason), flushed immediately. */
export function countWithDimension(metrics: Metrics, name: string, dimension: string, value: string): void {
  const single = metrics.singleMetric();
  single.addDimension(dimension, value);
  single.addMetric(name, MetricUnit.Count, 1);
}

/** Flushes stored metrics, if any: Powertools warns on an empty flush, which is noise here. */
export function flushMetrics(metrics: Metrics): void {
  if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
}
