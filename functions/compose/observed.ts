/**
 * The logger, metrics and clock every `compose…` takes as optional ports, each defaulting to the function's
 * own (`SERVICE_NAMES` of `shared/wiring/metrics.ts`): tests and the local runtime pass theirs.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import { createLogger, createMetrics } from '../../shared/logging/observability';
import type { EmittingService } from '../../shared/wiring/metrics';

export interface ObservedPorts {
  /** @default createLogger(<the function's service name>) */
  readonly logger?: Logger;
  /** @default createMetrics(<the function's service name>) */
  readonly metrics?: Metrics;
}

export interface ClockedPorts extends ObservedPorts {
  /** @default () => new Date() */
  readonly now?: () => Date;
}

/** The ports' logger and metrics, or the service's own. */
export function observed(
  service: EmittingService,
  ports: ObservedPorts,
): { readonly logger: Logger; readonly metrics: Metrics } {
  return { logger: ports.logger ?? createLogger(service), metrics: ports.metrics ?? createMetrics(service) };
}
