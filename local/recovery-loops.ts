/**
 * The local runtime's recovery loops, on the HTTP thread: the failure poller (the retry-failures handler)
 * and the reconciler, sharing one bunq client (one installation and session, one set of rate limits). They
 * read and write a few rows of the state database through their own connection, and the reconciler sends
 * what bunq never delivered into the inbox like any callback.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { BunqApiClient } from '../shared/bunq/api/client';
import { InMemoryBunqStateStore } from '../shared/bunq/api/state';
import type { PipelineConfig } from '../shared/config/pipeline-config';
import { createLogger } from '../shared/logging/observability';
import type { CallbackQueue } from '../shared/pipeline/ports';
import { DEFAULT_RECONCILE_GRACE_MS } from '../shared/pipeline/reconcile/reconcile';
import { SERVICE_NAMES } from '../shared/wiring/metrics';
import {
  DEFAULT_FAILURE_POLL_INTERVAL_MS,
  type LocalFailurePoller,
  startFailurePoller,
} from './failure-poller';
import { type LocalFleetReconcile, type LocalReconciler, startReconciler } from './reconciler';
import type { LocalDatabase } from './sqlite/database';
import { sqliteFleetReconcileState } from './sqlite/fleet-reconcile-state';
import { sqliteArrivals, sqliteAttemptStore, sqliteCursorStore } from './sqlite/recovery-store';

/** The runtime options the loops read (see `LocalRuntimeOptions`). */
export interface RecoveryLoopOptions {
  readonly failurePollIntervalMs?: number;
  readonly reconcileIntervalMs?: number;
  readonly reconcileGraceMs?: number;
  readonly reconcileRepairFilters?: boolean;
  readonly reconcileClock?: () => Date;
}

export interface RecoveryLoopPorts {
  readonly bunqBaseUrl: string;
  readonly bunqApiKey: string;
  readonly database: LocalDatabase;
  readonly config: PipelineConfig;
  /** The runtime's callback URL: the reconciler watches its filters. */
  readonly callbackUrl: string;
  readonly queue: CallbackQueue;
  readonly logger: Logger;
  /** With partner onboarding: the fleet the reconciler reconciles too (its pass kept in `database`). */
  readonly fleet?: Omit<LocalFleetReconcile, 'state'>;
}

export interface RecoveryLoops {
  readonly failurePoller: LocalFailurePoller;
  /** Only with `reconcileIntervalMs`. */
  readonly reconciler: LocalReconciler | undefined;
}

export function startRecovery(options: RecoveryLoopOptions, ports: RecoveryLoopPorts): RecoveryLoops {
  const { config, database } = ports;
  const client = new BunqApiClient({
    baseUrl: ports.bunqBaseUrl,
    stateStore: new InMemoryBunqStateStore({ apiKey: ports.bunqApiKey }),
    logger: createLogger(SERVICE_NAMES.retryFailures),
  });
  const arrivals = sqliteArrivals({ database, ttlSeconds: config.dedupe.ttlHours * 3_600 });
  const attempts = sqliteAttemptStore({ database, ttlSeconds: config.recovery.attemptTtlDays * 86_400 });
  const failurePoller = startFailurePoller({
    bunqBaseUrl: ports.bunqBaseUrl,
    bunqApiKey: ports.bunqApiKey,
    intervalMs: options.failurePollIntervalMs ?? DEFAULT_FAILURE_POLL_INTERVAL_MS,
    arrivals,
    attempts,
    maxAttempts: config.recovery.maxAttempts,
    logger: ports.logger,
    client,
  });
  const reconciler =
    options.reconcileIntervalMs === undefined
      ? undefined
      : startReconciler({
          bunqBaseUrl: ports.bunqBaseUrl,
          bunqApiKey: ports.bunqApiKey,
          intervalMs: options.reconcileIntervalMs,
          graceMs: options.reconcileGraceMs ?? DEFAULT_RECONCILE_GRACE_MS,
          callbackUrl: ports.callbackUrl,
          arrivals,
          cursors: sqliteCursorStore({ database }),
          redeliveries: attempts,
          queue: ports.queue,
          logger: ports.logger,
          repairFilters: options.reconcileRepairFilters ?? false,
          client,
          ...(options.reconcileClock === undefined ? {} : { now: options.reconcileClock }),
          ...(ports.fleet === undefined
            ? {}
            : { fleet: { ...ports.fleet, state: sqliteFleetReconcileState(database) } }),
        });
  return { failurePoller, reconciler };
}
