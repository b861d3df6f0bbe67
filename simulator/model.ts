/**
 * The simulator's data model and options: what tests and the control API create, read and script. Every
 * resource module (`users.ts`, `sessions.ts`, `notification-filters.ts`, `failures.ts`, `certificates.ts`,
 * `callbacks.ts`) works on these shapes; `simulator.ts` re-exports them.
 */
import type { RsaKeyPair } from '../shared/bunq/api/crypto';
import type { BunqRateLimits } from '../shared/bunq/api/rate-limiter';
import type { FetchLike } from '../shared/bunq/api/transport';
import type { DeliveryTargetRecord } from './delivery';

export const DEFAULT_RETRY_INTERVAL_MS = 60_000;
export const DEFAULT_MAX_DELIVERY_RETRIES = 5;
export const DEFAULT_SESSION_TIMEOUT_SECONDS = 604_800;
export const SESSION_EXPIRED_DESCRIPTION = 'Insufficient authorisation.';
export const SESSION_UNKNOWN_DESCRIPTION = 'Insufficient authentication.';

export type SimUserKind = 'UserPerson' | 'UserCompany' | 'UserApiKey' | 'UserPaymentServiceProvider';

export interface BunqSimulatorOptions {
  /**
   * Interval between callback tries (bunq: one minute).
   * @default 60000
   */
  readonly retryIntervalMs?: number;
  /**
   * Tries after the first one before a failure record is stored (bunq: 5, so 6 tries in all).
   * @default 5
   */
  readonly maxDeliveryRetries?: number;
  /**
   * Time a callback target has to answer one try.
   * @default 10000
   */
  readonly deliveryTimeoutMs?: number;
  /**
   * What a retry POST does per failure: one try (`single-try`), or the full schedule of 1 + maxDeliveryRetries
   * tries (`full-schedule`). Either way a delivered failure leaves the listing; one that fails again stays,
   * with `updated`, `exception_message` and `response_code` refreshed.
   * @default 'single-try'
   */
  readonly redelivery?: 'single-try' | 'full-schedule';
  /**
   * Session lifetime for users created without their own (`session_timeout` in the session answer).
   * Fractions are allowed for tests.
   * @default 604800 (bunq's default, a week)
   */
  readonly sessionTimeoutSeconds?: number;
  /**
   * bunq's rate limits per source address, method and endpoint, completed with bunq's values; `false`
   * turns them off.
   * @default BUNQ_RATE_LIMITS
   */
  readonly rateLimits?: Partial<BunqRateLimits> | false;
  /**
   * What the rate limits count per: the source address (bunq's documentation), or the
   * `X-Bunq-Client-Authentication` token (session or installation), for testing clients that assume
   * per-session limits (e.g. many users served from one address).
   * @default 'address'
   */
  readonly rateLimitScope?: 'address' | 'session';
  /**
   * Answer 400 when User-Agent, X-Bunq-Client-Request-Id or X-Bunq-Geolocation is missing or a request id
   * is reused.
   * @default true
   */
  readonly strictHeaders?: boolean;
  /**
   * Refuse `http://` callback targets like bunq does. Off by default so loopback receivers work.
   * @default false
   */
  readonly requireHttpsTargets?: boolean;
  /**
   * Add `X-Bunq-Server-Signature` (over the body, with the simulator key) to callbacks. bunq's docs describe
   * `X-Bunq-Server-Signature` on API answers only, not on callbacks, so this is off by default.
   * @default false
   */
  readonly signCallbacks?: boolean;
  /**
   * Answer 404 for a monetary account the user does not have (bunq's behaviour) on account paths, including
   * the account-level notification filters. `false` accepts any account id.
   * @default true
   */
  readonly strictMonetaryAccounts?: boolean;
  /**
   * Where bunq's public spec and what bunq (and its partner spec) answer disagree, which to follow:
   * `observed` lists failures with their `id` and answers a retry POST with `{"Response":[]}`; `public-spec`
   * lists failures without `id` and answers a retry with `{"Response":[{"Id":{"id":...}}]}`, so clients can
   * be tested against both.
   * @default 'observed'
   */
  readonly specVariant?: 'observed' | 'public-spec';
  /** The simulator's own key pair. @default a new 2048-bit RSA pair */
  readonly keyPair?: RsaKeyPair;
  /** Time source in epoch milliseconds (fractions give bunq's microseconds). @default performance clock */
  readonly now?: () => number;
  /** Sends callbacks. @default globalThis.fetch */
  readonly fetch?: FetchLike;
  /**
   * Callback requests in flight at once (first tries, retries and redeliveries alike); more wait their turn,
   * so provisioning 10,000 users does not open 10,000 connections at once.
   * @default 64
   */
  readonly maxConcurrentDeliveries?: number;
  /** One line per API request (method, path, status; never a body or header). @default none */
  readonly log?: (line: string) => void;
}

export interface SimUser {
  readonly id: number;
  readonly kind: SimUserKind;
  readonly apiKey: string;
  readonly sessionTimeoutSeconds: number;
  readonly created: string;
  /** The user's monetary accounts (MonetaryAccountBank ids). */
  readonly monetaryAccountIds: readonly number[];
  /** For `UserApiKey`: the ids of the two anchored users. */
  readonly requestedByUserId: number | null;
  readonly grantedByUserId: number | null;
  /** A partner company user's OAuth client (set for `{"kind": "UserCompany", "partner": true}`). */
  readonly partner: SimPartnerClient | null;
}

/** The OAuth client of a partner company user (bunq's `OauthClient`). */
export interface SimPartnerClient {
  /** The `OauthClient` id (what a provision's `oauth_request.oauth_client_id` carries). */
  readonly id: number;
  /** `client_id` of the token exchange. */
  readonly clientId: string;
  /** `client_secret` of the token exchange (a secret). */
  readonly clientSecret: string;
  /** The redirect URL registered on the client: a provision's `oauth_request.callback_url`. */
  readonly redirectUri: string;
}

export interface CreateUserInput {
  readonly kind?: SimUserKind;
  /** The user's monetary account ids. @default one new account */
  readonly monetaryAccountIds?: readonly number[];
  /** @default a random key */
  readonly apiKey?: string;
  readonly sessionTimeoutSeconds?: number;
  /** A `UserCompany` that is a partner: it gets an OAuth client and can provision users. @default false */
  readonly partner?: boolean;
  /**
   * For `UserApiKey`: the anchored users (e.g. the partner as `requestedByUserId`).
   * @default two new ids
   */
  readonly requestedByUserId?: number;
  readonly grantedByUserId?: number;
  /**
   * Whether the API key works for device-server and session-server from the start. A provisioned user's
   * access token only works once the authorization code was exchanged for it.
   * @default true
   */
  readonly apiKeyIssued?: boolean;
}

/** One partner user provision (bunq's partner API: `PartnerUserProvision`). */
export interface SimProvision {
  readonly id: number;
  readonly partnerUserId: number;
  /** The `UserApiKey` the partner's access token opens sessions as (its id is the path user id). */
  readonly userId: number;
  /** The bunq user behind it (the UserApiKey's `granted_by_user`). */
  readonly grantedByUserId: number;
  readonly externalUuid: string;
  readonly created: string;
  /** The OAuth authorization code in the activation callback; one use. */
  readonly authorizationCode: string;
  /** The access token the code is exchanged for (the UserApiKey's API key). */
  readonly accessToken: string;
  /** The code was exchanged. */
  exchanged: boolean;
}

export interface ProvisionOptions {
  /**
   * Also emit the `CREATED` callback (OAuth request pending, no code) before the `ACTIVE` one.
   * @default false
   */
  readonly progress?: boolean;
}

/** Scripted failures of the OAuth token exchange (the next `times` exchanges fail). */
export interface TokenExchangeFault {
  /** @default 1 */
  readonly times?: number;
  /** `error` answers `status`; `drop-connection` closes the connection. @default 'error' */
  readonly kind?: 'error' | 'drop-connection';
  /** @default 500 */
  readonly status?: number;
}

export interface SimFilterInput {
  readonly category: string;
  readonly notification_target: string;
  /** Set for a monetary-account-level filter. */
  readonly monetaryAccountId?: number | null;
}

export interface SimFilter {
  readonly id: number;
  readonly userId: number;
  readonly monetaryAccountId: number | null;
  readonly category: string;
  readonly target: string;
  readonly created: string;
}

export interface SimFailure {
  readonly id: number;
  readonly userId: number;
  readonly created: string;
  updated: string;
  readonly category: string;
  readonly eventType: string | null;
  readonly objectId: number | null;
  exceptionMessage: string;
  responseCode: number | null;
  /** The target the callback went to and the body it carried (re-sent as is on retry). */
  readonly target: string;
  readonly body: string;
  /** A retry POST is being delivered. */
  retrying: boolean;
}

/** Failure fields for {@link BunqSimulator.seedFailures}; every one optional. */
export interface SeedFailureInput {
  readonly category?: string;
  readonly event_type?: string;
  readonly object_id?: number;
  readonly exception_message?: string;
  readonly response_code?: number | null;
  readonly notification_target?: string;
  /** The callback body to re-send on retry. @default a small NotificationUrl body */
  readonly body?: unknown;
}

export interface DeliveryRecord {
  readonly id: number;
  readonly userId: number;
  /** `emit`: a new callback; `retry`: a retry POST re-sending a failure. */
  readonly source: 'emit' | 'retry';
  readonly category: string;
  readonly eventType: string | null;
  readonly objectId: number | null;
  readonly created: string;
  readonly targets: DeliveryTargetRecord[];
  /** Emitted with `drop`: bunq never tried, and no failure was recorded. */
  readonly dropped: boolean;
}

/** A scripted misbehaviour for the next matching API call(s). */
export type SimulatorFault = FaultMatch &
  (
    | {
        readonly kind: 'error';
        readonly status: number;
        readonly description?: string;
        readonly signed?: boolean;
      }
    | { readonly kind: 'tamper-response-body' }
    | { readonly kind: 'unsigned-response' }
    | { readonly kind: 'drop-connection' }
  );

export interface FaultMatch {
  /** @default any method */
  readonly method?: string;
  /** A RegExp tested on the path after `/v1` (without query), or a substring of it. @default any path */
  readonly path?: string | RegExp;
  /** How many matching calls it applies to. @default 1 */
  readonly times?: number;
}

export interface RequestLogEntry {
  readonly method: string;
  /** Path after `/v1`, with query. */
  readonly path: string;
  readonly status: number;
  /** The request body text (kept in memory for assertions only; never printed). */
  readonly body: string;
}

/** One entry of bunq's activity list (`GET /user/{u}/event`). */
export interface SimEvent {
  readonly id: number;
  readonly userId: number;
  /** The account the event is about; null for a user event (e.g. a connect invite). */
  readonly monetaryAccountId: number | null;
  readonly created: string;
  readonly updated: string;
  /** CREATE for the first event about an object, UPDATE after. */
  readonly action: 'CREATE' | 'UPDATE';
  readonly objectType: string;
  /** The object as the callback carried it (the event listing is bunq's source of truth for it). */
  readonly object: Readonly<Record<string, unknown>>;
  readonly status: 'AWAITING_REPLY' | 'FINALIZED';
}

export interface EmitOptions {
  /** The account of an account-level filter. @default the object's `monetary_account_id` */
  readonly monetaryAccountId?: number;
  /**
   * bunq never tries to deliver it and records no failure; the object still shows in the event listing
   * (a callback lost to a clobbered filter, a pin mismatch, a refused source address, ...).
   * @default false
   */
  readonly drop?: boolean;
}
