/**
 * The functions' own logger and metrics (`shared/logging/observability.ts`: redaction, EMF), doing their
 * full work (serialization included) into a sink that counts what CloudWatch Logs would ingest: bytes and
 * log events. The cost model reads those counts.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import { createLogger, createMetrics } from '../shared/logging/observability';
import type { EmittingService } from '../shared/wiring/metrics';

export interface CountingObservability {
  readonly logger: Logger;
  readonly metrics: Metrics;
  /** Bytes and log events written since the last {@link reset}. */
  counts(): { bytes: number; events: number };
  reset(): void;
}

export function countingObservability(serviceName: EmittingService): CountingObservability {
  // What Lambda puts in the environment and Powertools adds to every line (trace id).
  process.env._X_AMZN_TRACE_ID ??=
    'Root=1-67a0c3f1-0123456789abcdef01234567;Parent=0123456789abcdef;Sampled=0;Lineage=1:abcd1234:0';
  let bytes = 0;
  let events = 0;
  const write = (...args: unknown[]) => {
    bytes += Buffer.byteLength(args.map(String).join(' '), 'utf8') + 1;
    events += 1;
  };
  const sink = { log: write, info: write, warn: write, error: write, debug: write, trace: write };
  const logger = createLogger(serviceName);
  (logger as unknown as { console: unknown }).console = sink;
  const metrics = createMetrics(serviceName);
  (metrics as unknown as { console: unknown }).console = sink;
  // Single metrics (one per rejection reason, per category) get their own console: count those too.
  const single = metrics.singleMetric.bind(metrics);
  metrics.singleMetric = () => {
    const one = single();
    (one as unknown as { console: unknown }).console = sink;
    return one;
  };
  return {
    logger,
    metrics,
    counts: () => ({ bytes, events }),
    reset() {
      bytes = 0;
      events = 0;
    },
  };
}
