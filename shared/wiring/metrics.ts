/**
 * The metrics contract between the functions that emit metrics and the alarms, dashboard and CLI that read
 * them: one namespace, one service name per function (the `service` dimension), and every metric each one
 * emits. Emitting code takes its names from here (typed), and a test checks that every alarm watches a name
 * listed here, so a misspelt alarm cannot sit silently on a metric nobody emits.
 */

/** The CloudWatch namespace of every metric the functions publish (Powertools, embedded metric format). */
export const METRICS_NAMESPACE = 'BunqWebhooks';

/**
 * `POWERTOOLS_SERVICE_NAME` of each function: the `service` key of its log lines and the `service` dimension
 * of its metrics. `local` is the local runtime's own components (HTTP server, queue, bus).
 */
export const SERVICE_NAMES = {
  ingest: 'bunq-webhooks-ingest',
  normalize: 'bunq-webhooks-normalize',
  retryFailures: 'bunq-webhooks-retry-failures',
  reconcile: 'bunq-webhooks-reconcile',
  onboard: 'bunq-webhooks-onboard',
  local: 'bunq-webhooks-local',
} as const;

/** The dimension names the functions put on their metrics. */
export const METRIC_DIMENSIONS = {
  /** Every metric: the emitting function, see {@link SERVICE_NAMES}. */
  service: 'service',
  /** Why a callback was rejected or dead-lettered. */
  reason: 'reason',
  /** The event category (detail-type) of a published event. */
  category: 'category',
  /** The bunq object type whose object did not match its schema. */
  objectType: 'objectType',
  /** What the check of a callback's `X-Bunq-Server-Signature` found: missing, valid, invalid or no-key. */
  result: 'result',
} as const;

/** What the ingest emits. */
export const INGEST_METRICS = {
  // Accepted callbacks and their time to acknowledge are API Gateway's own metrics (Count less 4XXError and
  // 5XXError; Latency): a metric document per accepted callback would cost more log bytes than its callback.
  /** Count, also by `reason`; callbacks answered 4xx. */
  callbacksRejected: 'CallbacksRejected',
  /** Count; callbacks the queue refused (answered 503). */
  enqueueFailed: 'EnqueueFailed',
  /** Count by `result` (and in total); callbacks whose signature was checked (mode `log` or `enforce`). */
  callbackSignatures: 'CallbackSignatures',
} as const;

/** What the normalizer emits. */
export const NORMALIZE_METRICS = {
  /** Count by `category` (and in total); events put on the bus. */
  eventsPublished: 'EventsPublished',
  /** Count; callbacks whose event was already published. */
  duplicatesSuppressed: 'DuplicatesSuppressed',
  /** Count; objects stored in the claim-check bucket because they were too large for an event. */
  claimChecked: 'ClaimChecked',
  /** Count by `reason` (and in total); callbacks parked on the dead-letter queue. */
  deadLettered: 'DeadLettered',
  /** Count by `objectType`; objects published untyped because they did not match their schema. */
  schemaMismatch: 'SchemaMismatch',
} as const;

/** What the failure poller (retry-failures) emits, every run. */
export const RECOVERY_METRICS = {
  /** 1 per run. */
  heartbeat: 'PollerHeartbeat',
  /** bunq's failed callbacks neither arrived nor given up; absent when the listing failed. */
  outstanding: 'FailedCallbacksOutstanding',
  retriesRequested: 'RetriesRequested',
  retriesExhausted: 'RetriesExhausted',
  pollErrors: 'PollErrors',
  /** Fewest days a leaf pinned at bunq has left; only with a custom domain and something pinned. */
  pinnedCertificateDaysToExpiry: 'PinnedCertificateDaysToExpiry',
  /** 1 when something is pinned and no pinned leaf is the certificate the custom domain serves, else 0. */
  pinnedCertificateMismatch: 'PinnedCertificateMismatch',
} as const;

/** What the reconciler emits, every run. */
export const RECONCILE_METRICS = {
  /** 1 per run. */
  heartbeat: 'ReconcilerHeartbeat',
  /** Callbacks found only in bunq's event listing (never sent, never reported), published from it. */
  missedByBunq: 'MissedByBunq',
  /** Registered filters missing at bunq or pointing at an old URL; absent when the filters could not be read. */
  filterDrift: 'FilterDrift',
  /** Callbacks bunq lists as failed that the reconciler asked bunq to retry. */
  failureRetries: 'ReconcileFailureRetries',
  /** Steps of the run that failed. */
  errors: 'ReconcileErrors',
  /**
   * Seconds; only for a partner's fleet, when a run completes a pass over every provisioned user: how long
   * the pass took (the longest a user waits between two visits).
   */
  cycleSeconds: 'ReconcileCycleSeconds',
} as const;

/** What the partner onboarding emits, per provision callback it handles. */
export const ONBOARD_METRICS = {
  /** Count; provisioned users onboarded (filters registered, registry entry written). */
  usersOnboarded: 'UsersOnboarded',
  /** Count by `reason` (the failed step: token-exchange, open-session, filters, ...) and in total. */
  onboardingFailures: 'OnboardingFailures',
} as const;

export type IngestMetricName = (typeof INGEST_METRICS)[keyof typeof INGEST_METRICS];
export type NormalizeMetricName = (typeof NORMALIZE_METRICS)[keyof typeof NORMALIZE_METRICS];
export type RecoveryMetricName = (typeof RECOVERY_METRICS)[keyof typeof RECOVERY_METRICS];
export type ReconcileMetricName = (typeof RECONCILE_METRICS)[keyof typeof RECONCILE_METRICS];
export type OnboardMetricName = (typeof ONBOARD_METRICS)[keyof typeof ONBOARD_METRICS];
/** Any metric a function emits. */
export type EmittedMetricName =
  | IngestMetricName
  | NormalizeMetricName
  | RecoveryMetricName
  | ReconcileMetricName
  | OnboardMetricName;
export type MetricDimension = (typeof METRIC_DIMENSIONS)[keyof typeof METRIC_DIMENSIONS];

/** The service names of the functions that emit metrics (the local runtime's own components emit none). */
export type EmittingService = (typeof SERVICE_NAMES)[
  | 'ingest'
  | 'normalize'
  | 'retryFailures'
  | 'reconcile'
  | 'onboard'];

/** The metrics each service emits, by service name: what an alarm on `METRICS_NAMESPACE` may watch. */
export const EMITTED_METRICS: Readonly<Record<EmittingService, readonly EmittedMetricName[]>> = {
  [SERVICE_NAMES.ingest]: Object.values(INGEST_METRICS),
  [SERVICE_NAMES.normalize]: Object.values(NORMALIZE_METRICS),
  [SERVICE_NAMES.retryFailures]: Object.values(RECOVERY_METRICS),
  [SERVICE_NAMES.reconcile]: Object.values(RECONCILE_METRICS),
  [SERVICE_NAMES.onboard]: Object.values(ONBOARD_METRICS),
};
