/**
 * Environment variables the CDK stack sets and the Lambda entry files read. One list, so the two sides
 * cannot drift apart.
 */
export const INGEST_ENV = {
  /** URL of the callbacks queue. */
  queueUrl: 'CALLBACK_QUEUE_URL',
  /** ARN of the Secrets Manager secret holding the callback token(s), see {@link CallbackTokenSecret}. */
  tokenSecretArn: 'CALLBACK_TOKEN_SECRET_ARN',
  /** Comma-separated CIDR ranges allowed to call the endpoint. */
  allowedSourceCidrs: 'ALLOWED_SOURCE_CIDRS',
  /** Largest accepted body in bytes. */
  maxBodyBytes: 'MAX_BODY_BYTES',
  /** Seconds an instance caches the token secret. */
  tokenCacheSeconds: 'TOKEN_CACHE_SECONDS',
  /** `off`, `log` or `enforce`: what the ingest does with `X-Bunq-Server-Signature`. */
  callbackSignatureMode: 'CALLBACK_SIGNATURE_MODE',
  /** bunq's server public key (PEM) to verify callback signatures with; optional. */
  serverPublicKeyPem: 'BUNQ_SERVER_PUBLIC_KEY_PEM',
  /** The failure poller's bunq state secret, read for `serverPublicKeyPem` when no key is configured; optional. */
  signatureKeyStateSecretArn: 'SIGNATURE_KEY_STATE_SECRET_ARN',
  /** URL of the onboarding queue; set only with partner onboarding (provision callbacks' jobs go there). */
  onboardingQueueUrl: 'ONBOARDING_QUEUE_URL',
} as const;

export const NORMALIZE_ENV = {
  /** DynamoDB table holding dedupe markers (partition key `id`, TTL attribute `expiration`). */
  dedupeTableName: 'DEDUPE_TABLE_NAME',
  /** Seconds a dedupe marker lives. */
  dedupeTtlSeconds: 'DEDUPE_TTL_SECONDS',
  /** Name or ARN of the pipeline's EventBridge bus. */
  eventBusName: 'EVENT_BUS_NAME',
  /** The `source` of every event. */
  eventSource: 'EVENT_SOURCE',
  /** URL of the callbacks dead-letter queue, where permanent failures are parked with their reason. */
  deadLetterQueueUrl: 'DEAD_LETTER_QUEUE_URL',
  /** URL of the callbacks queue, to delay a failed record's redelivery (backoff). */
  callbackQueueUrl: 'CALLBACK_QUEUE_URL',
  /** First and longest retry delay for transient failures, in seconds. */
  retryBackoffBaseSeconds: 'RETRY_BACKOFF_BASE_SECONDS',
  retryBackoffMaxSeconds: 'RETRY_BACKOFF_MAX_SECONDS',
  /** S3 bucket for objects too large for one event (claim check). */
  claimCheckBucket: 'CLAIM_CHECK_BUCKET',
  /** `true` when the failure poller runs and needs to know which callbacks arrived (one write each). */
  recordArrivals: 'RECORD_ARRIVALS',
} as const;

/**
 * The JSON stored in the callback token secret. `token` is generated at deploy. During a rotation the
 * previous token stays valid until `previousTokenValidUntil` (RFC 3339), or indefinitely when that is absent.
 */
export interface CallbackTokenSecret {
  readonly token: string;
  readonly previousToken?: string;
  readonly previousTokenValidUntil?: string;
}

/** The key Secrets Manager generates the token under (`generateStringKey`). */
export const TOKEN_SECRET_KEY = 'token';
/** Dedupe table schema, as Powertools Idempotency's DynamoDB persistence layer expects it by default. */
export const DEDUPE_TABLE_KEY = 'id';
export const DEDUPE_TABLE_TTL_ATTRIBUTE = 'expiration';

export const RETRY_FAILURES_ENV = {
  /** Name or ARN of the Secrets Manager secret with the bunq state (`{"apiKey": "..."}` to start). */
  bunqStateSecretArn: 'BUNQ_STATE_SECRET_ARN',
  /** bunq API base URL including `/v1`. */
  bunqBaseUrl: 'BUNQ_BASE_URL',
  /** The dedupe table: the normalizer's arrival records are read there, retry attempts kept there. */
  tableName: 'RECOVERY_TABLE_NAME',
  /** Retries per failure before giving up on it. */
  maxAttempts: 'MAX_RETRY_ATTEMPTS',
  /** Seconds a failure's attempt record lives after its last change. */
  attemptTtlSeconds: 'ATTEMPT_TTL_SECONDS',
  /** The callback endpoint's custom domain, whose served certificate is checked against bunq's pins; optional. */
  certificateCheckHost: 'CERTIFICATE_CHECK_HOST',
  /**
   * Our callback base URL, ending in `/callbacks/`; set only with partner onboarding, so the poller can tell
   * whose failure each one is by the `/u/{userId}` segment of its target.
   */
  callbackBaseUrl: 'CALLBACK_BASE_URL',
} as const;

export const RECONCILE_ENV = {
  /** The bunq state secret, shared with the failure poller (same API key, installation and session). */
  bunqStateSecretArn: 'BUNQ_STATE_SECRET_ARN',
  /** bunq API base URL including `/v1`. */
  bunqBaseUrl: 'BUNQ_BASE_URL',
  /** The dedupe table: arrival records are read there, the reconciler's cursor kept there. */
  tableName: 'RECOVERY_TABLE_NAME',
  /** URL of the callbacks queue, where rebuilt callbacks go to the normalizer. */
  callbackQueueUrl: 'CALLBACK_QUEUE_URL',
  /** The callback token secret, to know our exact callback URL; set only when the reconciler repairs filters. */
  tokenSecretArn: 'CALLBACK_TOKEN_SECRET_ARN',
  /** Our callback base URL, e.g. `https://abc.execute-api.eu-west-1.amazonaws.com/callbacks/` (token after it). */
  callbackBaseUrl: 'CALLBACK_BASE_URL',
  /** JSON: `[{"monetaryAccountId": null, "categories": ["MUTATION"]}]`, the scopes `register` set up. */
  expectedFilters: 'RECONCILE_EXPECTED_FILTERS',
  /** Milliseconds after an event's creation before it is settled. */
  graceMs: 'RECONCILE_GRACE_MS',
  /** Seconds an expected-redelivery note lives (the failure poller's attempt lifetime: the same item). */
  attemptTtlSeconds: RETRY_FAILURES_ENV.attemptTtlSeconds,
  /** `true` to re-apply missing filters (read-merge-write). */
  repairFilters: 'RECONCILE_REPAIR_FILTERS',
} as const;

export const ONBOARD_ENV = {
  /** The fleet registry table (partition key `userId`, a number). */
  fleetTableName: 'FLEET_TABLE_NAME',
  /** The secret with the partner's OAuth client credentials, `{"clientId": "...", "clientSecret": "..."}`. */
  oauthClientSecretArn: 'OAUTH_CLIENT_SECRET_ARN',
  /** bunq's OAuth token endpoint, e.g. `https://api.oauth.bunq.com/v1/token`. */
  oauthTokenUrl: 'OAUTH_TOKEN_URL',
  /** bunq API base URL including `/v1`. */
  bunqBaseUrl: 'BUNQ_BASE_URL',
  /** The name prefix of the provisioned users' credential secrets, e.g. `bunq-webhooks/fleet/`. */
  credentialSecretPrefix: 'FLEET_SECRET_PREFIX',
  /** The callback token secret, for our exact callback URL. */
  tokenSecretArn: 'CALLBACK_TOKEN_SECRET_ARN',
  /** Our callback base URL, ending in `/callbacks/`. */
  callbackBaseUrl: 'CALLBACK_BASE_URL',
  /** Comma-separated categories to register for every provisioned user. */
  categories: 'ONBOARD_CATEGORIES',
} as const;

/** The fleet registry table's partition key (a number: the provisioned user's bunq user id). */
export const FLEET_TABLE_KEY = 'userId';
