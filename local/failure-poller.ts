/**
 * The failure poller of the local runtime: the retry-failures Lambda's handler, run on an interval against
 * a bunq API (the project's simulator, or bunq's sandbox), with the bunq state in memory and its arrivals and
 * attempts in the runtime's database (`sqlite/recovery-store.ts`). Runs never overlap (like reserved concurrency 1 in AWS): the next
 * one starts `intervalMs` after the previous one ended.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { composeRetryFailures } from '../functions/compose/retry-failures';
import { BunqApiClient } from '../shared/bunq/api/client';
import { InMemoryBunqStateStore } from '../shared/bunq/api/state';
import type { ArrivalLog, AttemptStore } from '../shared/pipeline/recovery/ports';
import type { RecoveryReport } from '../shared/pipeline/recovery/recover-failures';
import { reportOrNull, runEvery } from './run-every';

export const DEFAULT_FAILURE_POLL_INTERVAL_MS = 60_000;

export interface LocalFailurePollerOptions {
  /** bunq API base URL including `/v1`, e.g. the simulator's `http://127.0.0.1:3100/v1`. */
  readonly bunqBaseUrl: string;
  /** The bunq API key (kept in memory only, never logged). */
  readonly bunqApiKey: string;
  /** Milliseconds between the end of one poll and the start of the next. */
  readonly intervalMs: number;
  /** Which callbacks arrived (the normalizer records them). */
  readonly arrivals: ArrivalLog;
  /** Retry attempts per bunq failure. */
  readonly attempts: AttemptStore;
  readonly maxAttempts: number;
  /** Logger of the poller itself; the handler gets its own, as in AWS. */
  readonly logger: Logger;
  /**
   * The bunq client, when the runtime shares one with the reconciler (one installation and session, one
   * set of rate limits: bunq allows one session-server call per 30 s). @default a client of its own
   */
  readonly client?: BunqApiClient;
}

/** Totals over every poll since start. */
export interface FailurePollerStats {
  readonly runs: number;
  readonly retriesRequested: number;
  readonly retriesExhausted: number;
  readonly pollErrors: number;
  /** The latest poll's report, or null before the first one ended. */
  readonly last: RecoveryReport | null;
}

export interface LocalFailurePoller {
  readonly bunqBaseUrl: string;
  readonly intervalMs: number;
  stats(): FailurePollerStats;
  /** Stops scheduling polls and waits for the one running, if any. Safe to call more than once. */
  stop(): Promise<void>;
}

/** Starts polling at once, then every `intervalMs` after each poll ends. */
export function startFailurePoller(options: LocalFailurePollerOptions): LocalFailurePoller {
  // One client for the runtime's life: its installation, session and rate limits carry over between polls.
  let client: BunqApiClient | undefined = options.client;
  const handler = composeRetryFailures(
    { maxAttempts: options.maxAttempts },
    {
      bunqClient: (logger) => {
        client ??= new BunqApiClient({
          baseUrl: options.bunqBaseUrl,
          stateStore: new InMemoryBunqStateStore({ apiKey: options.bunqApiKey }),
          logger,
        });
        return client;
      },
      arrivals: options.arrivals,
      attempts: options.attempts,
    },
  );

  let totals: FailurePollerStats = {
    runs: 0,
    retriesRequested: 0,
    retriesExhausted: 0,
    pollErrors: 0,
    last: null,
  };
  const poll = async (): Promise<void> => {
    const report = await reportOrNull(handler, options.logger, 'failure poll failed');
    if (report === null) {
      totals = { ...totals, runs: totals.runs + 1, pollErrors: totals.pollErrors + 1 };
      return;
    }
    totals = {
      runs: totals.runs + 1,
      retriesRequested: totals.retriesRequested + report.retriesRequested,
      retriesExhausted: totals.retriesExhausted + report.retriesExhausted,
      pollErrors: totals.pollErrors + report.pollErrors,
      last: report,
    };
  };

  const schedule = runEvery(options.intervalMs, poll);

  return {
    bunqBaseUrl: options.bunqBaseUrl,
    intervalMs: options.intervalMs,
    stats: () => totals,
    stop: () => schedule.stop(),
  };
}
