/**
 * The reconciler of the local runtime: the reconcile Lambda's handler, run on an interval against a bunq API
 * (the project's simulator, or bunq's sandbox), with its cursor and the arrival records in the runtime's
 * table and rebuilt callbacks put on the runtime's callback queue, so they go through the same normalizer.
 * Runs never overlap: the next one starts `intervalMs` after the previous one ended.
 *
 * What `register` set up is `categories` (at user level) for the runtime's callback URL; without
 * `categories`, the categories bunq has for that URL at the first run are taken as the registered ones.
 *
 * With `fleet` (partner onboarding), each run then reconciles the fleet as the Lambda does
 * (`composeFleetReconcile`): the registry's users, each on its credential file and its own callback URL,
 * behind one rate gate, the pass kept in the runtime's database, so a restart continues the pass.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { reconcileBunqApi, reconciledCallbackSink } from '../functions/commons/reconcile-bunq';
import { composeFleetReconcile } from '../functions/compose/fleet-reconcile';
import { composeReconcile } from '../functions/compose/reconcile';
import { BunqApiClient } from '../shared/bunq/api/client';
import { createRateGate, type RateLimitScope } from '../shared/bunq/api/rate-gate';
import { InMemoryBunqStateStore } from '../shared/bunq/api/state';
import type { FleetCredentialStore } from '../shared/fleet/credentials';
import type { FleetRegistry } from '../shared/fleet/registry';
import type { CallbackQueue } from '../shared/pipeline/ports';
import type { FleetReconcileReport } from '../shared/pipeline/reconcile/fleet';
import type { FleetReconcileStateStore } from '../shared/pipeline/reconcile/fleet-state';
import type { ExpectedFilters, ReconcileCursorStore } from '../shared/pipeline/reconcile/ports';
import type { ReconcileReport } from '../shared/pipeline/reconcile/reconcile';
import type { ArrivalLog, AttemptStore } from '../shared/pipeline/recovery/ports';
import { reportOrNull, runEvery } from './run-every';

export interface LocalReconcilerOptions {
  /** bunq API base URL including `/v1`. */
  readonly bunqBaseUrl: string;
  /** The bunq API key (kept in memory only, never logged). */
  readonly bunqApiKey: string;
  /** Milliseconds between the end of one run and the start of the next. */
  readonly intervalMs: number;
  /** Milliseconds after an event's creation before it is settled. */
  readonly graceMs: number;
  /** The runtime's callback URL (with its token): the target our filters point at. */
  readonly callbackUrl: string;
  /** The registered categories (user level). @default those bunq has for the callback URL at the first run */
  readonly categories?: readonly string[];
  /** Re-apply missing filters. @default false */
  readonly repairFilters?: boolean;
  /** The bunq client, when shared with the failure poller. @default a client of its own */
  readonly client?: BunqApiClient;
  /** Time source (tests move it past the grace period). @default () => new Date() */
  readonly now?: () => Date;
  /** Which callbacks arrived (the normalizer records them). */
  readonly arrivals: ArrivalLog;
  /** The reconciler's cursor per bunq user (the runtime's database). */
  readonly cursors: ReconcileCursorStore;
  /** Where a retry it asks bunq for is noted (the poller's store), so its event says `recoveredBy`. */
  readonly redeliveries?: Pick<AttemptStore, 'expectRedeliveries'>;
  /** The runtime's callback queue (the normalizer's input). */
  readonly queue: CallbackQueue;
  /** Logger of the reconciler itself; the handler gets its own, as in AWS. */
  readonly logger: Logger;
  /** The partner's fleet, reconciled after its own user in each run. @default none */
  readonly fleet?: LocalFleetReconcile;
}

/** The fleet, for the reconciler (with `--partner-onboarding`). */
export interface LocalFleetReconcile {
  readonly registry: FleetRegistry;
  /** The users' credential files. */
  readonly credentials: FleetCredentialStore;
  /** Our callback URL without the token, ending in `/callbacks/`. */
  readonly callbackBaseUrl: string;
  readonly token: string;
  readonly rateLimitScope: RateLimitScope;
  /** The pass and visits (the runtime's database). */
  readonly state: FleetReconcileStateStore;
  /** Stop starting users after this many ms of a run. @default none (every user) */
  readonly budgetMs?: number;
}

/** Totals over every run since start. */
export interface ReconcilerStats {
  readonly runs: number;
  readonly missedByBunq: number;
  readonly filterDrift: number;
  readonly errors: number;
  /** The latest run's report, or null before the first one ended. */
  readonly last: ReconcileReport | null;
  /** The latest run's fleet report, or null without a fleet or before the first one ended. */
  readonly lastFleet: FleetReconcileReport | null;
}

export interface LocalReconciler {
  readonly intervalMs: number;
  readonly graceMs: number;
  stats(): ReconcilerStats;
  /** Runs once now (after the run in progress, if any) and resolves with its report. */
  runOnce(): Promise<ReconcileReport>;
  /** Stops scheduling runs and waits for the one running, if any. Safe to call more than once. */
  stop(): Promise<void>;
}

/** Starts at once, then every `intervalMs` after each run ends. */
export function startReconciler(options: LocalReconcilerOptions): LocalReconciler {
  // One client for the runtime's life: its installation, session and rate limits carry over between runs.
  let client: BunqApiClient | undefined = options.client;
  const clientFor = (logger: Logger): BunqApiClient => {
    client ??= new BunqApiClient({
      baseUrl: options.bunqBaseUrl,
      stateStore: new InMemoryBunqStateStore({ apiKey: options.bunqApiKey }),
      logger,
    });
    return client;
  };
  const callbackUrl = options.callbackUrl;
  let categories: readonly string[] | undefined = options.categories;
  const expected = async (): Promise<ExpectedFilters> => {
    if (categories === undefined || categories.length === 0) {
      const bunq = clientFor(options.logger);
      const current = await bunq.getNotificationFilterUrls(await bunq.getUserId());
      categories = [
        ...new Set(current.filter((f) => f.notification_target === callbackUrl).map((f) => f.category)),
      ];
      options.logger.info('reconciler: registered categories taken from bunq', { categories });
    }
    return {
      target: callbackUrl,
      owns: (target) => target === callbackUrl,
      scopes: [{ monetaryAccountId: null, categories }],
    };
  };
  const handler = composeReconcile(
    { graceMs: options.graceMs, repairFilters: options.repairFilters ?? false },
    {
      bunqClient: (logger) => reconcileBunqApi(clientFor(logger)),
      arrivals: options.arrivals,
      cursors: options.cursors,
      ...(options.redeliveries === undefined ? {} : { redeliveries: options.redeliveries }),
      sink: reconciledCallbackSink(options.queue),
      expected,
      now: options.now,
    },
  );

  const fleet = options.fleet === undefined ? undefined : fleetHandler(options, options.fleet);

  let totals: ReconcilerStats = {
    runs: 0,
    missedByBunq: 0,
    filterDrift: 0,
    errors: 0,
    last: null,
    lastFleet: null,
  };
  const run = async (): Promise<ReconcileReport | null> => {
    const report = await reportOrNull(handler, options.logger, 'reconcile run failed');
    const fleetReport =
      fleet === undefined ? null : await reportOrNull(fleet, options.logger, 'fleet reconcile run failed');
    const fleetErrors = fleet === undefined ? 0 : (fleetReport?.errors ?? 1);
    totals = {
      ...totals,
      runs: totals.runs + 1,
      missedByBunq: totals.missedByBunq + (report?.missedByBunq ?? 0) + (fleetReport?.missedByBunq ?? 0),
      errors: totals.errors + (report?.errors ?? 1) + fleetErrors,
      ...(report === null ? {} : { filterDrift: report.filterDrift, last: report }),
      ...(fleetReport === null ? {} : { lastFleet: fleetReport }),
    };
    return report;
  };
  // Runs never overlap: each starts after the previous one ended.
  let chain: Promise<unknown> = Promise.resolve();
  const serialized = <T>(task: () => Promise<T>): Promise<T> => {
    const next = chain.then(task, task);
    chain = next.catch(() => undefined);
    return next;
  };

  const schedule = runEvery(options.intervalMs, () => serialized(run));

  return {
    intervalMs: options.intervalMs,
    graceMs: options.graceMs,
    stats: () => totals,
    async runOnce() {
      const report = await serialized(run);
      if (report === null) throw new Error('the reconcile run could not start; see the log');
      return report;
    },
    async stop() {
      await schedule.stop();
      await chain;
    },
  };
}

/** The fleet run (see the module doc): one rate gate for the runtime's life, a client per user per run. */
function fleetHandler(options: LocalReconcilerOptions, fleet: LocalFleetReconcile) {
  const gate = createRateGate({ scope: fleet.rateLimitScope });
  return composeFleetReconcile(
    {
      graceMs: options.graceMs,
      repairFilters: options.repairFilters ?? false,
      ...(fleet.budgetMs === undefined ? {} : { budgetMs: fleet.budgetMs }),
    },
    {
      registry: fleet.registry,
      userApi: (entry) =>
        reconcileBunqApi(
          new BunqApiClient({
            baseUrl: options.bunqBaseUrl,
            stateStore: fleet.credentials.stateStore(entry.credentialsRef),
            rateLimits: false,
            fetch: gate.fetchFor(entry.userId, (url, init) => fetch(url, init)),
            logger: options.logger,
          }),
        ),
      callbackBaseUrl: fleet.callbackBaseUrl,
      currentToken: async () => fleet.token,
      arrivals: options.arrivals,
      cursors: options.cursors,
      sink: reconciledCallbackSink(options.queue),
      state: fleet.state,
      ...(options.redeliveries === undefined ? {} : { redeliveries: options.redeliveries }),
      now: options.now,
    },
  );
}
