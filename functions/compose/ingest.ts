/**
 * The one composition of the ingest function, used by the Lambda entry (`functions/ingest.ts`), the local
 * runtime and the bench alike.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import { createLogger, createMetrics } from '../../shared/logging/observability';
import { createCallbackAdmission } from '../../shared/pipeline/ingest/admit-callback';
import type { CallbackSignatureMode, SignaturePolicy } from '../../shared/pipeline/ingest/callback-signature';
import {
  fixedServerPublicKey,
  type ServerPublicKeySource,
} from '../../shared/pipeline/ingest/server-public-key';
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
  /**
   * `X-Bunq-Server-Signature`: the mode, and a configured server public key (PEM).
   * @default { mode: 'off' }
   */
  readonly callbackSignature?: { readonly mode: CallbackSignatureMode; readonly serverPublicKeyPem?: string };
}

/** What the ingest talks to: SQS and Secrets Manager in Lambda, in-process stand-ins locally. */
export interface IngestPorts {
  /** Where accepted callbacks go; resolves once the queue durably accepted the message. */
  readonly queue: CallbackQueue;
  /**
   * The onboarding queue (partner onboarding on): provision callbacks' OAuth codes go there, masked in the
   * body. @default none: bodies are kept as received
   */
  readonly onboardingQueue?: CallbackQueue;
  readonly tokens: TokenSource;
  /**
   * The installation's server public key (the failure poller's state), used when none is configured.
   * @default none: a signature without a configured key is `no-key`
   */
  readonly serverPublicKey?: ServerPublicKeySource;
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
      signature: signaturePolicy(settings, ports),
      onboarding: ports.onboardingQueue !== undefined,
    }),
    queue: ports.queue,
    ...(ports.onboardingQueue === undefined ? {} : { onboardingQueue: ports.onboardingQueue }),
    logger: ports.logger ?? createLogger(SERVICE_NAMES.ingest),
    metrics: ports.metrics ?? createMetrics(SERVICE_NAMES.ingest),
    now,
  });
}

/** The configured key wins; else the installation's, when a runner provides it. */
function signaturePolicy(settings: IngestSettings, ports: IngestPorts): SignaturePolicy {
  const mode = settings.callbackSignature?.mode ?? 'off';
  const pem = settings.callbackSignature?.serverPublicKeyPem;
  if (pem !== undefined) return { mode, key: fixedServerPublicKey(pem) };
  return ports.serverPublicKey === undefined ? { mode } : { mode, key: ports.serverPublicKey };
}
