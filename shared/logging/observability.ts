/**
 * Logger and metrics for the functions: Powertools, JSON logs and CloudWatch embedded metric format.
 * Nothing here ever receives a callback body or a token; handlers log identifiers only.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import {
  type EmittedMetricName,
  type EmittingService,
  METRIC_DIMENSIONS,
  METRICS_NAMESPACE,
  type MetricDimension,
  NORMALIZE_METRICS,
} from '../wiring/metrics';
import { LeanLogFormatter } from './lean-log-formatter';
import { redactingJsonReplacer } from './redact';

/**
 * A JSON logger whose every line passes the redaction of `shared/logging/redact.ts`: secret fields
 * (`authorization_code`, `token_value`, tokens, keys, ...) and secrets quoted in text never reach a log.
 * Lines are Powertools' without the keys that carry nothing here (`./lean-log-formatter.ts`).
 */
export function createLogger(serviceName: string): Logger {
  return new Logger({
    serviceName,
    jsonReplacerFn: redactingJsonReplacer,
    logFormatter: new LeanLogFormatter(),
  });
}

/**
 * Powertools Metrics whose single-metric instance is made once and reused. Powertools' `singleMetric()`
 * builds a whole new `Metrics` (with its own `Console`) per call, and the ingest makes one call per callback
 * (`CallbackSignatures`): a tenth of its warm CPU. Reuse is safe because a single metric publishes and
 * clears its metrics, dimensions, dimension sets and metadata at each `addMetric`, and the helpers below use
 * it synchronously, from `singleMetric()` to `addMetric`, with no await in between.
 */
class ReusingMetrics extends Metrics {
  #single: Metrics | undefined;

  override singleMetric(): Metrics {
    this.#single ??= super.singleMetric();
    return this.#single;
  }
}

/** Powertools Metrics in the pipeline's namespace, with the `service` dimension set to `serviceName`. */
export function createMetrics(serviceName: EmittingService): Metrics {
  return new ReusingMetrics({ namespace: METRICS_NAMESPACE, serviceName });
}

/**
 * Emits one metric with its own extra dimension (e.g. a rejection reason), flushed immediately, in one EMF
 * document with two dimension sets: `service` + `dimension` (the breakdown), and `service` alone (the total).
 * Alarms need the total: CloudWatch cannot alarm on a SEARCH across dimension values.
 */
export function countWithDimension(
  metrics: Metrics,
  name: EmittedMetricName,
  dimension: MetricDimension,
  value: string,
  count = 1,
): void {
  const single = metrics.singleMetric();
  single.addDimension(dimension, value);
  // An empty set adds the default dimensions (service) alone.
  single.addDimensions({});
  single.addMetric(name, MetricUnit.Count, count);
}

/**
 * Counts a known object type whose object did not match its schema (`SchemaMismatch`, dimension
 * `objectType`), with the first failing field path as metadata (searchable in the log, not a dimension).
 */
export function countSchemaMismatch(metrics: Metrics, objectType: string, path: string): void {
  const single = metrics.singleMetric();
  single.addDimension(METRIC_DIMENSIONS.objectType, objectType);
  single.addMetadata('path', path);
  single.addMetric(NORMALIZE_METRICS.schemaMismatch, MetricUnit.Count, 1);
}

/** Flushes stored metrics, if any: Powertools warns on an empty flush, which is noise here. */
export function flushMetrics(metrics: Metrics): void {
  if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
}
