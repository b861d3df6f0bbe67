/**
 * The bunq API client: sessions, signatures, errors, rate limits, pagination, notification filters,
 * failure listing and retry, certificate pinning. See `client.ts` for the entry point.
 */
export {
  type ApiKeyUserChoice,
  BUNQ_PRODUCTION_BASE_URL,
  BUNQ_SANDBOX_BASE_URL,
  BunqApiClient,
  type BunqApiClientOptions,
  type BunqRequest,
  type BunqSessionInfo,
  MAX_PAGE_SIZE,
  MAX_RETRY_IDS_PER_CALL,
  type RetryFailuresResult,
} from './client';
export { type Clock, ManualClock, systemClock } from './clock';
export {
  generateRsaKeyPair,
  privateKeyFromPem,
  publicKeyFromPem,
  publicKeyPemOf,
  type RsaKeyPair,
  signBytes,
  verifyBytes,
} from './crypto';
export * from './errors';
export { hasExactFilters, replaceFiltersForTarget } from './filters';
export { type BunqLogger, silentLogger } from './logger';
export {
  BUNQ_RATE_LIMITS,
  type BunqRateLimits,
  endpointOf,
  type HttpMethod,
  type RateLimitRule,
  resolveRateLimits,
  SlidingWindowRateLimiter,
} from './rate-limiter';
export {
  type BunqPagination,
  type CertificatePinned,
  type NotificationFilter,
  type NotificationFilterFailure,
  type NotificationFilterInput,
  type NotificationFilterUrl,
  notificationFilterFailureSchema,
  notificationFilterUrlSchema,
} from './schemas';
export {
  SecretsManagerBunqStateStore,
  type SecretsManagerBunqStateStoreOptions,
} from './secrets-manager-state-store';
export {
  type BunqState,
  type BunqStateStore,
  bunqStateSchema,
  InMemoryBunqStateStore,
  parseBunqState,
} from './state';
export {
  type BackoffOptions,
  type BunqResult,
  type FetchLike,
  GEOLOCATION_UNKNOWN,
  HEADER,
} from './transport';
