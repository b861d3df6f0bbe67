/**
 * The bunq simulator core: bunq's protocol under `/v1` (installation, device-server, session-server with
 * real RSA signatures; notification filters with replace-all semantics; failure listing with pagination
 * and retry with the 100-id limit; certificate pinning; rate limits; session expiry), callback delivery with
 * bunq's retry schedule, and a control API under `/_simulator` for tests and demos.
 *
 * The core handles requests in memory ({@link BunqSimulator.handle}, {@link BunqSimulator.fetch}); `server.ts`
 * puts it behind node:http. Choices where bunq's behaviour is not documented are listed in `README.md`.
 */
import { type KeyObject, randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import {
  generateRsaKeyPair,
  privateKeyFromPem,
  publicKeyFromPem,
  type RsaKeyPair,
  signBytes,
  verifyBytes,
} from '../shared/bunq/api/crypto';
import {
  type BunqRateLimits,
  endpointOf,
  type HttpMethod,
  resolveRateLimits,
  ruleFor,
  SlidingWindowRateLimiter,
} from '../shared/bunq/api/rate-limiter';
import type { FetchLike } from '../shared/bunq/api/transport';
import { handleControl } from './control';
import { CallbackDeliverer, type DeliveryOutcome, type DeliveryTargetRecord } from './delivery';
import {
  type BunqPaginationJson,
  BunqProtocolError,
  errorBody,
  formatBunqTime,
  jsonBytes,
  randomToken,
  type SimRequest,
  type SimResponse,
  successBody,
} from './protocol';

export const DEFAULT_RETRY_INTERVAL_MS = 60_000;
export const DEFAULT_MAX_DELIVERY_RETRIES = 5;
export const DEFAULT_SESSION_TIMEOUT_SECONDS = 604_800;
export const SESSION_EXPIRED_DESCRIPTION = 'Insufficient authorisation.';
export const SESSION_UNKNOWN_DESCRIPTION = 'Insufficient authentication.';
const MAX_RETRY_IDS = 100;
/** Bounds on what a long-running simulator keeps in memory for inspection. */
const MAX_LOG_ENTRIES = 10_000;
const MAX_DELIVERY_RECORDS = 10_000;
const MAX_COUNT = 200;
const DEFAULT_COUNT = 10;

export type SimUserKind = 'UserPerson' | 'UserCompany' | 'UserApiKey';

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
   * Add `X-Bunq-Server-Signature` (over the body, with the simulator key) to callbacks. bunq documents no
   * callback signature (API-FACTS 1), so this is off by default.
   * @default false
   */
  readonly signCallbacks?: boolean;
  /** The simulator's own key pair. @default a new 2048-bit RSA pair */
  readonly keyPair?: RsaKeyPair;
  /** Time source in epoch milliseconds (fractions give bunq's microseconds). @default performance clock */
  readonly now?: () => number;
  /** Sends callbacks. @default globalThis.fetch */
  readonly fetch?: FetchLike;
  /** One line per API request (method, path, status; never a body or header). @default none */
  readonly log?: (line: string) => void;
}

export interface SimUser {
  readonly id: number;
  readonly kind: SimUserKind;
  readonly apiKey: string;
  readonly sessionTimeoutSeconds: number;
  readonly created: string;
  /** For `UserApiKey`: the ids of the two anchored users. */
  readonly requestedByUserId: number | null;
  readonly grantedByUserId: number | null;
}

export interface CreateUserInput {
  readonly kind?: SimUserKind;
  /** @default a random key */
  readonly apiKey?: string;
  readonly sessionTimeoutSeconds?: number;
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

interface Installation {
  readonly id: number;
  readonly token: string;
  readonly clientPublicKey: KeyObject;
}

interface Device {
  readonly id: number;
  readonly installationId: number;
  readonly userId: number;
}

interface Session {
  readonly id: number;
  readonly token: string;
  readonly installation: Installation;
  readonly userId: number;
  expiresAtMs: number;
}

interface Certificate {
  readonly id: number;
  readonly userId: number;
  readonly chain: readonly string[];
}

interface RouteContext {
  readonly request: SimRequest;
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly params: readonly string[];
}

type RouteHandler = (context: RouteContext) => unknown;

interface Route {
  readonly pattern: RegExp;
  readonly methods: Partial<Record<HttpMethod, RouteHandler>>;
}

/** Creates a simulator (generating its key pair unless one is given). */
export async function createBunqSimulator(options: BunqSimulatorOptions = {}): Promise<BunqSimulator> {
  return new BunqSimulator(options, options.keyPair ?? (await generateRsaKeyPair()));
}

export class BunqSimulator {
  /** The simulator's public key (what installation answers as `server_public_key`). */
  readonly serverPublicKeyPem: string;
  /** API calls received, in order (the latest 10000). */
  readonly requestLog: RequestLogEntry[] = [];

  private readonly options: BunqSimulatorOptions;
  private readonly serverKey: KeyObject;
  private readonly now: () => number;
  private readonly limiter: SlidingWindowRateLimiter;
  private readonly rateLimits: BunqRateLimits | false;
  private readonly deliverer: CallbackDeliverer;
  private readonly routes: readonly Route[];
  private readonly sequences = new Map<string, number>();
  private readonly users = new Map<number, SimUser>();
  private readonly installations = new Map<string, Installation>();
  private readonly devices: Device[] = [];
  private readonly sessions = new Map<string, Session>();
  private readonly filters = new Map<string, SimFilter[]>();
  private readonly failures = new Map<number, SimFailure>();
  private readonly certificates = new Map<number, Certificate>();
  private readonly deliveries: DeliveryRecord[] = [];
  private readonly faults: Array<SimulatorFault & { remaining: number }> = [];
  private readonly seenRequestIds = new Set<string>();

  constructor(options: BunqSimulatorOptions, keyPair: RsaKeyPair) {
    this.options = options;
    this.serverKey = privateKeyFromPem(keyPair.privateKeyPem);
    this.serverPublicKeyPem = keyPair.publicKeyPem;
    this.now = options.now ?? (() => performance.timeOrigin + performance.now());
    this.limiter = new SlidingWindowRateLimiter({ now: this.now });
    this.rateLimits = options.rateLimits === false ? false : resolveRateLimits(options.rateLimits);
    this.deliverer = new CallbackDeliverer({
      fetch: options.fetch ?? ((url, init) => fetch(url, init)),
      retryIntervalMs: options.retryIntervalMs ?? DEFAULT_RETRY_INTERVAL_MS,
      timeoutMs: options.deliveryTimeoutMs ?? 10_000,
      now: this.now,
      ...(options.signCallbacks
        ? { headersFor: (bytes: Buffer) => ({ 'X-Bunq-Server-Signature': signBytes(bytes, this.serverKey) }) }
        : {}),
    });
    this.routes = this.buildRoutes();
  }

  /**
   * A `fetch` that hands requests to this simulator in memory (any origin; the path decides), for clients
   * under test without sockets. A dropped connection rejects like a network error.
   */
  readonly fetch: FetchLike = async (url, init) => {
    const target = new URL(url);
    const headers: Record<string, string> = {};
    new Headers(init.headers).forEach((value, name) => {
      headers[name.toLowerCase()] = value;
    });
    const body = await bodyBytes(init.body);
    const answer = await this.handle({
      method: (init.method ?? 'GET').toUpperCase(),
      url: `${target.pathname}${target.search}`,
      headers,
      body,
      remoteAddress: '127.0.0.1',
    });
    if (answer.drop) {
      throw new TypeError('fetch failed', {
        cause: Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }),
      });
    }
    return new Response(answer.body.length === 0 ? null : new Uint8Array(answer.body), {
      status: answer.status,
      headers: answer.headers,
    });
  };

  /** Handles one request: `/v1/...` as bunq, `/_simulator/...` as the control API. */
  async handle(request: SimRequest): Promise<SimResponse> {
    const url = new URL(request.url, 'http://simulator.invalid');
    if (url.pathname === '/_simulator' || url.pathname.startsWith('/_simulator/')) {
      return handleControl(this, request, url);
    }
    if (url.pathname.startsWith('/v1/')) return this.handleApi(request, url);
    return {
      status: 404,
      headers: { 'content-type': 'application/json' },
      body: jsonBytes({ error: 'Not found: the bunq API is under /v1, the control API under /_simulator.' }),
    };
  }

  // -------------------------------------------------------------------------------------------------
  // Control surface (also used by the /_simulator endpoints)

  /** Creates a user with an API key. For `UserApiKey`, two anchored users are created as well. */
  createUser(input: CreateUserInput = {}): SimUser {
    const kind = input.kind ?? 'UserPerson';
    const timeout =
      input.sessionTimeoutSeconds ?? this.options.sessionTimeoutSeconds ?? DEFAULT_SESSION_TIMEOUT_SECONDS;
    const apiKey = input.apiKey ?? `sim_${randomToken(32)}`;
    if ([...this.users.values()].some((user) => user.apiKey === apiKey)) {
      throw new BunqProtocolError(400, 'A user with this API key exists already.');
    }
    const user: SimUser = {
      id: this.next('user'),
      kind,
      apiKey,
      sessionTimeoutSeconds: timeout,
      created: this.time(),
      requestedByUserId: kind === 'UserApiKey' ? this.next('user') : null,
      grantedByUserId: kind === 'UserApiKey' ? this.next('user') : null,
    };
    this.users.set(user.id, user);
    return user;
  }

  listUsers(): SimUser[] {
    return [...this.users.values()];
  }

  /** Replaces the user-level filters (and account-level ones for the accounts named) of a user. */
  setNotificationFilters(userId: number, filters: readonly SimFilterInput[]): SimFilter[] {
    this.requireUser(userId);
    const byScope = new Map<number | null, SimFilterInput[]>([[null, []]]);
    for (const filter of filters) {
      const scope = filter.monetaryAccountId ?? null;
      byScope.set(scope, [...(byScope.get(scope) ?? []), filter]);
    }
    for (const [scope, group] of byScope) this.replaceFilters(userId, scope, group);
    return this.allFilters(userId);
  }

  /** Every filter of the user, user-level and account-level. */
  allFilters(userId: number): SimFilter[] {
    return [...this.filters.values()].flat().filter((filter) => filter.userId === userId);
  }

  /**
   * Delivers a callback to every filter of the user matching its category (user-level, and account-level
   * for `monetaryAccountId` or the object's `monetary_account_id`): one delivery per distinct target.
   */
  emit(userId: number, callback: unknown, monetaryAccountId?: number): DeliveryRecord {
    this.requireUser(userId);
    const facts = callbackFacts(callback);
    const accountId = monetaryAccountId ?? facts.monetaryAccountId;
    const matching = this.allFilters(userId).filter(
      (filter) =>
        filter.category === facts.category &&
        (filter.monetaryAccountId === null || filter.monetaryAccountId === accountId),
    );
    const targets = [...new Set(matching.map((filter) => filter.target))];
    const delivery: DeliveryRecord = {
      id: this.next('delivery'),
      userId,
      source: 'emit',
      category: facts.category,
      eventType: facts.eventType,
      objectId: facts.objectId,
      created: this.time(),
      targets: targets.map((target) => ({ target, state: 'pending', attempts: [], failureId: null })),
    };
    this.keepDelivery(delivery);
    for (const record of delivery.targets) {
      const body = JSON.stringify(withTargetUrl(callback, record.target));
      this.deliverer.deliver({
        record,
        body,
        tries: 1 + (this.options.maxDeliveryRetries ?? DEFAULT_MAX_DELIVERY_RETRIES),
        onDone: (outcome) => {
          if (outcome.ok) return;
          record.failureId = this.storeFailure(userId, facts, record.target, body, outcome);
        },
      });
    }
    return delivery;
  }

  /** Stores failure records directly (e.g. 450 of them to test pagination). Returns their ids. */
  seedFailures(userId: number, input: number | readonly SeedFailureInput[]): number[] {
    this.requireUser(userId);
    const list: readonly SeedFailureInput[] =
      typeof input === 'number' ? Array.from({ length: input }, () => ({})) : input;
    return list.map((seed) => {
      const category = seed.category ?? 'MUTATION';
      const eventType = seed.event_type ?? (category === 'MUTATION' ? 'MUTATION_CREATED' : null);
      const objectId = seed.object_id ?? this.next('object');
      const target = seed.notification_target ?? 'https://callback.invalid/bunq';
      const body =
        seed.body === undefined
          ? {
              NotificationUrl: {
                target_url: target,
                category,
                event_type: eventType,
                object: { Payment: { id: objectId, created: this.time(), updated: this.time() } },
              },
            }
          : seed.body;
      return this.storeFailure(
        userId,
        { category, eventType, objectId, monetaryAccountId: null },
        target,
        JSON.stringify(body),
        {
          ok: false,
          responseCode: seed.response_code === undefined ? 500 : seed.response_code,
          exceptionMessage: seed.exception_message ?? 'The callback target answered HTTP 500.',
        },
      );
    });
  }

  /** The user's failure records as bunq lists them, newest first (only those still listed). */
  listFailures(userId: number): Array<Record<string, unknown>> {
    return this.userFailures(userId).map((failure) => this.failureJson(failure));
  }

  /** Deliveries so far (the latest 10000), oldest first, with the state of each target. */
  listDeliveries(): Array<Record<string, unknown>> {
    return this.deliveries.map((delivery) => deliveryJson(delivery));
  }

  getDelivery(id: number): Record<string, unknown> | null {
    const delivery = this.deliveries.find((entry) => entry.id === id);
    return delivery === undefined ? null : deliveryJson(delivery);
  }

  /** Resolves when no callback delivery (first delivery, retries, redeliveries) is pending. */
  idle(): Promise<void> {
    return this.deliverer.idle();
  }

  /** Number of deliveries in progress. */
  get pendingDeliveries(): number {
    return this.deliverer.inFlight;
  }

  /** Ends every session (of one user, or all): the next call answers 401 "Insufficient authorisation.". */
  expireSessions(userId?: number): number {
    let expired = 0;
    for (const session of this.sessions.values()) {
      if (userId === undefined || session.userId === userId) {
        session.expiresAtMs = Math.min(session.expiresAtMs, this.now() - 1);
        expired += 1;
      }
    }
    return expired;
  }

  /** Scripts a misbehaviour for the next matching call(s). */
  injectFault(fault: SimulatorFault): void {
    this.faults.push({ ...fault, remaining: fault.times ?? 1 });
  }

  clearFaults(): void {
    this.faults.length = 0;
  }

  /** Stops all delivery timers and in-flight callbacks. */
  close(): void {
    this.deliverer.close();
  }

  // -------------------------------------------------------------------------------------------------
  // bunq API

  private async handleApi(request: SimRequest, url: URL): Promise<SimResponse> {
    const method = request.method.toUpperCase();
    const path = url.pathname.slice('/v1'.length);
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'x-bunq-client-response-id': randomUUID(),
    };
    const requestId = request.headers['x-bunq-client-request-id'];
    if (requestId !== undefined) headers['x-bunq-client-request-id'] = requestId;

    const fault = this.takeFault(method, path);
    let status: number;
    let payload: unknown;
    let sign = true;
    if (fault?.kind === 'drop-connection') {
      this.record(method, url, 0, request.body);
      return { status: 0, headers, body: Buffer.alloc(0), drop: true };
    }
    if (fault?.kind === 'error') {
      status = fault.status;
      payload = errorBody(fault.description ?? `Simulated HTTP ${fault.status}.`);
      sign = fault.signed ?? fault.status !== 429;
    } else {
      const limited = this.rateLimited(request, method, path);
      if (limited !== null) {
        status = 429;
        payload = errorBody(limited);
        sign = false; // bunq's 429 bodies come unsigned
      } else {
        try {
          this.checkHeaders(request);
          payload = await this.route(request, method, path, url.searchParams);
          status = 200;
        } catch (error) {
          if (!(error instanceof BunqProtocolError)) throw error;
          status = error.status;
          payload = errorBody(error.description);
        }
      }
    }

    let body = jsonBytes(payload);
    if (sign && fault?.kind !== 'unsigned-response') {
      headers['x-bunq-server-signature'] = signBytes(body, this.serverKey);
    }
    if (fault?.kind === 'tamper-response-body') body = tamper(body);
    this.record(method, url, status, request.body);
    return { status, headers, body };
  }

  private record(method: string, url: URL, status: number, body: Buffer): void {
    const path = `${url.pathname.slice('/v1'.length)}${url.search}`;
    this.requestLog.push({ method, path, status, body: body.toString('utf8') });
    if (this.requestLog.length > MAX_LOG_ENTRIES)
      this.requestLog.splice(0, this.requestLog.length - MAX_LOG_ENTRIES);
    this.options.log?.(`${method} /v1${path} -> ${status === 0 ? 'dropped' : status}`);
  }

  private takeFault(method: string, path: string): SimulatorFault | null {
    const index = this.faults.findIndex(
      (fault) =>
        (fault.method === undefined || fault.method.toUpperCase() === method) &&
        (fault.path === undefined ||
          (typeof fault.path === 'string' ? path.includes(fault.path) : fault.path.test(path))),
    );
    if (index < 0) return null;
    const fault = this.faults[index];
    if (fault === undefined) return null;
    fault.remaining -= 1;
    if (fault.remaining <= 0) this.faults.splice(index, 1);
    return fault;
  }

  private rateLimited(request: SimRequest, method: string, path: string): string | null {
    if (this.rateLimits === false || !isHttpMethod(method)) return null;
    const endpoint = endpointOf(path);
    const rule = ruleFor(this.rateLimits, method, endpoint);
    const wait = this.limiter.tryAcquire(`${request.remoteAddress} ${method} ${endpoint}`, rule);
    if (wait === 0) return null;
    const seconds = Math.max(1, Math.round(rule.windowMs / 1000));
    return `Too many requests. You can do a maximum of ${rule.limit} calls per ${seconds} second to this endpoint.`;
  }

  private checkHeaders(request: SimRequest): void {
    if (this.options.strictHeaders === false) return;
    for (const name of ['User-Agent', 'X-Bunq-Client-Request-Id', 'X-Bunq-Geolocation']) {
      if (!request.headers[name.toLowerCase()]) {
        throw new BunqProtocolError(400, `The header "${name}" is required.`);
      }
    }
    const requestId = request.headers['x-bunq-client-request-id'] ?? '';
    if (this.seenRequestIds.has(requestId)) {
      throw new BunqProtocolError(400, 'The request id in "X-Bunq-Client-Request-Id" was used before.');
    }
    if (this.seenRequestIds.size >= 100_000) this.seenRequestIds.clear();
    this.seenRequestIds.add(requestId);
  }

  private async route(
    request: SimRequest,
    method: string,
    path: string,
    query: URLSearchParams,
  ): Promise<unknown> {
    for (const route of this.routes) {
      const match = route.pattern.exec(path);
      if (match === null) continue;
      const handler = isHttpMethod(method) ? route.methods[method] : undefined;
      if (handler === undefined) {
        throw new BunqProtocolError(405, `Method ${method} is not allowed on this endpoint.`);
      }
      return handler({ request, method, path, query, params: match.slice(1) });
    }
    throw new BunqProtocolError(404, 'Route not found.');
  }

  private buildRoutes(): Route[] {
    return [
      { pattern: /^\/installation$/, methods: { POST: (c) => this.postInstallation(c) } },
      { pattern: /^\/device-server$/, methods: { POST: (c) => this.postDevice(c) } },
      { pattern: /^\/session-server$/, methods: { POST: (c) => this.postSession(c) } },
      {
        pattern: /^\/user\/(\d+)\/notification-filter-url$/,
        methods: { GET: (c) => this.getFilters(c, null), POST: (c) => this.postFilters(c, null) },
      },
      {
        pattern: /^\/user\/(\d+)\/monetary-account\/(\d+)\/notification-filter-url$/,
        methods: {
          GET: (c) => this.getFilters(c, Number(c.params[1])),
          POST: (c) => this.postFilters(c, Number(c.params[1])),
        },
      },
      {
        pattern: /^\/user\/(\d+)\/notification-filter-failure$/,
        methods: { GET: (c) => this.getFailures(c), POST: (c) => this.postFailureRetry(c) },
      },
      {
        pattern: /^\/user\/(\d+)\/certificate-pinned$/,
        methods: { GET: (c) => this.listCertificates(c), POST: (c) => this.postCertificate(c) },
      },
      {
        pattern: /^\/user\/(\d+)\/certificate-pinned\/(\d+)$/,
        methods: { GET: (c) => this.getCertificate(c), DELETE: (c) => this.deleteCertificate(c) },
      },
    ];
  }

  private postInstallation(context: RouteContext): unknown {
    const body = jsonBody(context.request, ['client_public_key']);
    const pem = body.client_public_key;
    let clientPublicKey: KeyObject;
    try {
      if (typeof pem !== 'string') throw new Error('not a string');
      clientPublicKey = publicKeyFromPem(pem);
      if (clientPublicKey.asymmetricKeyType !== 'rsa') throw new Error('not RSA');
    } catch {
      throw new BunqProtocolError(
        400,
        'The field "client_public_key" must be an RSA public key in PEM format.',
      );
    }
    const installation: Installation = {
      id: this.next('installation'),
      token: randomToken(32),
      clientPublicKey,
    };
    this.installations.set(installation.token, installation);
    return successBody([
      { Id: { id: installation.id } },
      {
        Token: {
          id: this.next('token'),
          created: this.time(),
          updated: this.time(),
          token: installation.token,
        },
      },
      { ServerPublicKey: { server_public_key: this.serverPublicKeyPem } },
    ]);
  }

  private postDevice(context: RouteContext): unknown {
    const installation = this.installationOf(context.request);
    this.checkSignature(context.request, installation, false);
    const body = jsonBody(context.request, ['description', 'secret', 'permitted_ips']);
    if (typeof body.description !== 'string' || body.description === '') {
      throw new BunqProtocolError(400, 'The field "description" is required.');
    }
    if (body.permitted_ips !== undefined && !isStringArray(body.permitted_ips)) {
      throw new BunqProtocolError(400, 'The field "permitted_ips" must be a list of addresses.');
    }
    const user = this.userByApiKey(body.secret);
    const existing = this.devices.find((d) => d.installationId === installation.id && d.userId === user.id);
    const device = existing ?? { id: this.next('device'), installationId: installation.id, userId: user.id };
    if (existing === undefined) this.devices.push(device);
    return successBody([{ Id: { id: device.id } }]);
  }

  private postSession(context: RouteContext): unknown {
    const installation = this.installationOf(context.request);
    this.checkSignature(context.request, installation, true);
    const body = jsonBody(context.request, ['secret']);
    const user = this.userByApiKey(body.secret);
    if (!this.devices.some((d) => d.installationId === installation.id && d.userId === user.id)) {
      throw new BunqProtocolError(400, 'No device is registered for this API key on this installation.');
    }
    const session: Session = {
      id: this.next('session'),
      token: randomToken(32),
      installation,
      userId: user.id,
      expiresAtMs: this.now() + user.sessionTimeoutSeconds * 1_000,
    };
    this.sessions.set(session.token, session);
    return successBody([
      { Id: { id: session.id } },
      { Token: { id: this.next('token'), created: this.time(), updated: this.time(), token: session.token } },
      this.userJson(user),
    ]);
  }

  private getFilters(context: RouteContext, monetaryAccountId: number | null): unknown {
    const userId = this.authorize(context);
    return successBody(this.scopeFilters(userId, monetaryAccountId).map((filter) => filterJson(filter)));
  }

  private postFilters(context: RouteContext, monetaryAccountId: number | null): unknown {
    const userId = this.authorize(context);
    const body = jsonBody(context.request, ['notification_filters']);
    if (!Array.isArray(body.notification_filters)) {
      throw new BunqProtocolError(400, 'The field "notification_filters" must be a list.');
    }
    const inputs = body.notification_filters.map((entry: unknown, index: number): SimFilterInput => {
      const item = isRecord(entry) ? entry : {};
      if (typeof item.category !== 'string' || item.category === '') {
        throw new BunqProtocolError(400, `notification_filters[${index}].category is required.`);
      }
      if (typeof item.notification_target !== 'string' || !this.isTargetUrl(item.notification_target)) {
        throw new BunqProtocolError(
          400,
          `notification_filters[${index}].notification_target must be an ${this.options.requireHttpsTargets ? 'https' : 'http(s)'} URL.`,
        );
      }
      return { category: item.category, notification_target: item.notification_target, monetaryAccountId };
    });
    const written = this.replaceFilters(userId, monetaryAccountId, inputs);
    return successBody(written.map((filter) => filterJson(filter)));
  }

  private getFailures(context: RouteContext): unknown {
    const userId = this.authorize(context);
    const count = intParam(context.query, 'count', DEFAULT_COUNT);
    if (count < 1 || count > MAX_COUNT) {
      throw new BunqProtocolError(400, `The parameter "count" must be between 1 and ${MAX_COUNT}.`);
    }
    const olderId = optionalIntParam(context.query, 'older_id');
    const newerId = optionalIntParam(context.query, 'newer_id');
    const all = this.userFailures(userId); // newest (highest id) first
    let page: SimFailure[];
    if (olderId !== null) page = all.filter((failure) => failure.id < olderId).slice(0, count);
    else if (newerId !== null) page = all.filter((failure) => failure.id > newerId).slice(-count);
    else page = all.slice(0, count);

    const base = `/v1/user/${userId}/notification-filter-failure?${context.query.has('count') ? `count=${count}&` : ''}`;
    const lowest = page.at(-1)?.id;
    const highest = page[0]?.id;
    const older_url =
      lowest !== undefined && all.some((failure) => failure.id < lowest) ? `${base}older_id=${lowest}` : null;
    const newer_url =
      (olderId !== null || newerId !== null) &&
      highest !== undefined &&
      all.some((failure) => failure.id > highest)
        ? `${base}newer_id=${highest}`
        : null;
    const anchor = highest ?? newerId ?? (olderId !== null ? olderId - 1 : 0);
    const pagination: BunqPaginationJson = {
      future_url: newer_url === null ? `${base}newer_id=${anchor}` : null,
      newer_url,
      older_url,
    };
    return successBody(
      page.map((failure) => ({ NotificationFilterFailure: this.failureJson(failure) })),
      pagination,
    );
  }

  private postFailureRetry(context: RouteContext): unknown {
    const userId = this.authorize(context);
    const body = jsonBody(context.request, ['notification_filter_failed_ids']);
    const text = body.notification_filter_failed_ids;
    if (typeof text !== 'string' || !/^[0-9]+(,[0-9]+)*$/.test(text)) {
      throw new BunqProtocolError(
        400,
        'The field "notification_filter_failed_ids" must be a comma-separated list of ids, e.g. "1,2,3".',
      );
    }
    const ids = [...new Set(text.split(',').map(Number))];
    if (text.split(',').length > MAX_RETRY_IDS) {
      throw new BunqProtocolError(400, `A maximum of ${MAX_RETRY_IDS} ids is allowed per request.`);
    }
    const found = ids.map((id) => this.failures.get(id));
    if (found.some((failure) => failure === undefined || failure.userId !== userId)) {
      throw new BunqProtocolError(404, 'NotificationFilterFailure not found.');
    }
    for (const failure of found) if (failure !== undefined) this.redeliver(failure);
    return successBody([]);
  }

  private listCertificates(context: RouteContext): unknown {
    const userId = this.authorize(context);
    return successBody(
      [...this.certificates.values()]
        .filter((certificate) => certificate.userId === userId)
        .map((certificate) => ({ CertificatePinned: certificateJson(certificate) })),
    );
  }

  private getCertificate(context: RouteContext): unknown {
    const certificate = this.certificateOf(context);
    return successBody([{ CertificatePinned: certificateJson(certificate) }]);
  }

  private postCertificate(context: RouteContext): unknown {
    const userId = this.authorize(context);
    const body = jsonBody(context.request, ['certificate_chain']);
    const chain = body.certificate_chain;
    if (
      !Array.isArray(chain) ||
      chain.length === 0 ||
      !chain.every(
        (entry: unknown) =>
          isRecord(entry) &&
          typeof entry.certificate === 'string' &&
          entry.certificate.includes('-----BEGIN CERTIFICATE-----'),
      )
    ) {
      throw new BunqProtocolError(
        400,
        'The field "certificate_chain" must be a list of {"certificate": "<PEM certificate>"} objects.',
      );
    }
    const certificate: Certificate = {
      id: this.next('certificate'),
      userId,
      chain: chain.map((entry: { certificate: string }) => entry.certificate),
    };
    this.certificates.set(certificate.id, certificate);
    return successBody([{ Id: { id: certificate.id } }]);
  }

  private deleteCertificate(context: RouteContext): unknown {
    const certificate = this.certificateOf(context);
    this.certificates.delete(certificate.id);
    return successBody([]);
  }

  // -------------------------------------------------------------------------------------------------
  // Helpers

  private certificateOf(context: RouteContext): Certificate {
    const userId = this.authorize(context);
    const certificate = this.certificates.get(Number(context.params[1]));
    if (certificate === undefined || certificate.userId !== userId) {
      throw new BunqProtocolError(404, 'CertificatePinned not found.');
    }
    return certificate;
  }

  /** Checks the session token (and the body signature when present) and that the path is the user's. */
  private authorize(context: RouteContext): number {
    const token = context.request.headers['x-bunq-client-authentication'];
    const session = token === undefined ? undefined : this.sessions.get(token);
    if (session === undefined) throw new BunqProtocolError(401, SESSION_UNKNOWN_DESCRIPTION);
    if (session.expiresAtMs <= this.now()) {
      this.sessions.delete(session.token);
      throw new BunqProtocolError(401, SESSION_EXPIRED_DESCRIPTION);
    }
    this.checkSignature(context.request, session.installation, false);
    const pathUserId = Number(context.params[0]);
    if (pathUserId !== session.userId) {
      throw new BunqProtocolError(403, 'This session has no access to that user.');
    }
    return session.userId;
  }

  private installationOf(request: SimRequest): Installation {
    const token = request.headers['x-bunq-client-authentication'];
    const installation = token === undefined ? undefined : this.installations.get(token);
    if (installation === undefined) throw new BunqProtocolError(401, SESSION_UNKNOWN_DESCRIPTION);
    return installation;
  }

  /** Verifies X-Bunq-Client-Signature over the raw body: missing and required → 466; wrong → 401. */
  private checkSignature(request: SimRequest, installation: Installation, required: boolean): void {
    const signature = request.headers['x-bunq-client-signature'];
    if (signature === undefined || signature === '') {
      if (required) {
        throw new BunqProtocolError(
          466,
          'This request must be signed: the X-Bunq-Client-Signature header is missing.',
        );
      }
      return;
    }
    if (!verifyBytes(request.body, signature, installation.clientPublicKey)) {
      throw new BunqProtocolError(401, 'The request signature is invalid.');
    }
  }

  private userByApiKey(secret: unknown): SimUser {
    const user = [...this.users.values()].find((candidate) => candidate.apiKey === secret);
    if (typeof secret !== 'string' || user === undefined) {
      throw new BunqProtocolError(400, 'User credentials are incorrect. Incorrect API key or IP address.');
    }
    return user;
  }

  private requireUser(userId: number): SimUser {
    const user = this.users.get(userId);
    if (user === undefined) throw new BunqProtocolError(404, `No simulator user ${userId}.`);
    return user;
  }

  private userJson(user: SimUser): Record<string, unknown> {
    const person = (id: number, kind: 'UserPerson' | 'UserCompany') => ({
      id,
      created: user.created,
      updated: user.created,
      status: 'ACTIVE',
      display_name: `Simulated ${kind === 'UserPerson' ? 'person' : 'company'} ${id}`,
      public_nick_name: `Simulated ${id}`,
      session_timeout: user.sessionTimeoutSeconds,
    });
    if (user.kind !== 'UserApiKey') return { [user.kind]: person(user.id, user.kind) };
    return {
      UserApiKey: {
        id: user.id,
        created: user.created,
        updated: user.created,
        requested_by_user: { UserCompany: person(user.requestedByUserId ?? 0, 'UserCompany') },
        granted_by_user: { UserPerson: person(user.grantedByUserId ?? 0, 'UserPerson') },
      },
    };
  }

  private isTargetUrl(value: string): boolean {
    try {
      const url = new URL(value);
      return url.protocol === 'https:' || (!this.options.requireHttpsTargets && url.protocol === 'http:');
    } catch {
      return false;
    }
  }

  private scopeFilters(userId: number, monetaryAccountId: number | null): SimFilter[] {
    return this.filters.get(scopeKey(userId, monetaryAccountId)) ?? [];
  }

  private replaceFilters(
    userId: number,
    monetaryAccountId: number | null,
    inputs: readonly SimFilterInput[],
  ): SimFilter[] {
    const perCategory = new Map<string, Set<string>>();
    for (const input of inputs) {
      const targets = perCategory.get(input.category) ?? new Set<string>();
      targets.add(input.notification_target);
      perCategory.set(input.category, targets);
      if (targets.size > 2) {
        throw new BunqProtocolError(
          400,
          `At most 2 callback URLs are allowed per category (${input.category}).`,
        );
      }
    }
    const created = this.time();
    const written = inputs.map((input) => ({
      id: this.next('filter'),
      userId,
      monetaryAccountId,
      category: input.category,
      target: input.notification_target,
      created,
    }));
    this.filters.set(scopeKey(userId, monetaryAccountId), written);
    return written;
  }

  private userFailures(userId: number): SimFailure[] {
    return [...this.failures.values()]
      .filter((failure) => failure.userId === userId)
      .sort((a, b) => b.id - a.id);
  }

  private storeFailure(
    userId: number,
    facts: CallbackFacts,
    target: string,
    body: string,
    outcome: Extract<DeliveryOutcome, { ok: false }>,
  ): number {
    const now = this.time();
    const failure: SimFailure = {
      id: this.next('failure'),
      userId,
      created: now,
      updated: now,
      category: facts.category,
      eventType: facts.eventType,
      objectId: facts.objectId,
      exceptionMessage: outcome.exceptionMessage,
      responseCode: outcome.responseCode,
      target,
      body,
      retrying: false,
    };
    this.failures.set(failure.id, failure);
    return failure.id;
  }

  /** A retry POST: re-send the stored body to the stored target; delivered → the failure leaves the listing. */
  private redeliver(failure: SimFailure): void {
    if (failure.retrying) return; // already being re-sent
    failure.retrying = true;
    const record: DeliveryTargetRecord = {
      target: failure.target,
      state: 'pending',
      attempts: [],
      failureId: failure.id,
    };
    this.keepDelivery({
      id: this.next('delivery'),
      userId: failure.userId,
      source: 'retry',
      category: failure.category,
      eventType: failure.eventType,
      objectId: failure.objectId,
      created: this.time(),
      targets: [record],
    });
    const fullSchedule = this.options.redelivery === 'full-schedule';
    this.deliverer.deliver({
      record,
      body: failure.body,
      tries: fullSchedule ? 1 + (this.options.maxDeliveryRetries ?? DEFAULT_MAX_DELIVERY_RETRIES) : 1,
      onDone: (outcome) => {
        failure.retrying = false;
        if (outcome.ok) {
          this.failures.delete(failure.id);
          return;
        }
        failure.updated = this.time();
        failure.exceptionMessage = outcome.exceptionMessage;
        failure.responseCode = outcome.responseCode;
      },
    });
  }

  private keepDelivery(delivery: DeliveryRecord): void {
    this.deliveries.push(delivery);
    if (this.deliveries.length > MAX_DELIVERY_RECORDS) this.deliveries.shift();
  }

  private failureJson(failure: SimFailure): Record<string, unknown> {
    // Filters are looked up now: a filter deleted since the failure no longer shows (API-FACTS 3).
    const filters = this.allFilters(failure.userId).filter(
      (filter) => filter.target === failure.target && filter.category === failure.category,
    );
    const unique = new Map(filters.map((filter) => [`${filter.category} ${filter.target}`, filter]));
    return {
      id: failure.id,
      created: failure.created,
      updated: failure.updated,
      category: failure.category,
      event_type: failure.eventType,
      object_id: failure.objectId,
      exception_message: failure.exceptionMessage,
      response_code: failure.responseCode,
      notification_filters: [...unique.values()].map((filter) => ({
        notification_delivery_method: 'URL',
        notification_target: filter.target,
        category: filter.category,
      })),
    };
  }

  private next(sequence: string): number {
    const value = (this.sequences.get(sequence) ?? 0) + 1;
    this.sequences.set(sequence, value);
    return value;
  }

  private time(): string {
    return formatBunqTime(this.now());
  }
}

interface CallbackFacts {
  readonly category: string;
  readonly eventType: string | null;
  readonly objectId: number | null;
  readonly monetaryAccountId: number | null;
}

/** Category, event type, object id and account of a `{"NotificationUrl":{...}}` body; 400 when it is not one. */
function callbackFacts(callback: unknown): CallbackFacts {
  const notification = isRecord(callback) ? callback.NotificationUrl : undefined;
  if (!isRecord(notification) || typeof notification.category !== 'string' || notification.category === '') {
    throw new BunqProtocolError(
      400,
      'The callback must be a {"NotificationUrl": {"category": ..., ...}} body.',
    );
  }
  const holder = isRecord(notification.object) ? notification.object : {};
  const object = Object.values(holder)[0];
  const objectId = isRecord(object) && typeof object.id === 'number' ? object.id : null;
  const accountId =
    isRecord(object) && typeof object.monetary_account_id === 'number' ? object.monetary_account_id : null;
  return {
    category: notification.category,
    eventType: typeof notification.event_type === 'string' ? notification.event_type : null,
    objectId,
    monetaryAccountId: accountId,
  };
}

/** The body bunq sends a target: the callback with `target_url` set to that target. */
function withTargetUrl(callback: unknown, target: string): unknown {
  if (!isRecord(callback) || !isRecord(callback.NotificationUrl)) return callback;
  return { ...callback, NotificationUrl: { ...callback.NotificationUrl, target_url: target } };
}

function filterJson(filter: SimFilter): Record<string, unknown> {
  return {
    NotificationFilterUrl: {
      id: filter.id,
      created: filter.created,
      updated: filter.created,
      category: filter.category,
      notification_target: filter.target,
    },
  };
}

function certificateJson(certificate: Certificate): Record<string, unknown> {
  return { id: certificate.id, certificate_chain: certificate.chain.join('\n') };
}

function deliveryJson(delivery: DeliveryRecord): Record<string, unknown> {
  const states = delivery.targets.map((target) => target.state);
  const state =
    states.length === 0
      ? 'no-match'
      : states.includes('pending')
        ? 'pending'
        : states.every((entry) => entry === 'delivered')
          ? 'delivered'
          : 'failed';
  return {
    id: delivery.id,
    userId: delivery.userId,
    source: delivery.source,
    category: delivery.category,
    event_type: delivery.eventType,
    object_id: delivery.objectId,
    created: delivery.created,
    state,
    targets: delivery.targets.map((target) => ({
      target: target.target,
      state: target.state,
      failureId: target.failureId,
      attempts: target.attempts,
    })),
  };
}

function scopeKey(userId: number, monetaryAccountId: number | null): string {
  return monetaryAccountId === null ? `${userId}` : `${userId}/${monetaryAccountId}`;
}

/** The JSON object body; 400 for bad JSON and for fields the endpoint does not know (like bunq). */
function jsonBody(request: SimRequest, allowed: readonly string[]): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(request.body.toString('utf8'));
  } catch {
    throw new BunqProtocolError(400, 'The request body is not valid JSON.');
  }
  if (!isRecord(value)) throw new BunqProtocolError(400, 'The request body must be a JSON object.');
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key)) throw new BunqProtocolError(400, `Superfluous field "${key}".`);
  }
  return value;
}

function intParam(query: URLSearchParams, name: string, fallback: number): number {
  return optionalIntParam(query, name) ?? fallback;
}

function optionalIntParam(query: URLSearchParams, name: string): number | null {
  const text = query.get(name);
  if (text === null) return null;
  if (!/^\d+$/.test(text))
    throw new BunqProtocolError(400, `The parameter "${name}" must be a whole number.`);
  return Number(text);
}

function tamper(body: Buffer): Buffer {
  const text = body.toString('utf8');
  // Still valid JSON, so only the signature can tell.
  return Buffer.from(text.endsWith('}') ? `${text.slice(0, -1)},"tampered":true}` : `${text} `, 'utf8');
}

async function bodyBytes(body: RequestInit['body']): Promise<Buffer> {
  if (body === undefined || body === null) return Buffer.alloc(0);
  if (typeof body === 'string') return Buffer.from(body, 'utf8');
  if (body instanceof Uint8Array) return Buffer.from(body);
  if (body instanceof ArrayBuffer) return Buffer.from(body);
  return Buffer.from(await new Response(body).arrayBuffer());
}

function isHttpMethod(method: string): method is HttpMethod {
  return method === 'GET' || method === 'POST' || method === 'PUT' || method === 'DELETE';
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((entry) => typeof entry === 'string');
}
