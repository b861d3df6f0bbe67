/**
 * The bunq API client: installation → device-server → session-server with the state kept in a
 * {@link BunqStateStore}, signed requests, verified responses, typed errors, session renewal, rate limiting,
 * pagination, and the calls the failure poller and the setup tooling need.
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
import type { KeyObject } from 'node:crypto';
import type { z } from 'zod';
import { type Clock, systemClock } from './clock';
import {
  generateRsaKeyPair,
  privateKeyFromPem,
  publicKeyFromPem,
  publicKeyPemOf,
  type RsaKeyPair,
} from './crypto';
import { BunqApiError, BunqError, BunqInputError, BunqResponseFormatError, BunqStateError } from './errors';
import { type BunqLogger, silentLogger } from './logger';
import { type BunqRateLimits, type HttpMethod, resolveRateLimits } from './rate-limiter';
import {
  bunqIdSchema,
  type CertificatePinned,
  certificatePinnedSchema,
  describeIssues,
  type NotificationFilterFailure,
  type NotificationFilterInput,
  type NotificationFilterUrl,
  notificationFilterFailureSchema,
  notificationFilterUrlSchema,
  serverPublicKeySchema,
  tokenSchema,
  userApiKeySchema,
  userObjectSchema,
} from './schemas';
import type { BunqState, BunqStateStore } from './state';
import { type BackoffOptions, type BunqResult, BunqTransport, type FetchLike } from './transport';

export const BUNQ_PRODUCTION_BASE_URL = 'https://api.bunq.com/v1';
export const BUNQ_SANDBOX_BASE_URL = 'https://public-api.sandbox.bunq.com/v1';

/** bunq's maximum page size (API-FACTS 2.8). */
export const MAX_PAGE_SIZE = 200;
/** bunq's maximum number of ids in one retry call (API-FACTS 3). */
export const MAX_RETRY_IDS_PER_CALL = 100;

/**
 * Which id a `UserApiKey` session (an OAuth access token used as API key) yields for `/user/{id}` paths.
 * - `user-api-key` (default): the UserApiKey's own id. bunq's OAuth documentation says to use it as the user
 *   id in paths, and bunq's SDKs do the same.
 * - `granted-by-user`: the bunq user who granted access (the account owner).
 * - `requested-by-user`: the user who requested access (the app owner).
 */
export type ApiKeyUserChoice = 'user-api-key' | 'granted-by-user' | 'requested-by-user';

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

interface ActiveSession {
  readonly token: string;
  readonly userId: number;
  readonly expiresAtMs: number;
}

type UserType = 'UserPerson' | 'UserCompany' | 'UserApiKey' | 'UserPaymentServiceProvider';

export class BunqApiClient {
  readonly baseUrl: string;
  private readonly store: BunqStateStore;
  private readonly transport: BunqTransport;
  private readonly clock: Clock;
  private readonly logger: BunqLogger;
  private readonly options: BunqApiClientOptions;
  private state: BunqState | undefined;
  private signingKey: KeyObject | undefined;
  private serverKey: KeyObject | undefined;
  private queue: Promise<unknown> = Promise.resolve();

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
    this.store = options.stateStore;
    this.clock = options.clock ?? systemClock;
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
      clock: this.clock,
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
      redact: (text) => this.redact(text),
    });
  }

  // ---------------------------------------------------------------------------------------------------
  // Session

  /** Makes sure an installation, a device and a live session exist (creating what is missing). */
  async ensureSession(): Promise<BunqSessionInfo> {
    const session = await this.activeSession();
    return { userId: session.userId, expiresAt: new Date(session.expiresAtMs) };
  }

  /** Opens a new session now, whatever the state of the current one. */
  async resetSession(): Promise<BunqSessionInfo> {
    const current = await this.activeSession();
    const session = await this.activeSession(current.token);
    return { userId: session.userId, expiresAt: new Date(session.expiresAtMs) };
  }

  /** The user id for `/user/{userId}/...` paths (from the session answer; see {@link ApiKeyUserChoice}). */
  async getUserId(): Promise<number> {
    return (await this.activeSession()).userId;
  }

  // ---------------------------------------------------------------------------------------------------
  // Generic calls

  /**
   * One call with the session token, the body signed and the answer verified. When bunq says the session
   * is gone ("Insufficient authorisation." / "Insufficient authentication."), a new session is opened
   * once and the call retried once.
   */
  async request(call: BunqRequest): Promise<BunqResult> {
    const session = await this.activeSession();
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
      const fresh = await this.activeSession(session.token);
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
   * set. bunq replaces, not adds: read with {@link getNotificationFilterUrls}, merge (see
   * `replaceFiltersForTarget`), then write. `[]` removes every filter.
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
    return { ...call, authToken: token, signingKey: this.signingKey, serverPublicKey: this.serverKey };
  }

  /** Runs `task` after every earlier one: session set-up is never done twice at once. */
  private serialized<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(task);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /**
   * The current session, set up as needed. With `staleToken`, a session with that token counts as gone
   * (unless another caller already replaced it, in which case the replacement is returned).
   */
  private activeSession(staleToken?: string): Promise<ActiveSession> {
    return this.serialized(async () => {
      const state = await this.loadState();
      const margin = this.options.sessionExpiryMarginMs ?? 30_000;
      const expiresAtMs =
        state.sessionExpiresAt === undefined ? Number.NaN : Date.parse(state.sessionExpiresAt);
      if (
        state.sessionToken !== undefined &&
        state.sessionToken !== staleToken &&
        state.userId !== undefined &&
        expiresAtMs - margin > this.clock.now()
      ) {
        return { token: state.sessionToken, userId: state.userId, expiresAtMs };
      }
      await this.ensureInstallation();
      await this.ensureDevice();
      return this.createSession();
    });
  }

  private async loadState(): Promise<BunqState> {
    if (this.state !== undefined) return this.state;
    let state = await this.store.load();
    if (
      state.baseUrl !== undefined &&
      state.baseUrl !== this.baseUrl &&
      state.installationToken !== undefined
    ) {
      this.logger.warn('stored bunq installation belongs to another base URL; installing again', {
        storedBaseUrl: state.baseUrl,
        baseUrl: this.baseUrl,
      });
      state = { apiKey: state.apiKey, privateKeyPem: state.privateKeyPem };
    }
    this.state = state;
    this.loadKeys(state);
    return state;
  }

  private loadKeys(state: BunqState): void {
    try {
      this.signingKey =
        state.privateKeyPem === undefined ? undefined : privateKeyFromPem(state.privateKeyPem);
      this.serverKey =
        state.serverPublicKeyPem === undefined ? undefined : publicKeyFromPem(state.serverPublicKeyPem);
    } catch (error) {
      throw new BunqStateError(
        'The stored bunq state holds a key that does not parse (privateKeyPem or serverPublicKeyPem). Remove ' +
          'the installation fields from the state so the client installs again.',
        { cause: error instanceof Error ? new Error(error.name) : undefined },
      );
    }
  }

  private async update(patch: Partial<BunqState>): Promise<BunqState> {
    const next = { ...(this.state ?? (await this.loadState())), ...patch };
    this.state = next;
    this.loadKeys(next);
    await this.store.save(next);
    return next;
  }

  private async ensureInstallation(): Promise<void> {
    const state = await this.loadState();
    if (state.installationToken !== undefined && state.serverPublicKeyPem !== undefined && this.signingKey)
      return;
    const privateKeyPem =
      state.privateKeyPem ?? (await (this.options.generateKeyPair ?? generateRsaKeyPair)()).privateKeyPem;
    const publicKeyPem = publicKeyPemOf(privateKeyFromPem(privateKeyPem));
    const path = '/installation';
    const result = await this.transport.call({
      method: 'POST',
      path,
      body: { client_public_key: publicKeyPem },
    });
    const id = unwrapOne(result.items, 'Id', bunqIdSchema, `POST ${path}`);
    const token = unwrapOne(result.items, 'Token', tokenSchema, `POST ${path}`);
    const serverKey = unwrapOne(result.items, 'ServerPublicKey', serverPublicKeySchema, `POST ${path}`);
    await this.update({
      baseUrl: this.baseUrl,
      privateKeyPem,
      installationId: id.id,
      installationToken: token.token,
      serverPublicKeyPem: serverKey.server_public_key,
      deviceId: undefined,
      sessionId: undefined,
      sessionToken: undefined,
      sessionExpiresAt: undefined,
      userId: undefined,
    });
    this.logger.info('bunq installation created', { installationId: id.id });
  }

  private async ensureDevice(): Promise<void> {
    const state = await this.loadState();
    if (state.deviceId !== undefined) return;
    const permittedIps = this.options.permittedIps ?? ['*'];
    const path = '/device-server';
    const result = await this.transport.call({
      method: 'POST',
      path,
      body: {
        description: this.options.deviceDescription ?? 'bunq-webhooks-aws',
        secret: state.apiKey,
        ...(permittedIps.length > 0 ? { permitted_ips: [...permittedIps] } : {}),
      },
      authToken: this.installationToken(state),
      signingKey: this.signingKey,
      serverPublicKey: this.serverKey,
    });
    const id = unwrapOne(result.items, 'Id', bunqIdSchema, `POST ${path}`);
    await this.update({ deviceId: id.id });
    this.logger.info('bunq device registered', { deviceId: id.id });
  }

  private async createSession(): Promise<ActiveSession> {
    const state = await this.loadState();
    const path = '/session-server';
    const result = await this.transport.call({
      method: 'POST',
      path,
      body: { secret: state.apiKey },
      authToken: this.installationToken(state),
      signingKey: this.signingKey,
      serverPublicKey: this.serverKey,
    });
    const id = unwrapOne(result.items, 'Id', bunqIdSchema, `POST ${path}`);
    const token = unwrapOne(result.items, 'Token', tokenSchema, `POST ${path}`);
    const user = this.sessionUser(result.items, `POST ${path}`);
    const timeoutSeconds = user.sessionTimeoutSeconds ?? this.options.defaultSessionTimeoutSeconds ?? 3_600;
    const expiresAtMs = this.clock.now() + timeoutSeconds * 1_000;
    await this.update({
      sessionId: id.id,
      sessionToken: token.token,
      sessionExpiresAt: new Date(expiresAtMs).toISOString(),
      userId: user.userId,
    });
    this.logger.info('bunq session created', {
      sessionId: id.id,
      userId: user.userId,
      userType: user.userType,
      expiresAt: new Date(expiresAtMs).toISOString(),
    });
    return { token: token.token, userId: user.userId, expiresAtMs };
  }

  private installationToken(state: BunqState): string {
    if (state.installationToken === undefined) {
      throw new BunqStateError(
        'No bunq installation token in the state; the installation step did not complete.',
      );
    }
    return state.installationToken;
  }

  /** Picks the user object of a session answer and the id to use in paths. */
  private sessionUser(
    items: ReadonlyArray<Record<string, unknown>>,
    where: string,
  ): { userId: number; userType: UserType; sessionTimeoutSeconds: number | null } {
    for (const userType of ['UserPerson', 'UserCompany', 'UserPaymentServiceProvider'] as const) {
      const item = items.find((entry) => userType in entry);
      if (item !== undefined) {
        const user = parseWith(userObjectSchema, item[userType], `${where} ${userType}`);
        return { userId: user.id, userType, sessionTimeoutSeconds: user.session_timeout ?? null };
      }
    }
    const apiKeyItem = items.find((entry) => 'UserApiKey' in entry);
    if (apiKeyItem !== undefined) {
      const apiKey = parseWith(userApiKeySchema, apiKeyItem.UserApiKey, `${where} UserApiKey`);
      const requested = anchored(apiKey.requested_by_user);
      const granted = anchored(apiKey.granted_by_user);
      const choice = this.options.apiKeyUser ?? 'user-api-key';
      const chosen =
        choice === 'granted-by-user' ? granted : choice === 'requested-by-user' ? requested : null;
      if (choice !== 'user-api-key' && chosen === null) {
        throw new BunqResponseFormatError(
          `${where}: the UserApiKey has no ${choice === 'granted-by-user' ? 'granted_by_user' : 'requested_by_user'} ` +
            'user object; use apiKeyUser "user-api-key".',
        );
      }
      // bunq's SDKs take the session lifetime from the requesting user.
      const timeout = requested?.session_timeout ?? granted?.session_timeout ?? null;
      return { userId: chosen?.id ?? apiKey.id, userType: 'UserApiKey', sessionTimeoutSeconds: timeout };
    }
    throw new BunqResponseFormatError(
      `${where}: the answer holds no UserPerson, UserCompany, UserApiKey or UserPaymentServiceProvider object.`,
    );
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

  /** Replaces every known secret in server text (error descriptions) with a marker. */
  private redact(text: string): string {
    const state = this.state;
    if (state === undefined) return text;
    let result = text;
    for (const secret of [state.apiKey, state.installationToken, state.sessionToken]) {
      if (secret !== undefined && secret.length >= 8) result = result.split(secret).join('[redacted]');
    }
    return result;
  }
}

function anchored(
  value: z.infer<typeof userApiKeySchema>['requested_by_user'],
): z.infer<typeof userObjectSchema> | null {
  if (value === null || value === undefined) return null;
  return value.UserPerson ?? value.UserCompany ?? value.UserPaymentServiceProvider ?? null;
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

function parseWith<T extends z.ZodType>(schema: T, value: unknown, where: string): z.infer<T> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    throw new BunqResponseFormatError(`${where}: unexpected shape (${describeIssues(parsed.error)}).`);
  }
  return parsed.data;
}

function unwrapOne<T extends z.ZodType>(
  items: ReadonlyArray<Record<string, unknown>>,
  key: string,
  schema: T,
  where: string,
): z.infer<T> {
  const item = items.find((entry) => key in entry);
  if (item === undefined) throw new BunqResponseFormatError(`${where}: the answer has no ${key} item.`);
  return parseWith(schema, item[key], `${where} ${key}`);
}

function unwrapAll<T extends z.ZodType>(
  items: ReadonlyArray<Record<string, unknown>>,
  key: string,
  schema: T,
  where: string,
): Array<z.infer<T>> {
  return items
    .filter((item) => key in item)
    .map((item, index) => parseWith(schema, item[key], `${where} ${key}[${index}]`));
}

/** bunq has used more than one type key for filters; accept any `NotificationFilterUrl*`. */
function unwrapFilters(
  items: ReadonlyArray<Record<string, unknown>>,
  where: string,
): NotificationFilterUrl[] {
  const filters: NotificationFilterUrl[] = [];
  items.forEach((item, index) => {
    const key = Object.keys(item).find((name) => name.startsWith('NotificationFilterUrl'));
    if (key !== undefined)
      filters.push(parseWith(notificationFilterUrlSchema, item[key], `${where} ${key}[${index}]`));
  });
  return filters;
}
