/**
 * The one composition of the ingest function, used by the Lambda entry (`functions/ingest.ts`), the local
 * runtime and the bench alike.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import { createLogger, createMetrics } from '../../shared/logging/observability';
import { createCallbackAdmission } from '../../shared/pipeline/ingest/admit-callback';
import type { TokenSource } from '../../shared/pipeline/ingest/token-source';
import type { CallbackQueue } from '../../shared/pipeline/ports';
import { SERVICE_NAMES } from '../../shared/wiring/metrics';
import { createIngestHandler, type IngestHandler } from '../handlers/ingest-handler';

/** What the ingest does: from the environment in Lambda, from the pipeline configuration elsewhere. */
export interface IngestSettings {
  /** Source ranges allowed to call the endpoint (CIDR, IPv4 and IPv6). */
  readonly allowedSourceCidrs: readonly string[];
  /** Largest accepted body in bytes. */
  readonly maxBodyBytes: number;
  /** Minimum milliseconds between forced re-reads of the tokens after a mismatch. @default 5000 */
  readonly tokenRefreshIntervalMs?: number;
}

/** What the ingest talks to: SQS and Secrets Manager in Lambda, in-process stand-ins locally. */
export interface IngestPorts {
  /** Where accepted callbacks go; resolves once the queue durably accepted the message. */
  readonly queue: CallbackQueue;
  readonly tokens: TokenSource;
  /** @default createLogger(SERVICE_NAMES.ingest) */
  readonly logger?: Logger;
  /** @default createMetrics(SERVICE_NAMES.ingest) */
  readonly metrics?: Metrics;
  /** @default () => new Date() */
  readonly now?: () => Date;
}

/**
 * The ingest handler: `createCallbackAdmission` (verify, one token re-read on a mismatch, the queue size
 * check) over `ports.tokens`, then `ports.queue`, behind the API Gateway mapping of `createIngestHandler`.
 *
 * Shape, shared by every `compose…`: `(settings, ports) => handler`. Settings are plain typed values; ports
 * are the adapters (AWS clients in Lambda, stand-ins locally), so any runner plugs its own in.
 */
export function composeIngest(settings: IngestSettings, ports: IngestPorts): IngestHandler {
  const now = ports.now ?? (() => new Date());
  return createIngestHandler({
    admit: createCallbackAdmission({
      tokens: ports.tokens,
      allowedSourceCidrs: settings.allowedSourceCidrs,
      maxBodyBytes: settings.maxBodyBytes,
      tokenRefresh: { intervalMs: settings.tokenRefreshIntervalMs, now },
    }),
    queue: ports.queue,
    logger: ports.logger ?? createLogger(SERVICE_NAMES.ingest),
    metrics: ports.metrics ?? createMetrics(SERVICE_NAMES.ingest),
    now,
  });
}
