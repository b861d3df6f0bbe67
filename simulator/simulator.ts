/**
 * The bunq simulator: bunq's protocol under `/v1` and a control API under `/_simulator` for tests and demos.
 * This file composes the resources, each in its own module:
 *
 * - `sessions.ts`: installation, device-server, session-server (real RSA signatures), session expiry
 * - `users.ts`: the users behind the API keys; `accounts.ts`: their monetary accounts
 * - `notification-filters.ts`: URL filters per user and per account, with replace-all semantics
 * - `failures.ts`: the failure listing with pagination, and retry with the 100-id limit
 * - `certificates.ts`: certificate pinning
 * - `callbacks.ts` (+ `delivery.ts`): callback delivery with bunq's retry schedule
 * - `events.ts`: the event listing every emitted callback's object lands in
 * - `partners.ts`: partner company users, their provisioned users and the OAuth token exchange
 * - `api.ts`: rate limits, required headers, signed answers, scripted faults, the request log
 * - `control.ts`: the `/_simulator` endpoints over the methods of {@link BunqSimulator}
 *
 * The core handles requests in memory ({@link BunqSimulator.handle}, {@link BunqSimulator.fetch}); `server.ts`
 * puts it behind node:http. Choices where bunq's behaviour is not documented are listed in `README.md`.
 */
import { performance } from 'node:perf_hooks';
import { generateRsaKeyPair, privateKeyFromPem, type RsaKeyPair, signBytes } from '../shared/bunq/api/crypto';
import type { FetchLike } from '../shared/bunq/api/transport';
import { AccountRegistry } from './accounts';
import { ApiFrontDoor } from './api';
import { CallbackEmitter, DeliveryLog } from './callbacks';
import { CertificateStore } from './certificates';
import { handleControl } from './control';
import { CallbackDeliverer } from './delivery';
import { EventStore } from './events';
import { FailureStore } from './failures';
import {
  type BunqSimulatorOptions,
  type CreateUserInput,
  DEFAULT_RETRY_INTERVAL_MS,
  type DeliveryRecord,
  type EmitOptions,
  type ProvisionOptions,
  type RequestLogEntry,
  type SeedFailureInput,
  type SimEvent,
  type SimFilter,
  type SimFilterInput,
  type SimProvision,
  type SimUser,
  type SimulatorFault,
  type TokenExchangeFault,
} from './model';
import { NotificationFilterStore } from './notification-filters';
import { PartnerRegistry } from './partners';
import { jsonBytes, type SimRequest, type SimResponse } from './protocol';
import { SimContext } from './resource';
import { SessionRegistry } from './sessions';
import { UserRegistry } from './users';

export * from './model';

/** Creates a simulator (generating its key pair unless one is given). */
export async function createBunqSimulator(options: BunqSimulatorOptions = {}): Promise<BunqSimulator> {
  return new BunqSimulator(options, options.keyPair ?? (await generateRsaKeyPair()));
}

export class BunqSimulator {
  /** The simulator's public key (what installation answers as `server_public_key`). */
  readonly serverPublicKeyPem: string;
  /** API calls received, in order (the latest 10000). */
  readonly requestLog: RequestLogEntry[];

  private readonly deliverer: CallbackDeliverer;
  private readonly users: UserRegistry;
  private readonly sessions: SessionRegistry;
  private readonly filters: NotificationFilterStore;
  private readonly failures: FailureStore;
  private readonly deliveries = new DeliveryLog();
  private readonly callbacks: CallbackEmitter;
  private readonly events: EventStore;
  private readonly api: ApiFrontDoor;
  private readonly partners: PartnerRegistry;

  constructor(options: BunqSimulatorOptions, keyPair: RsaKeyPair) {
    const serverKey = privateKeyFromPem(keyPair.privateKeyPem);
    this.serverPublicKeyPem = keyPair.publicKeyPem;
    const context = new SimContext(
      options,
      options.now ?? (() => performance.timeOrigin + performance.now()),
    );
    this.deliverer = new CallbackDeliverer({
      fetch: options.fetch ?? ((url, init) => fetch(url, init)),
      retryIntervalMs: options.retryIntervalMs ?? DEFAULT_RETRY_INTERVAL_MS,
      timeoutMs: options.deliveryTimeoutMs ?? 10_000,
      maxConcurrent: options.maxConcurrentDeliveries ?? 64,
      now: context.now,
      ...(options.signCallbacks
        ? { headersFor: (bytes: Buffer) => ({ 'X-Bunq-Server-Signature': signBytes(bytes, serverKey) }) }
        : {}),
    });
    this.users = new UserRegistry(context);
    this.sessions = new SessionRegistry(context, this.users, this.serverPublicKeyPem);
    const accounts = new AccountRegistry(context, this.users, this.sessions);
    this.filters = new NotificationFilterStore(context, this.users, this.sessions, accounts);
    this.failures = new FailureStore(
      context,
      this.users,
      this.sessions,
      this.filters,
      this.deliverer,
      this.deliveries,
    );
    this.events = new EventStore(context, this.sessions);
    this.callbacks = new CallbackEmitter(
      context,
      this.users,
      this.filters,
      this.failures,
      this.deliverer,
      this.deliveries,
      this.events,
    );
    this.partners = new PartnerRegistry(context, this.users, this.callbacks);
    const certificates = new CertificateStore(context, this.sessions);
    this.api = new ApiFrontDoor(context, serverKey, [
      ...this.sessions.routes(),
      ...accounts.routes(),
      ...this.filters.routes(),
      ...this.failures.routes(),
      ...certificates.routes(),
      ...this.events.routes(),
    ]);
    this.requestLog = this.api.requestLog;
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
    if (url.pathname === '/oauth/v1/token') return this.partners.exchange(request, url);
    if (url.pathname.startsWith('/v1/')) return this.api.handle(request, url);
    return {
      status: 404,
      headers: { 'content-type': 'application/json' },
      body: jsonBytes({ error: 'Not found: the bunq API is under /v1, the control API under /_simulator.' }),
    };
  }

  // Control surface (also used by the /_simulator endpoints)

  /** Creates a user with an API key. For `UserApiKey`, two anchored users are created as well. */
  createUser(input: CreateUserInput = {}): SimUser {
    return this.users.create(input);
  }

  listUsers(): SimUser[] {
    return this.users.list();
  }

  /**
   * Creates `count` provisioned users of a partner (a UserCompany made with `partner: true`); each becomes
   * active and emits its `PARTNER_USER_PROVISION` callback to the partner's filters.
   */
  provisionUsers(partnerUserId: number, count: number, options?: ProvisionOptions): SimProvision[] {
    return this.partners.provision(partnerUserId, count, options);
  }

  /** The partner's provisions, oldest first. */
  listProvisions(partnerUserId: number): SimProvision[] {
    return this.partners.list(partnerUserId);
  }

  /** Makes the next OAuth token exchange(s) fail. */
  failTokenExchange(fault?: TokenExchangeFault): void {
    this.partners.failTokenExchange(fault);
  }

  /** Replaces the user-level filters (and account-level ones for the accounts named) of a user. */
  setNotificationFilters(userId: number, filters: readonly SimFilterInput[]): SimFilter[] {
    return this.filters.set(userId, filters);
  }

  /** Every filter of the user, user-level and account-level. */
  allFilters(userId: number): SimFilter[] {
    return this.filters.all(userId);
  }

  /**
   * Delivers a callback to every filter of the user matching its category (user-level, and account-level
   * for `monetaryAccountId` or the object's `monetary_account_id`): one delivery per distinct target.
   */
  emit(userId: number, callback: unknown, options?: number | EmitOptions): DeliveryRecord {
    return this.callbacks.emit(
      userId,
      callback,
      typeof options === 'number' ? { monetaryAccountId: options } : options,
    );
  }

  /**
   * Replaces one scope's whole filter set, as another integration's naive POST would: every filter of that
   * scope not in `filters` is gone.
   */
  clobberFilters(
    userId: number,
    filters: ReadonlyArray<Omit<SimFilterInput, 'monetaryAccountId'>>,
    monetaryAccountId: number | null = null,
  ): SimFilter[] {
    return this.filters.clobber(userId, filters, monetaryAccountId);
  }

  /** The user's entries in bunq's event listing, newest first. */
  listEvents(userId: number): SimEvent[] {
    this.users.require(userId);
    return this.events.ofUser(userId);
  }

  /** Stores failure records directly (e.g. 450 of them to test pagination). Returns their ids. */
  seedFailures(userId: number, input: number | readonly SeedFailureInput[]): number[] {
    return this.failures.seed(userId, input);
  }

  /** The user's failure records as bunq lists them, newest first (only those still listed). */
  listFailures(userId: number): Array<Record<string, unknown>> {
    return this.failures.list(userId);
  }

  /** Deliveries so far (the latest 10000), oldest first, with the state of each target. */
  listDeliveries(): Array<Record<string, unknown>> {
    return this.deliveries.list();
  }

  getDelivery(id: number): Record<string, unknown> | null {
    return this.deliveries.get(id);
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
    return this.sessions.expire(userId);
  }

  /** Scripts a misbehaviour for the next matching call(s). */
  injectFault(fault: SimulatorFault): void {
    this.api.injectFault(fault);
  }

  clearFaults(): void {
    this.api.clearFaults();
  }

  /** Stops all delivery timers and in-flight callbacks. */
  close(): void {
    this.deliverer.close();
  }
}

async function bodyBytes(body: RequestInit['body']): Promise<Buffer> {
  if (body === undefined || body === null) return Buffer.alloc(0);
  if (typeof body === 'string') return Buffer.from(body, 'utf8');
  if (body instanceof Uint8Array) return Buffer.from(body);
  if (body instanceof ArrayBuffer) return Buffer.from(body);
  return Buffer.from(await new Response(body).arrayBuffer());
}
