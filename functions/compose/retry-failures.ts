/**
 * The one composition of the retry-failures function (the failure poller), used by the Lambda entry
 * (`functions/retry-failures.ts`) and the local runtime's poller alike.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { ownsUnder } from '../../shared/pipeline/onboard/ports';
import { attributingFailuresApi, attributionSummary } from '../../shared/pipeline/recovery/fleet-attribution';
import type { CertificateCheckPorts } from '../../shared/pipeline/recovery/pinned-certificates';
import type { ArrivalLog, AttemptStore, BunqFailuresApi } from '../../shared/pipeline/recovery/ports';
import { SERVICE_NAMES } from '../../shared/wiring/metrics';
import { createRetryFailuresHandler, type RetryFailuresHandler } from '../handlers/retry-failures-handler';
import { type ClockedPorts, observed } from './observed';

/** What the poller does: from the environment in Lambda, from the pipeline configuration locally. */
export interface RetryFailuresSettings {
  /** Retries per failure before giving up on it. */
  readonly maxAttempts: number;
}

/** What the poller talks to: bunq's API, and the arrivals and attempts in the dedupe table. */
export interface RetryFailuresPorts extends ClockedPorts {
  /**
   * Gives the bunq client for one run, logging to `logger`. In Lambda it builds a new client on the state
   * secret each run, so an API key put into (or rotated in) the secret takes effect at the next run and a
   * warm instance never writes a stale state over it; locally it may return one long-lived client.
   */
  readonly bunqClient: (logger: Logger) => BunqFailuresApi;
  /** Which callbacks arrived (written by the normalizer). */
  readonly arrivals: ArrivalLog;
  /** Retry attempts per failure. */
  readonly attempts: AttemptStore;
  /**
   * The pin check, with a custom domain: the chain it serves against the chains pinned at bunq.
   * @default - no check
   */
  readonly certificateCheck?: CertificateCheckPorts;
  /**
   * A partner's fleet: the poller runs as the partner (its listing holds every provisioned user's failures)
   * and logs whose failures they are, by the `/u/{userId}` segment of our targets `owns` recognises.
   * @default - no attribution
   */
  readonly fleet?: { readonly owns: (target: string) => boolean };
}

/**
 * The fleet port for a poller whose environment has our callback base URL (partner onboarding on): our
 * targets are the URLs under it, provisioned users' ones `{base}{token}/u/{userId}`. Without it, none.
 */
export function fleetOfCallbackBase(callbackBaseUrl: string | undefined): Pick<RetryFailuresPorts, 'fleet'> {
  return callbackBaseUrl === undefined ? {} : { fleet: { owns: ownsUnder(callbackBaseUrl) } };
}

/**
 * The retry-failures handler: one run of `recoverFailures` over the ports per invocation, its report turned
 * into metrics. Shape: `(settings, ports) => handler`, as every `compose…`.
 */
export function composeRetryFailures(
  settings: RetryFailuresSettings,
  ports: RetryFailuresPorts,
): RetryFailuresHandler {
  const { logger, metrics } = observed(SERVICE_NAMES.retryFailures, ports);
  const { fleet } = ports;
  const bunqClient =
    fleet === undefined
      ? () => ports.bunqClient(logger)
      : () =>
          attributingFailuresApi(ports.bunqClient(logger), {
            owns: fleet.owns,
            onListed: (partnerUserId, attribution) =>
              logger.info('failure poll: failures by provisioned user', {
                partnerUserId,
                ...attributionSummary(attribution),
              }),
          });
  return createRetryFailuresHandler({
    bunqClient,
    arrivals: ports.arrivals,
    attempts: ports.attempts,
    maxAttempts: settings.maxAttempts,
    logger,
    metrics,
    now: ports.now,
    ...(ports.certificateCheck === undefined ? {} : { certificateCheck: ports.certificateCheck }),
  });
}
