/**
 * The one composition of the normalize function, used by the Lambda entry (`functions/normalize.ts`) and
 * the local runtime alike.
 */
import type { BackoffPolicy } from '../../shared/pipeline/backoff';
import type { DedupeStore } from '../../shared/pipeline/normalize/dedupe';
import { createNormalizer } from '../../shared/pipeline/normalize/normalizer';
import type {
  DeadLetterQueue,
  EventPublisher,
  MessageVisibility,
  ObjectStore,
} from '../../shared/pipeline/ports';
import type { ArrivalRecorder } from '../../shared/pipeline/recovery/ports';
import { SERVICE_NAMES } from '../../shared/wiring/metrics';
import { createNormalizeHandler, type NormalizeHandler } from '../handlers/normalize-handler';
import { type ObservedPorts, observed } from './observed';

/** What the normalizer does: from the environment in Lambda, from the pipeline configuration locally. */
export interface NormalizeSettings {
  /** The `source` of every event. */
  readonly eventSource: string;
  /** Seconds a published callback's dedupe marker lives. */
  readonly dedupeTtlSeconds: number;
  /** Backoff of transient failures. @default { baseSeconds: 10, maxSeconds: 300 } */
  readonly backoff?: BackoffPolicy;
  /**
   * Record each callback that arrived, for the failure poller to skip. Only when the poller runs: it is one
   * more write per callback. Needs `ports.arrivals`.
   */
  readonly recordArrivals: boolean;
}

/** What the normalizer talks to: EventBridge, SQS, DynamoDB and S3 in Lambda, stand-ins locally. */
export interface NormalizePorts extends ObservedPorts {
  readonly publisher: EventPublisher;
  readonly deadLetters: DeadLetterQueue;
  /** The dedupe claims and batch markers (DynamoDB: `createDedupeStore`; SQLite locally). */
  readonly dedupe: DedupeStore;
  /** Where arrivals are recorded when `settings.recordArrivals` (the dedupe table, same lifetime). */
  readonly arrivals?: ArrivalRecorder;
  /** Claim-check store for objects too large for an event. @default none: such callbacks are dead-lettered */
  readonly objectStore?: ObjectStore;
  /** Delays a failed message's redelivery. @default none: the queue's visibility timeout applies */
  readonly visibility?: MessageVisibility;
}

export class NormalizeCompositionError extends Error {
  override readonly name = 'NormalizeCompositionError';
}

/**
 * The normalize handler: the effectively-once core (`createNormalizer`) over the ports, behind the SQS
 * mapping of `createNormalizeHandler`. Shape: `(settings, ports) => handler`, as every `compose…`.
 */
export function composeNormalize(settings: NormalizeSettings, ports: NormalizePorts): NormalizeHandler {
  if (settings.recordArrivals && ports.arrivals === undefined) {
    throw new NormalizeCompositionError(
      'settings.recordArrivals is true but no arrivals port was given: pass ports.arrivals (e.g. dynamoArrivalRecorder on the dedupe table) or set recordArrivals to false.',
    );
  }
  return createNormalizeHandler(
    createNormalizer({
      publisher: ports.publisher,
      deadLetters: ports.deadLetters,
      dedupe: ports.dedupe,
      dedupeTtlSeconds: settings.dedupeTtlSeconds,
      eventSource: settings.eventSource,
      objectStore: ports.objectStore,
      visibility: ports.visibility,
      backoff: settings.backoff,
      arrivals: settings.recordArrivals ? ports.arrivals : undefined,
      ...observed(SERVICE_NAMES.normalize, ports),
    }),
  );
}
