/**
 * Powertools Metrics for the local runtime's handlers. The handlers emit one single-metric document per
 * callback (`countWithDimension`), and Powertools builds a whole new `Metrics` (with its own `Console`)
 * for each: a fifth of the ingest's CPU locally, for documents that are off by default
 * (`POWERTOOLS_METRICS_DISABLED`). Here the single-metric instance is made once and reused: it publishes
 * and clears its dimensions and metadata at each `addMetric`, and the handlers use it synchronously.
 */
import { Metrics } from '@aws-lambda-powertools/metrics';
import { type EmittingService, METRICS_NAMESPACE } from '../shared/wiring/metrics';

class LocalMetrics extends Metrics {
  #single: Metrics | undefined;

  override singleMetric(): Metrics {
    this.#single ??= super.singleMetric();
    return this.#single;
  }
}

/** Metrics in the pipeline's namespace for `serviceName`, as `createMetrics` makes them, with one reused single metric. */
export function createLocalMetrics(serviceName: EmittingService): Metrics {
  return new LocalMetrics({ namespace: METRICS_NAMESPACE, serviceName });
}
