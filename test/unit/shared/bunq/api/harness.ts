/**
 * Test harness for the bunq client: the simulator core in memory (its `fetch`, no sockets), a manual
 * clock shared by client and simulator, a capturing logger, and cached key pairs so tests stay fast.
 */
import { BunqApiClient, type BunqApiClientOptions } from '../../../../../shared/bunq/api/client';
import { ManualClock } from '../../../../../shared/bunq/api/clock';
import {
  generateRsaKeyPair,
  privateKeyFromPem,
  type RsaKeyPair,
  signBytes,
} from '../../../../../shared/bunq/api/crypto';
import type { BunqLogger } from '../../../../../shared/bunq/api/logger';
import { InMemoryBunqStateStore } from '../../../../../shared/bunq/api/state';
import type { FetchLike } from '../../../../../shared/bunq/api/transport';
import {
  type BunqSimulator,
  type BunqSimulatorOptions,
  createBunqSimulator,
  type SimUser,
  type SimUserKind,
} from '../../../../../simulator/simulator';

let simulatorKeys: Promise<RsaKeyPair> | undefined;
let clientKeys: Promise<RsaKeyPair> | undefined;

/** One key pair per test file for the simulator and one for clients (RSA generation is slow-ish). */
export function keys(): { simulator: Promise<RsaKeyPair>; client: Promise<RsaKeyPair> } {
  simulatorKeys ??= generateRsaKeyPair();
  clientKeys ??= generateRsaKeyPair();
  return { simulator: simulatorKeys, client: clientKeys };
}

export const BASE_URL = 'http://bunq-simulator.test/v1';

export interface CapturedLog {
  readonly level: string;
  readonly message: string;
  readonly attributes: Record<string, unknown> | undefined;
}

export function capturingLogger(into: CapturedLog[]): BunqLogger {
  const at =
    (level: string) =>
    (message: string, attributes?: Record<string, unknown>): void => {
      into.push({ level, message, attributes });
    };
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

export interface Harness {
  readonly sim: BunqSimulator;
  readonly user: SimUser;
  readonly clock: ManualClock;
  readonly logs: CapturedLog[];
  readonly store: InMemoryBunqStateStore;
  readonly client: BunqApiClient;
  /** Another client on the same simulator and clock (own store unless given). */
  makeClient(overrides?: Partial<BunqApiClientOptions>): BunqApiClient;
}

export interface HarnessOptions {
  readonly sim?: BunqSimulatorOptions;
  readonly client?: Partial<BunqApiClientOptions>;
  readonly userKind?: SimUserKind;
  readonly sessionTimeoutSeconds?: number;
  /** Wraps the simulator's fetch (to tamper with requests, strip headers, ...). */
  readonly wrapFetch?: (inner: FetchLike) => FetchLike;
}

export async function createHarness(options: HarnessOptions = {}): Promise<Harness> {
  const clock = new ManualClock();
  const { simulator: simKeys, client: cliKeys } = keys();
  const sim = await createBunqSimulator({
    keyPair: await simKeys,
    now: () => clock.now(),
    rateLimits: false,
    // Callbacks from the in-memory simulator never leave the process.
    fetch: async () => new Response(null, { status: 200 }),
    ...options.sim,
  });
  const user = sim.createUser({
    ...(options.userKind ? { kind: options.userKind } : {}),
    ...(options.sessionTimeoutSeconds ? { sessionTimeoutSeconds: options.sessionTimeoutSeconds } : {}),
  });
  const logs: CapturedLog[] = [];
  const clientKeyPair = await cliKeys;
  const fetch = options.wrapFetch ? options.wrapFetch(sim.fetch) : sim.fetch;
  const store = new InMemoryBunqStateStore({ apiKey: user.apiKey });
  const makeClient = (overrides: Partial<BunqApiClientOptions> = {}) =>
    new BunqApiClient({
      baseUrl: BASE_URL,
      stateStore: new InMemoryBunqStateStore({ apiKey: user.apiKey }),
      fetch,
      clock,
      logger: capturingLogger(logs),
      random: () => 0.5,
      generateKeyPair: async () => clientKeyPair,
      ...options.client,
      ...overrides,
    });
  return { sim, user, clock, logs, store, client: makeClient({ stateStore: store }), makeClient };
}

/** Calls of the simulator's API log matching a method and a path part. */
export function calls(sim: BunqSimulator, method: string, pathPart: string) {
  return sim.requestLog.filter((entry) => entry.method === method && entry.path.includes(pathPart));
}

/** A NotificationUrl callback body as bunq sends it. */
export function mutationCallback(objectId: number, monetaryAccountId = 11): Record<string, unknown> {
  return {
    NotificationUrl: {
      target_url: 'https://example.invalid/',
      category: 'MUTATION',
      event_type: 'MUTATION_CREATED',
      object: {
        Payment: {
          id: objectId,
          created: '2026-01-01 10:00:00.123456',
          updated: '2026-01-01 10:00:00.123456',
          monetary_account_id: monetaryAccountId,
          amount: { value: '-12.50', currency: 'EUR' },
        },
      },
    },
  };
}

/** A response signed with the simulator's key, for answers the simulator would never give. */
export async function signedResponse(body: unknown, status = 200): Promise<Response> {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  const bytes = Buffer.from(text, 'utf8');
  const signature = signBytes(bytes, privateKeyFromPem((await keys().simulator).privateKeyPem));
  return new Response(text, {
    status,
    headers: { 'content-type': 'application/json', 'x-bunq-server-signature': signature },
  });
}

export type Override = (url: string, init: RequestInit, inner: FetchLike) => Promise<Response | null>;

/** A fetch wrapper whose behaviour a test can swap at any time (`null`: pass through). */
export function switchableFetch(): {
  wrap: (inner: FetchLike) => FetchLike;
  set: (override: Override | null) => void;
} {
  let current: Override | null = null;
  return {
    wrap: (inner) => async (url, init) =>
      (current ? await current(url, init, inner) : null) ?? inner(url, init),
    set: (override) => {
      current = override;
    },
  };
}

/** The error `promise` rejects with; fails the test when it resolves. */
export async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}
