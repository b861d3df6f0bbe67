/**
 * Partner onboarding in the local runtime: the onboarding queue the ingest feeds (one job per
 * `PARTNER_USER_PROVISION` callback) and its consumer, the same onboarder the Lambda runs
 * (`composeOnboarder`), over the local stand-ins: the fleet registry in the runtime's database, the users'
 * credentials in files under `<data-dir>/fleet/`, the OAuth exchange and bunq API at `bunqBaseUrl`.
 *
 * The queue is in memory: a job that fails is delivered again after a backoff, up to `maxReceiveCount`
 * times, then dead-lettered (queue `onboarding`, the code masked). A job still pending at a stop is lost
 * with the process; the callback itself is on disk and became its event. See docs/LOCAL-RUNTIME.md.
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import { composeOnboarder } from '../functions/compose/onboard';
import { BUNQ_PRODUCTION_BASE_URL, BUNQ_SANDBOX_BASE_URL, BunqApiClient } from '../shared/bunq/api/client';
import { BUNQ_OAUTH_TOKEN_URL, BUNQ_SANDBOX_OAUTH_TOKEN_URL } from '../shared/bunq/api/oauth';
import type { FleetRegistry } from '../shared/fleet/registry';
import { createLogger } from '../shared/logging/observability';
import { httpTokenExchange } from '../shared/pipeline/onboard/oauth-exchange';
import type { Onboarder } from '../shared/pipeline/onboard/onboarder';
import { PAYLOAD_SECRET_MARKER } from '../shared/pipeline/onboard/provision';
import type { CallbackQueue, DeadLetterQueue, QueueMessage } from '../shared/pipeline/ports';
import { MESSAGE_ATTRIBUTE } from '../shared/pipeline/queued-callback';
import { SERVICE_NAMES } from '../shared/wiring/metrics';
import { fileFleetCredentials } from './fleet-secret-files';
import type { LocalDatabase } from './sqlite/database';
import { sqliteFleetRegistry } from './sqlite/fleet-registry';

/** What `--partner-onboarding` and its flags give. */
export interface LocalOnboardingOptions {
  /** The bunq API, including `/v1` (the simulator's, or bunq's sandbox). */
  readonly bunqBaseUrl: string;
  readonly oauthClientId: string;
  readonly oauthClientSecret: string;
  /** @default the configuration's, else after `bunqBaseUrl` (see {@link defaultOAuthTokenUrl}) */
  readonly oauthTokenUrl?: string;
  /** Delay before the first redelivery of a failed job; doubles per failure. @default 1000 */
  readonly retryDelayMs?: number;
  /** Where `UsersOnboarded` and `OnboardingFailures` go. @default createMetrics(SERVICE_NAMES.onboard) */
  readonly metrics?: Metrics;
}

/**
 * bunq's OAuth token endpoint for bunq's own API URLs; for any other (the simulator), `/oauth/v1/token` on
 * the same origin.
 */
export function defaultOAuthTokenUrl(bunqBaseUrl: string): string {
  const base = bunqBaseUrl.replace(/\/+$/, '');
  if (base === BUNQ_PRODUCTION_BASE_URL) return BUNQ_OAUTH_TOKEN_URL;
  if (base === BUNQ_SANDBOX_BASE_URL) return BUNQ_SANDBOX_OAUTH_TOKEN_URL;
  return new URL('/oauth/v1/token', base).toString();
}

export interface LocalOnboarding {
  /** The ingest's onboarding queue port. */
  readonly queue: CallbackQueue;
  readonly registry: FleetRegistry;
  /** Jobs done, failed deliveries, dead-lettered jobs, and jobs waiting. */
  stats(): { onboarded: number; failures: number; deadLettered: number; pending: number };
  /** Resolves once no job is waiting or running (a job in backoff counts as waiting). */
  idle(): Promise<void>;
  /** Stops taking and retrying jobs; waits for the running one. */
  stop(): Promise<void>;
}

interface Job {
  readonly messageId: string;
  readonly message: QueueMessage;
  receiveCount: number;
}

export function startLocalOnboarding(deps: {
  readonly options: LocalOnboardingOptions;
  readonly categories: readonly string[];
  readonly maxReceiveCount: number;
  readonly configuredTokenUrl?: string;
  readonly database: LocalDatabase;
  readonly dataDir: string;
  /** Our callback URL without the token (known once the HTTP server listens). */
  readonly callbackBaseUrl: () => string;
  readonly token: string;
  readonly deadLetters: DeadLetterQueue;
  readonly logger?: Logger;
}): LocalOnboarding {
  const { options } = deps;
  const logger = deps.logger ?? createLogger(SERVICE_NAMES.onboard);
  const registry = sqliteFleetRegistry(deps.database);
  const credentials = fileFleetCredentials(join(deps.dataDir, 'fleet'));
  const tokenUrl =
    options.oauthTokenUrl ?? deps.configuredTokenUrl ?? defaultOAuthTokenUrl(options.bunqBaseUrl);
  let onboarder: Onboarder | undefined;
  const onboarderNow = (): Onboarder => {
    onboarder ??= composeOnboarder(
      { categories: deps.categories, callbackBaseUrl: deps.callbackBaseUrl() },
      {
        exchange: httpTokenExchange({
          tokenUrl,
          credentials: async () => ({
            clientId: options.oauthClientId,
            clientSecret: options.oauthClientSecret,
          }),
        }),
        credentials,
        userApi: (log) => (stateStore) =>
          new BunqApiClient({ baseUrl: options.bunqBaseUrl, stateStore, logger: log }),
        registry,
        currentToken: async () => deps.token,
        cursorRef: (userId) => `reconcile#${userId}`,
        logger,
        ...(options.metrics === undefined ? {} : { metrics: options.metrics }),
      },
    );
    return onboarder;
  };

  const waiting: Job[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const idleWaiters: Array<() => void> = [];
  let running = false;
  let stopped = false;
  let current: Promise<void> = Promise.resolve();
  const counts = { onboarded: 0, failures: 0, deadLettered: 0 };
  const pending = () => waiting.length + timers.size + (running ? 1 : 0);
  const settleIdle = () => {
    if (pending() === 0) for (const resolve of idleWaiters.splice(0)) resolve();
  };

  const runOne = async (job: Job): Promise<void> => {
    job.receiveCount += 1;
    try {
      const outcome = await onboarderNow().process(job.message.body, job);
      if (outcome.status === 'onboarded') counts.onboarded += 1;
    } catch (error) {
      counts.failures += 1;
      if (job.receiveCount >= deps.maxReceiveCount) {
        counts.deadLettered += 1;
        // The code is single-use: the record keeps the job for the operator, not the secret.
        const body = job.message.body.replace(
          /"authorizationCode":"[^"]*"/,
          `"authorizationCode":"${PAYLOAD_SECRET_MARKER}"`,
        );
        await deps.deadLetters.send({
          body,
          attributes: {
            [MESSAGE_ATTRIBUTE.deadLetterReason]: 'onboarding-failed',
            [MESSAGE_ATTRIBUTE.deadLetterDetail]: error instanceof Error ? error.message : String(error),
          },
        });
        return;
      }
      const delay = (options.retryDelayMs ?? 1_000) * 2 ** (job.receiveCount - 1);
      const timer = setTimeout(() => {
        timers.delete(timer);
        waiting.push(job);
        pump();
      }, delay);
      timers.add(timer);
    }
  };

  const pump = (): void => {
    const job = running || stopped ? undefined : waiting.shift();
    if (job === undefined) {
      settleIdle();
      return;
    }
    running = true;
    current = runOne(job).finally(() => {
      running = false;
      pump();
    });
  };

  return {
    queue: {
      async send(message) {
        if (stopped) throw new Error('the local onboarding is stopped');
        waiting.push({ messageId: randomUUID(), message, receiveCount: 0 });
        queueMicrotask(pump);
      },
    },
    registry,
    stats: () => ({ ...counts, pending: pending() }),
    idle: () =>
      pending() === 0 ? Promise.resolve() : new Promise<void>((resolve) => idleWaiters.push(resolve)),
    async stop() {
      stopped = true;
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      await current;
      waiting.length = 0;
      settleIdle();
    },
  };
}
