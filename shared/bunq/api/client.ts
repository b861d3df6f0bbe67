/**
 * The bunq API client: installation → device-server → session-server with the state kept in a
 * {@link BunqStateStore}, signed requests, verified responses, typed errors, session renewal, rate limiting,
 * pagination, and the calls the failure poller and the setup tooling need. The API context (installation,
 * device, session) is kept by {@link BunqSessions} (`session.ts`); answers are read by `responses.ts`.
 *
 * Everything from outside is injected (`fetch`, base URL, clock, logger, randomness, state store), so the same
 * client runs against bunq, the sandbox, or the project's simulator, in Lambda, locally and in tests.
 *
 * ```ts
 * const client = new BunqApiClient({
 *   baseUrl: BUNQ_SANDBOX_BASE_URL,
 *   stateStore: new SecretsManagerBunqStateStore({ secretId: 'bunq/api' }),
 *   logger,
 * });
 * const userId = await client.getUserId();
 * const failures = await client.listNotificationFilterFailures(userId);
 * ```
 */
import { type Clock, systemClock } from './clock';
import type { RsaKeyPair } from './crypto';
import { BunqApiError, BunqError, BunqInputError, BunqResponseFormatError } from './errors';
import { MAX_PAGE_SIZE, MAX_RETRY_IDS_PER_CALL } from './limits';
import { type BunqLogger, silentLogger } from './logger';
import { type BunqRateLimits, type HttpMethod, resolveRateLimits } from './rate-limiter';
import { unwrapAll, unwrapFilters, unwrapOne } from './responses';
import {
  bunqIdSchema,
  type CertificatePinned,
  certificatePinnedSchema,
  type NotificationFilterFailure,
  type NotificationFilterInput,
  type NotificationFilterUrl,
  notificationFilterFailureSchema,
} from './schemas';
import { type ApiKeyUserChoice, BunqSessions } from './session';
import type { BunqStateStore } from './state';
import { type BackoffOptions, type BunqResult, BunqTransport, type FetchLike } from './transport';

export const BUNQ_PRODUCTION_BASE_URL = 'https://api.bunq.com/v1';
export const BUNQ_SANDBOX_BASE_URL = 'https://public-api.sandbox.bunq.com/v1';

export interface BunqApiClientOptions {
  /** Where the API key, installation and session live. Loaded once, saved after every change. */
  readonly stateStore: BunqStateStore;
  /**
   * API base URL including `/v1`.
   * @default BUNQ_PRODUCTION_BASE_URL
   */
  readonly baseUrl?: string;
  /** @default globalThis.fetch */
  readonly fetch?: FetchLike;
  /** @default systemClock */
  readonly clock?: Clock;
  /** @default silentLogger */
  readonly logger?: BunqLogger;
  /**
   * Source of randomness for backoff jitter, in [0, 1).
   * @default Math.random
   */
  readonly random?: () => number;
  /** @default 'bunq-webhooks-aws' */
  readonly userAgent?: string;
  /** @default 'bunq-webhooks-aws' */
  readonly deviceDescription?: string;
  /**
   * `permitted_ips` of the device. Lambda egress addresses change, hence the wildcard (it needs a wildcard
   * API key); an empty list leaves the field out so bunq binds the key to the calling address.
   * @default ['*']
   */
  readonly permittedIps?: readonly string[];
  /**
   * Client-side limits, completed with bunq's; `false` turns client-side limiting off.
   * @default BUNQ_RATE_LIMITS
   */
  readonly rateLimits?: Partial<BunqRateLimits> | false;
  /** Backoff on 429. */
  readonly backoff?: BackoffOptions;
  /** @default 30000 */
  readonly requestTimeoutMs?: number;
  /** @default 'user-api-key' */
  readonly apiKeyUser?: ApiKeyUserChoice;
  /**
   * A session is renewed this long before its computed expiry.
   * @default 30000
   */
  readonly sessionExpiryMarginMs?: number;
  /**
   * Session lifetime to assume when the session answer carries no `session_timeout`. Short on purpose:
   * a too-long guess only costs one failed call (renewed automatically), a short one an extra session.
   * @default 3600
   */
  readonly defaultSessionTimeoutSeconds?: number;
  /** Creates the client key pair on first use. @default generateRsaKeyPair (2048-bit RSA) */
  readonly generateKeyPair?: () => Promise<RsaKeyPair>;
  /** Upper bound on pages followed by {@link BunqApiClient.listAll}. @default 1000 */
  readonly maxPages?: number;
}

/** A session-authenticated call: see {@link BunqApiClient.request}. */
export interface BunqRequest {
  readonly method: HttpMethod;
  readonly path: string;
  readonly query?: Readonly<Record<string, string | number>>;
  readonly body?: unknown;
}

export interface BunqSessionInfo {
  /** The id for `/user/{userId}/...` paths. */
  readonly userId: number;
  readonly expiresAt: Date;
}

export interface RetryFailuresResult {
  /** Ids bunq accepted for redelivery. */
  readonly retriedIds: readonly number[];
  /** Chunks bunq refused (e.g. 404: an id unknown or gone), each with its error; other chunks still ran. */
  readonly failedChunks: ReadonlyArray<{ readonly ids: readonly number[]; readonly error: BunqError }>;
}

export type { CertificatePinned, NotificationFilterFailure, NotificationFilterInput, NotificationFilterUrl };

export class BunqApiClient {
  readonly baseUrl: string;
  private readonly transport: BunqTransport;
  private readonly sessions: BunqSessions;
  private readonly logger: BunqLogger;
  private readonly options: BunqApiClientOptions;

  constructor(options: BunqApiClientOptions) {
    this.options = options;
    this.baseUrl = (options.baseUrl ?? BUNQ_PRODUCTION_BASE_URL).replace(/\/+$/, '');
    try {
      new URL(this.baseUrl);
    } catch {
      throw new BunqInputError(
        `baseUrl "${this.baseUrl}" is not an absolute URL. Use e.g. ${BUNQ_SANDBOX_BASE_URL} or the simulator's base URL.`,
      );
    }
    const clock = options.clock ?? systemClock;
    this.logger = options.logger ?? silentLogger;
    const rateLimits = options.rateLimits === false ? false : resolveRateLimits(options.rateLimits);
    if (rateLimits !== false) {
      for (const [name, rule] of Object.entries(rateLimits)) {
        if (!(rule.limit >= 1 && rule.windowMs >= 0)) {
          throw new BunqInputError(`rateLimits.${name} needs limit >= 1 and windowMs >= 0.`);
        }
      }
    }
    this.transport = new BunqTransport({
      baseUrl: this.baseUrl,
      fetch: options.fetch ?? ((url, init) => fetch(url, init)),
      clock,
      logger: this.logger,
      random: options.random ?? Math.random,
      userAgent: options.userAgent ?? 'bunq-webhooks-aws',
      rateLimits,
      backoff: {
        maxRetries: options.backoff?.maxRetries ?? 3,
        baseDelayMs: options.backoff?.baseDelayMs ?? 1_000,
        maxDelayMs: options.backoff?.maxDelayMs ?? 10_000,
      },
      requestTimeoutMs: options.requestTimeoutMs ?? 30_000,
      redact: (text) => this.sessions.redact(text),
    });
    this.sessions = new BunqSessions({
      baseUrl: this.baseUrl,
      store: options.stateStore,
      transport: this.transport,
      clock,
      logger: this.logger,
      settings: options,
    });
  }

  // ---------------------------------------------------------------------------------------------------
  // Session

  /** Makes sure an installation, a device and a live session exist (creating what is missing). */
  async ensureSession(): Promise<BunqSessionInfo> {
    const session = await this.sessions.active();
    return { userId: session.userId, expiresAt: new Date(session.expiresAtMs) };
  }

  /** Opens a new session now, whatever the state of the current one. */
  async resetSession(): Promise<BunqSessionInfo> {
    const current = await this.sessions.active();
    const session = await this.sessions.active(current.token);
    return { userId: session.userId, expiresAt: new Date(session.expiresAtMs) };
  }

  /** The user id for `/user/{userId}/...` paths (from the session answer; see {@link ApiKeyUserChoice}). */
  async getUserId(): Promise<number> {
    return (await this.sessions.active()).userId;
  }

  // ---------------------------------------------------------------------------------------------------
  // Generic calls

  /**
   * One call with the session token, the body signed and the answer verified. When bunq says the session
   * is gone ("Insufficient authorisation." / "Insufficient authentication."), a new session is opened
   * once and the call retried once.
   */
  async request(call: BunqRequest): Promise<BunqResult> {
    const session = await this.sessions.active();
    try {
      return await this.transport.call(this.withKeys(call, session.token));
    } catch (error) {
      if (!(error instanceof BunqApiError && error.isSessionExpired)) throw error;
      this.logger.warn('bunq session expired or unknown; opening a new session and retrying once', {
        method: call.method,
        path: call.path,
        status: error.status,
        responseId: error.responseId,
      });
      const fresh = await this.sessions.active(session.token);
      return this.transport.call(this.withKeys(call, fresh.token));
    }
  }

  /**
   * Every item of a paginated listing: asks for `count=200` and follows `Pagination.older_url` until it is
   * null. Returns the raw `Response` items (each one type key around an object).
   */
  async listAll(
    path: string,
    query: Readonly<Record<string, string | number>> = {},
  ): Promise<Array<Record<string, unknown>>> {
    const maxPages = this.options.maxPages ?? 1_000;
    const items: Array<Record<string, unknown>> = [];
    let pageQuery: Record<string, string | number> = { ...query, count: MAX_PAGE_SIZE };
    const seen = new Set<string>();
    for (let page = 1; ; page += 1) {
      const result = await this.request({ method: 'GET', path, query: pageQuery });
      items.push(...result.items);
      const older = result.pagination?.older_url;
      if (older === null || older === undefined || older === '') return items;
      pageQuery = this.nextPageQuery(older, path);
      const key = JSON.stringify(pageQuery);
      if (seen.has(key) || page >= maxPages) {
        throw new BunqResponseFormatError(
          `bunq GET ${path}: pagination did not end after ${page} pages (older_url repeats or maxPages reached).`,
        );
      }
      seen.add(key);
    }
  }

  // ---------------------------------------------------------------------------------------------------
  // Notification filter failures

  /** Every failed callback bunq stored for the user, all pages, newest first as bunq lists them. */
  async listNotificationFilterFailures(userId: number): Promise<NotificationFilterFailure[]> {
    const path = `/user/${checkId(userId, 'userId')}/notification-filter-failure`;
    const items = await this.listAll(path);
    return unwrapAll(items, 'NotificationFilterFailure', notificationFilterFailureSchema, `GET ${path}`);
  }

  /**
   * Asks bunq to deliver the given failures again: ids de-duplicated, sent as the comma-separated
   * `notification_filter_failed_ids` string in chunks of at most 100. A refused chunk does not stop the
   * others; see {@link RetryFailuresResult}.
   */
  async retryNotificationFilterFailures(
    userId: number,
    ids: readonly number[],
  ): Promise<RetryFailuresResult> {
    const path = `/user/${checkId(userId, 'userId')}/notification-filter-failure`;
    const unique = [...new Set(ids.map((id) => checkId(id, 'failure id')))];
    const retriedIds: number[] = [];
    const failedChunks: Array<{ ids: number[]; error: BunqError }> = [];
    for (let start = 0; start < unique.length; start += MAX_RETRY_IDS_PER_CALL) {
      const chunk = unique.slice(start, start + MAX_RETRY_IDS_PER_CALL);
      try {
        await this.request({
          method: 'POST',
          path,
          body: { notification_filter_failed_ids: chunk.join(',') },
        });
        retriedIds.push(...chunk);
      } catch (error) {
        if (!isBunqError(error)) throw error;
        this.logger.warn('bunq refused a chunk of failure retries', {
          ids: chunk.length,
          error: error.name,
          status: error instanceof BunqApiError ? error.status : undefined,
        });
        failedChunks.push({ ids: chunk, error });
      }
    }
    return { retriedIds, failedChunks };
  }

  // ---------------------------------------------------------------------------------------------------
  // Notification filters (callback URLs)

  /** The URL filters of the user, or of one of its monetary accounts. */
  async getNotificationFilterUrls(
    userId: number,
    monetaryAccountId?: number,
  ): Promise<NotificationFilterUrl[]> {
    const path = filterPath(userId, monetaryAccountId);
    const result = await this.request({ method: 'GET', path });
    return unwrapFilters(result.items, `GET ${path}`);
  }

  /**
   * Replaces the whole URL filter set of the user (or monetary account) with `filters` and returns the new
   * set. bunq replaces, not adds: read with {@link getNotificationFilterUrls}, merge (the CLI's
   * `cli/filter-plan.ts` does), then write. `[]` removes every filter.
   */
  async setNotificationFilterUrls(
    userId: number,
    filters: readonly NotificationFilterInput[],
    monetaryAccountId?: number,
  ): Promise<NotificationFilterUrl[]> {
    const path = filterPath(userId, monetaryAccountId);
    const body = {
      notification_filters: filters.map((filter, index) => {
        if (typeof filter.category !== 'string' || filter.category.trim() === '') {
          throw new BunqInputError(`filters[${index}].category must be a non-empty string.`);
        }
        if (typeof filter.notification_target !== 'string' || filter.notification_target.trim() === '') {
          throw new BunqInputError(`filters[${index}].notification_target must be a non-empty URL.`);
        }
        return { category: filter.category, notification_target: filter.notification_target };
      }),
    };
    const result = await this.request({ method: 'POST', path, body });
    const written = unwrapFilters(result.items, `POST ${path}`);
    // bunq answers the list; should an `Id` (what the spec claims) ever come back instead, read the set.
    if (written.length === 0 && result.items.some((item) => 'Id' in item)) {
      return this.getNotificationFilterUrls(userId, monetaryAccountId);
    }
    return written;
  }

  // ---------------------------------------------------------------------------------------------------
  // Certificate pinning

  async listCertificatesPinned(userId: number): Promise<CertificatePinned[]> {
    const path = `/user/${checkId(userId, 'userId')}/certificate-pinned`;
    const result = await this.request({ method: 'GET', path });
    return unwrapAll(result.items, 'CertificatePinned', certificatePinnedSchema, `GET ${path}`);
  }

  /** Pins a certificate chain (PEM certificates, leaf first) and returns its id. */
  async createCertificatePinned(userId: number, certificateChain: readonly string[]): Promise<number> {
    const path = `/user/${checkId(userId, 'userId')}/certificate-pinned`;
    if (certificateChain.length === 0 || certificateChain.some((pem) => !pem.includes('BEGIN CERTIFICATE'))) {
      throw new BunqInputError(
        'certificateChain must hold at least one PEM certificate ("-----BEGIN CERTIFICATE-----").',
      );
    }
    const result = await this.request({
      method: 'POST',
      path,
      body: { certificate_chain: certificateChain.map((certificate) => ({ certificate })) },
    });
    return unwrapOne(result.items, 'Id', bunqIdSchema, `POST ${path}`).id;
  }

  async deleteCertificatePinned(userId: number, certificatePinnedId: number): Promise<void> {
    const path = `/user/${checkId(userId, 'userId')}/certificate-pinned/${checkId(certificatePinnedId, 'certificatePinnedId')}`;
    await this.request({ method: 'DELETE', path });
  }

  // ---------------------------------------------------------------------------------------------------
  // Internals

  private withKeys(call: BunqRequest, token: string) {
    return { ...call, authToken: token, ...this.sessions.keys() };
  }

  private nextPageQuery(olderUrl: string, path: string): Record<string, string | number> {
    const base = new URL(this.baseUrl);
    const url = new URL(olderUrl, base);
    if (url.origin !== base.origin) {
      // Never send the session token to another host.
      throw new BunqResponseFormatError(`bunq GET ${path}: older_url points at another host; not followed.`);
    }
    const basePath = base.pathname.replace(/\/+$/, '');
    const relative =
      basePath !== '' && url.pathname.startsWith(`${basePath}/`)
        ? url.pathname.slice(basePath.length)
        : url.pathname;
    if (relative !== path) {
      throw new BunqResponseFormatError(
        `bunq GET ${path}: older_url points at another listing (${relative}).`,
      );
    }
    const query: Record<string, string | number> = Object.fromEntries(url.searchParams.entries());
    query.count = MAX_PAGE_SIZE;
    return query;
  }
}

function isBunqError(error: unknown): error is BunqError {
  return error instanceof BunqError;
}

function checkId(value: number, what: string): number {
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw new BunqInputError(`${what} must be a positive integer; got ${String(value)}.`);
  }
  return value;
}

function filterPath(userId: number, monetaryAccountId?: number): string {
  const user = `/user/${checkId(userId, 'userId')}`;
  return monetaryAccountId === undefined
    ? `${user}/notification-filter-url`
    : `${user}/monetary-account/${checkId(monetaryAccountId, 'monetaryAccountId')}/notification-filter-url`;
}
