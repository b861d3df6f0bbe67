/**
 * The local runtime (Contract 3): the whole pipeline in one process with no cloud account, running the
 * same ingest and normalize handlers as the Lambdas, wired to local stand-ins whose state is on disk in one
 * data directory (one SQLite database, see `sqlite/database.ts`, and the claim-check directory):
 *
 *   HTTP server (API Gateway) -> ingest handler -> LocalQueue (SQS + event source mapping, on disk)
 *     -> normalize handler (Powertools dedupe on SQLite) -> event outbox -> events file / dead-letter file
 *
 * `startLocalRuntime` is what `local/main.ts` runs and what the end-to-end tests start in-process.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Logger } from '@aws-lambda-powertools/logger';
import { composeIngest } from '../functions/compose/ingest';
import { ANY_SOURCE_CIDRS, type PipelineConfig, parsePipelineConfig } from '../shared/config/pipeline-config';
import { createLogger } from '../shared/logging/observability';
import type { BackoffPolicy } from '../shared/pipeline/backoff';
import { generateCallbackToken } from '../shared/pipeline/ingest/token';
import { staticTokenSource } from '../shared/pipeline/ingest/token-source';
import { SERVICE_NAMES } from '../shared/wiring/metrics';
import { createDeadLetterSink, type DeadLetterRecord } from './dead-letter-file';
import type { LocalBusEvent } from './event-bus';
import type { FailurePollerStats, LocalFailurePoller } from './failure-poller';
import { fileFleetCredentials } from './fleet-secret-files';
import { type CallbackHttpServer, startCallbackHttpServer } from './http-server';
import { type JsonLinesFile, openJsonLinesFile } from './json-lines-file';
import { type LocalQueueStats, QUEUE_DEAD_LETTER_REASON } from './local-queue';
import { NormalizeThread } from './normalize-thread';
import {
  type LocalOnboarding,
  type LocalOnboardingOptions,
  startLocalOnboarding,
} from './partner-onboarding';
import type { LocalReconciler } from './reconciler';
import { startRecovery } from './recovery-loops';
import { holdDataDirectory, LocalDatabase, type SynchronousMode } from './sqlite/database';
import { Inbox } from './sqlite/inbox';

export interface LocalRuntimeOptions {
  /** Port of the callback endpoint; 0 picks a free one. @default 3000 */
  readonly port?: number;
  /** Address to listen on. @default '127.0.0.1' */
  readonly host?: string;
  /** The callback token (at least 32 of `A-Za-z0-9_-`). @default 32 random bytes, base64url */
  readonly token?: string;
  /** Append each event put on the bus here as one JSON line. @default events are only logged */
  readonly eventsFile?: string;
  /** Called for each event put on the bus, with the routes it matched (`npm start` prints a line). */
  readonly onEvent?: (event: LocalBusEvent, routes: readonly string[]) => void;
  /**
   * Print each event's line (`formatEventLine`) on stdout, from the normalize thread: what `npm start`
   * does, without copying every event to this thread as {@link onEvent} must. @default false
   */
  readonly printEvents?: boolean;
  /** Append each dead-lettered message here as one JSON line. @default kept in memory and logged */
  readonly deadLetterFile?: string;
  /** Source ranges allowed to call the endpoint. @default any source */
  readonly allowedCidrs?: readonly string[];
  /** The pipeline configuration (batch size, max receives, body limit, dedupe TTL, event source...). @default all defaults */
  readonly config?: PipelineConfig;
  /** Milliseconds a failed message stays hidden before redelivery. @default 2000 */
  readonly visibilityTimeoutMs?: number;
  /** The normalize handler's time limit. @default config.functions.normalizeTimeoutSeconds */
  readonly handlerTimeoutMs?: number;
  /** Normalize invocations running at once. @default 4 */
  readonly concurrency?: number;
  /** How long `stop()` waits for the queue to drain before dead-lettering the rest. @default 30000 */
  readonly drainTimeoutMs?: number;
  /** Request size the HTTP server reads at most (API Gateway's limit). @default 10 MiB */
  readonly maxRequestBytes?: number;
  /** Logger for the runtime's own components (the handlers get their own, as in AWS). */
  readonly logger?: Logger;
  /**
   * Runs the failure poller (the retry-failures handler) against this bunq API, e.g. the simulator's
   * `http://127.0.0.1:3100/v1` or bunq's sandbox. Needs {@link bunqApiKey}. @default no poller
   */
  readonly bunqBaseUrl?: string;
  /** The bunq API key the poller signs in with (kept in memory, never logged). */
  readonly bunqApiKey?: string;
  /** Milliseconds between the end of one poll and the start of the next. @default 60000 */
  readonly failurePollIntervalMs?: number;
  /**
   * Run the reconciler this often (needs `bunqBaseUrl` and `bunqApiKey`); it watches the filters of
   * {@link LocalRuntime.callbackUrl} (the categories bunq has for it at the first run).
   * @default no reconciler
   */
  readonly reconcileIntervalMs?: number;
  /** Time after a bunq event before the reconciler settles it. @default DEFAULT_RECONCILE_GRACE_MS (10 minutes) */
  readonly reconcileGraceMs?: number;
  /** Let the reconciler re-apply missing filters. @default false */
  readonly reconcileRepairFilters?: boolean;
  /** The reconciler's time source (tests move it past the grace period). @default () => new Date() */
  readonly reconcileClock?: () => Date;
  /**
   * Partner onboarding (needs `partnerOnboarding` in `config`, for the categories): provision callbacks
   * onboard their users (see `local/partner-onboarding.ts`). @default off
   */
  readonly partnerOnboarding?: LocalOnboardingOptions;
  /**
   * Where the durable state lives (created when missing): the queue, dedupe records, event outbox and
   * failure poller records (`state.sqlite`), and the claim-checked objects (`claim-checks/`). A restart on
   * the same directory resumes. One runtime per directory. `npm start` defaults to
   * {@link DEFAULT_DATA_DIR}. @default a fresh temporary directory, removed on stop (nothing survives)
   */
  readonly dataDir?: string;
  /** SQLite's `synchronous`: `full` survives a power loss, `normal` a process kill only. @default 'full' */
  readonly synchronous?: SynchronousMode;
  /** Callbacks held on disk at most; beyond it the endpoint answers 503 (bunq retries). @default 100000 */
  readonly maxBacklog?: number;
  /** A client that has not sent its headers within this is cut off (408). @default 10000 */
  readonly headersTimeoutMs?: number;
  /** A client that has not sent its whole body within this after its headers is cut off (408). @default 10000 */
  readonly bodyTimeoutMs?: number;
  /** Open connections at most. @default 512 */
  readonly maxConnections?: number;
  /** Directory playing the claim-check bucket for objects too large for an event. @default <dataDir>/claim-checks */
  readonly claimCheckDir?: string;
  /** Backoff of transient failures, in (real) seconds. @default { baseSeconds: 1, maxSeconds: 4 } */
  readonly retryBackoff?: BackoffPolicy;
}

export interface LocalRuntimeStats {
  readonly queue: LocalQueueStats;
  /** Events put on the local bus. */
  readonly events: number;
  /** Messages dead-lettered, by the normalizer or by the queue. */
  readonly deadLetters: number;
  /** Totals of the failure poller, or null when it does not run. */
  readonly failurePoller: FailurePollerStats | null;
}

export interface StopResult {
  /** True when every accepted message was processed before the drain timeout. */
  readonly drained: boolean;
  /**
   * Messages dead-lettered with reason `drain-timeout` because the drain timed out (only with a temporary
   * data directory; a kept one holds them for the next start).
   */
  readonly deadLetteredOnStop: number;
  /** Messages left on disk for the next start on the same data directory. */
  readonly leftOnDisk: number;
  readonly stats: LocalRuntimeStats;
}

export interface LocalRuntime {
  readonly host: string;
  readonly port: number;
  /** `http://<host>:<port>` */
  readonly baseUrl: string;
  /** `http://<host>:<port>/callbacks/<token>`: the URL to register with bunq (or a tunnel to it). */
  readonly callbackUrl: string;
  readonly token: string;
  /** True when the token was generated because none was given. */
  readonly tokenGenerated: boolean;
  readonly config: PipelineConfig;
  readonly eventsFile: string | undefined;
  readonly deadLetterFile: string | undefined;
  /** The data directory (absolute), or undefined when it is a temporary one removed on stop. */
  readonly dataDir: string | undefined;
  /** What SQLite's `synchronous` is set to: what a committed callback survives. */
  readonly synchronous: SynchronousMode;
  /** The failure poller, when `bunqBaseUrl` was given. */
  readonly failurePoller: LocalFailurePoller | undefined;
  /** The reconciler, when `reconcileIntervalMs` and the bunq API are given. */
  readonly reconciler: LocalReconciler | undefined;
  /** Partner onboarding, when `partnerOnboarding` is given. */
  readonly onboarding: LocalOnboarding | undefined;
  /** Dead-letter records kept in memory (only without a dead-letter file). */
  readonly deadLetterRecords: readonly DeadLetterRecord[];
  /** Resolves `true` once everything accepted so far is processed, `false` after `timeoutMs`. */
  drain(timeoutMs?: number): Promise<boolean>;
  stats(): LocalRuntimeStats;
  /**
   * Stops accepting requests, drains everything accepted (including messages waiting for redelivery), and
   * closes every server and file. After `drainTimeoutMs` the remaining messages stay on disk for the next
   * start (with a temporary data directory they are dead-lettered with reason `drain-timeout` instead), so
   * nothing accepted is lost. Safe to call more than once.
   */
  stop(): Promise<StopResult>;
}

export const DEFAULT_PORT = 3000;
export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_VISIBILITY_TIMEOUT_MS = 2_000;
export const DEFAULT_DRAIN_TIMEOUT_MS = 30_000;
/** `npm start`'s data directory, relative to where it runs. */
export const DEFAULT_DATA_DIR = '.bunq-webhooks-local';
/** Callbacks held on disk before the endpoint answers 503: minutes of bunq traffic at any rate seen. */
export const DEFAULT_MAX_BACKLOG = 100_000;
/** Normalize invocations at once: the dedupe store's calls wait on I/O, so a few overlap well. */
export const DEFAULT_LOCAL_CONCURRENCY = 4;
export const DEFAULT_LOCAL_BACKOFF: BackoffPolicy = { baseSeconds: 1, maxSeconds: 4 };

export async function startLocalRuntime(options: LocalRuntimeOptions = {}): Promise<LocalRuntime> {
  const config = options.config ?? parsePipelineConfig({});
  const logger = options.logger ?? createLogger(SERVICE_NAMES.local);
  const tokenGenerated = options.token === undefined;
  const token = options.token ?? generateCallbackToken();
  // Validates the token before anything starts.
  const tokens = staticTokenSource({ token });
  const drainTimeoutMs = options.drainTimeoutMs ?? DEFAULT_DRAIN_TIMEOUT_MS;
  if ((options.bunqBaseUrl === undefined) !== (options.bunqApiKey === undefined)) {
    throw new Error('The failure poller needs both bunqBaseUrl and bunqApiKey (or neither).');
  }
  const temporaryDir =
    options.dataDir === undefined ? mkdtempSync(join(tmpdir(), 'bunq-webhooks-local-')) : undefined;
  const dataDir = resolve(options.dataDir ?? (temporaryDir as string));
  const handlerTimeoutMs = options.handlerTimeoutMs ?? config.functions.normalizeTimeoutSeconds * 1_000;
  const removeTemporary = (): void => {
    if (temporaryDir !== undefined) rmSync(temporaryDir, { recursive: true, force: true });
  };

  let lock: LocalDatabase;
  try {
    // Held until stop: a second runtime on this directory fails here.
    lock = holdDataDirectory(dataDir, options.synchronous);
  } catch (error) {
    removeTemporary();
    throw error;
  }
  let inbox: Inbox | undefined;
  let thread: NormalizeThread | undefined;
  let state: LocalDatabase | undefined;
  let onboardingDeadLetterFile: JsonLinesFile | undefined;
  let http: CallbackHttpServer | undefined;
  try {
    const callbackInbox = new Inbox({
      dataDir,
      synchronous: lock.synchronous,
      maxBacklog: options.maxBacklog ?? DEFAULT_MAX_BACKLOG,
    });
    inbox = callbackInbox;
    const normalizeThread = await NormalizeThread.start(
      {
        dataDir,
        synchronous: lock.synchronous,
        config,
        eventsFile: options.eventsFile,
        deadLetterFile: options.deadLetterFile,
        claimCheckDir: options.claimCheckDir ?? join(dataDir, 'claim-checks'),
        handlerTimeoutMs,
        visibilityTimeoutMs: options.visibilityTimeoutMs ?? DEFAULT_VISIBILITY_TIMEOUT_MS,
        concurrency: options.concurrency ?? DEFAULT_LOCAL_CONCURRENCY,
        retryBackoff: options.retryBackoff ?? DEFAULT_LOCAL_BACKOFF,
        recordArrivals: options.bunqBaseUrl !== undefined,
        forwardEvents: options.onEvent !== undefined,
        printEvents: options.printEvents ?? false,
      },
      {
        onEvent: options.onEvent,
        onProgress: (progress) => callbackInbox.progress(progress.cursor, progress.held),
        onCrash: (error) => {
          logger.error('the normalize thread failed; callbacks are still accepted, none is processed', {
            error,
          });
        },
      },
    );
    thread = normalizeThread;
    callbackInbox.progress(normalizeThread.stats.cursor, normalizeThread.stats.held);
    callbackInbox.database.onCommit(() => normalizeThread.wake());

    const partner = options.partnerOnboarding;
    if (partner !== undefined && config.partnerOnboarding === undefined) {
      throw new Error('Partner onboarding needs partnerOnboarding.categories in the configuration.');
    }
    if (options.bunqBaseUrl !== undefined || partner !== undefined) {
      // The poller's, reconciler's and fleet registry's few rows, beside the normalize thread's in the state
      // database (opened after the thread, which migrates it).
      state = new LocalDatabase({ dataDir, synchronous: lock.synchronous, exclusive: false });
    }
    let callbackBaseUrl = '';
    if (partner !== undefined && options.deadLetterFile !== undefined) {
      // The normalize thread appends to the same file; each record is one append of one line.
      onboardingDeadLetterFile = await openJsonLinesFile(options.deadLetterFile);
    }
    const onboarding =
      partner === undefined || config.partnerOnboarding === undefined || state === undefined
        ? undefined
        : startLocalOnboarding({
            options: partner,
            categories: config.partnerOnboarding.categories,
            maxReceiveCount: config.partnerOnboarding.maxReceiveCount,
            configuredTokenUrl: config.partnerOnboarding.oauthTokenUrl,
            database: state,
            dataDir,
            callbackBaseUrl: () => callbackBaseUrl,
            token,
            deadLetters: createDeadLetterSink({
              file: onboardingDeadLetterFile,
              logger,
              queueName: 'onboarding',
            }),
          });
    const ingest = composeIngest(
      {
        allowedSourceCidrs: options.allowedCidrs ?? ANY_SOURCE_CIDRS,
        maxBodyBytes: config.ingest.maxBodyBytes,
        // Locally only a configured key verifies; without one a signed callback counts as no-key.
        callbackSignature: config.ingest.callbackSignature,
      },
      {
        queue: callbackInbox,
        tokens,
        ...(onboarding === undefined ? {} : { onboardingQueue: onboarding.queue }),
      },
    );
    const server = await startCallbackHttpServer({
      handler: ingest,
      logger,
      port: options.port ?? DEFAULT_PORT,
      host: options.host ?? DEFAULT_HOST,
      maxRequestBytes: options.maxRequestBytes,
      headersTimeoutMs: options.headersTimeoutMs,
      bodyTimeoutMs: options.bodyTimeoutMs,
      maxConnections: options.maxConnections,
    });
    http = server;
    callbackBaseUrl = `${server.baseUrl}/callbacks/`;

    const callbackUrl = `${server.baseUrl}/callbacks/${token}`;
    const recovery =
      options.bunqBaseUrl === undefined || options.bunqApiKey === undefined || state === undefined
        ? undefined
        : startRecovery(options, {
            bunqBaseUrl: options.bunqBaseUrl,
            bunqApiKey: options.bunqApiKey,
            database: state,
            config,
            callbackUrl,
            queue: callbackInbox,
            logger,
            ...(onboarding === undefined || config.partnerOnboarding === undefined
              ? {}
              : {
                  fleet: {
                    registry: onboarding.registry,
                    credentials: fileFleetCredentials(join(dataDir, 'fleet')),
                    callbackBaseUrl,
                    token,
                    rateLimitScope: config.partnerOnboarding.rateLimitScope,
                  },
                }),
          });

    const stats = (): LocalRuntimeStats => {
      const current = normalizeThread.stats;
      // The thread's counts are as of its last report; what waits in the inbox is known here, now.
      const visible = current.queue.visible - current.waiting + callbackInbox.waiting;
      return {
        queue: { ...current.queue, visible },
        events: current.events,
        deadLetters: current.deadLetters,
        failurePoller: recovery?.failurePoller?.stats() ?? null,
      };
    };
    const drain = async (timeoutMs = Number.POSITIVE_INFINITY): Promise<boolean> => {
      // Everything answered 200 so far is committed; what is being committed now is waited for.
      await callbackInbox.database.committed().catch(() => undefined);
      return normalizeThread.drain(timeoutMs);
    };

    let stopping: Promise<StopResult> | undefined;
    const stop = async (): Promise<StopResult> => {
      // No new retries: what bunq re-sends from here on fails and stays listed for the next run.
      await recovery?.failurePoller?.stop();
      await recovery?.reconciler?.stop();
      await onboarding?.stop();
      // Requests already being handled finish (their messages are on the queue when this resolves).
      await server.close();
      callbackInbox.stop();
      const drained = await drain(drainTimeoutMs);
      let deadLetteredOnStop = 0;
      if (!drained && temporaryDir !== undefined) {
        // Nothing would survive the temporary directory: park what is left where an operator sees it.
        deadLetteredOnStop = await normalizeThread.evacuate(
          QUEUE_DEAD_LETTER_REASON.drainTimeout,
          `not processed within the ${drainTimeoutMs} ms drain timeout at shutdown`,
        );
        logger.error('drain timed out; remaining messages were dead-lettered', { deadLetteredOnStop });
      }
      const final = await normalizeThread.stop();
      const leftOnDisk = final.backlog;
      if (!drained && leftOnDisk > 0) {
        logger.warn('drain timed out; the rest stays on disk and is processed at the next start', {
          leftOnDisk,
          dataDir,
        });
      }
      const finalStats = stats();
      callbackInbox.close();
      await onboardingDeadLetterFile?.close();
      state?.close();
      lock.close();
      removeTemporary();
      const result = { drained, deadLetteredOnStop, leftOnDisk, stats: finalStats };
      logger.info('local runtime stopped', { ...result });
      return result;
    };

    return {
      host: server.host,
      port: server.port,
      baseUrl: server.baseUrl,
      callbackUrl,
      token,
      tokenGenerated,
      config,
      eventsFile: options.eventsFile,
      deadLetterFile: options.deadLetterFile,
      dataDir: temporaryDir === undefined ? dataDir : undefined,
      synchronous: lock.synchronous,
      failurePoller: recovery?.failurePoller,
      reconciler: recovery?.reconciler,
      onboarding,
      get deadLetterRecords() {
        return normalizeThread.deadLetterRecords;
      },
      drain,
      stats,
      stop() {
        stopping ??= stop();
        return stopping;
      },
    };
  } catch (error) {
    await http?.close();
    await thread?.terminate();
    inbox?.close();
    await onboardingDeadLetterFile?.close();
    state?.close();
    lock.close();
    removeTemporary();
    throw error;
  }
}
