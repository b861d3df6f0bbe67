/** Powertools Logger and Metrics doing their full work (serialization included) into a sink. */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';

export function quietObservability(serviceName: string): { logger: Logger; metrics: Metrics } {
  const sink = { log() {}, info() {}, warn() {}, error() {}, debug() {}, trace() {} };
  const logger = new Logger({ serviceName, logLevel: 'INFO' });
  (logger as unknown as { console: unknown }).console = sink;
  const metrics = new Metrics({ namespace: 'Bench', serviceName });
  (metrics as unknown as { console: unknown }).console = sink;
  // Single metrics (one per rejection reason, per category) get their own console: silence those too.
  const single = metrics.singleMetric.bind(metrics);
  metrics.singleMetric = () => {
    const one = single();
    (one as unknown as { console: unknown }).console = sink;
    return one;
  };
  return { logger, metrics };
}
