/**
 * The one composition of the onboarding function, used by the Lambda entry (`functions/onboard.ts`) and the
 * local runtime's partner onboarding alike.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import type { FleetCredentialStore } from '../../shared/fleet/credentials';
import type { FleetRegistry } from '../../shared/fleet/registry';
import { createLogger, createMetrics } from '../../shared/logging/observability';
import { createOnboarder, type Onboarder } from '../../shared/pipeline/onboard/onboarder';
import type { OAuthTokenExchange, ProvisionedUserApiFactory } from '../../shared/pipeline/onboard/ports';
import { SERVICE_NAMES } from '../../shared/wiring/metrics';
import { createOnboardHandler, type OnboardHandler } from '../handlers/onboard-handler';

/** What the onboarding does: from the environment in Lambda, from the configuration and flags locally. */
export interface OnboardSettings {
  /** The categories to register for every provisioned user. */
  readonly categories: readonly string[];
  /** Our callback URL without the token, ending in `/callbacks/`. */
  readonly callbackBaseUrl: string;
}

/** What the onboarding talks to. */
export interface OnboardPorts {
  readonly exchange: OAuthTokenExchange;
  readonly credentials: FleetCredentialStore;
  /** A bunq client per provisioned user, logging to `logger`. */
  readonly userApi: (logger: Logger) => ProvisionedUserApiFactory;
  readonly registry: FleetRegistry;
  /** The current callback token. */
  readonly currentToken: () => Promise<string>;
  /** The reconciler's cursor key of a user. @default none */
  readonly cursorRef?: (userId: number) => string;
  /** @default createLogger(SERVICE_NAMES.onboard) */
  readonly logger?: Logger;
  /** @default createMetrics(SERVICE_NAMES.onboard) */
  readonly metrics?: Metrics;
  /** @default () => new Date() */
  readonly now?: () => Date;
}

/** The onboarder over the ports (the local runtime feeds it its own queue). */
export function composeOnboarder(settings: OnboardSettings, ports: OnboardPorts): Onboarder {
  const logger = ports.logger ?? createLogger(SERVICE_NAMES.onboard);
  return createOnboarder({
    exchange: ports.exchange,
    credentials: ports.credentials,
    userApi: ports.userApi(logger),
    registry: ports.registry,
    target: { baseUrl: settings.callbackBaseUrl, currentToken: ports.currentToken },
    categories: settings.categories,
    ...(ports.cursorRef === undefined ? {} : { cursorRef: ports.cursorRef }),
    ...(ports.now === undefined ? {} : { now: ports.now }),
    logger,
    metrics: ports.metrics ?? createMetrics(SERVICE_NAMES.onboard),
  });
}

/** The SQS handler: {@link composeOnboarder} behind `createOnboardHandler`. */
export function composeOnboard(settings: OnboardSettings, ports: OnboardPorts): OnboardHandler {
  return createOnboardHandler(composeOnboarder(settings, ports));
}
