/**
 * One rate limit shared by many bunq clients: a partner's fleet has one client per provisioned user, and
 * whether bunq counts their calls together depends on what it counts per. bunq's docs say per source address
 * and endpoint (GET 3, POST 5, PUT 2 in any 3 seconds; `/session-server` 1 per 30 seconds); whether a
 * session gets a budget of its own is not documented. So it is configuration:
 *
 * - `address` (the default, what bunq documents): every user's calls from this process count together, per
 *   method and endpoint. The safe assumption: it never causes a 429 that the other would avoid.
 * - `session`: each user's calls count on their own (per user, method and endpoint).
 *
 * The gate wraps a client's `fetch`, so it sees every call the client makes (pages, sessions), and the
 * client's own per-instance limiter can be turned off (`rateLimits: false`).
 */
import { type Clock, systemClock } from './clock';
import {
  type BunqRateLimits,
  endpointOf,
  type HttpMethod,
  resolveRateLimits,
  ruleFor,
  SlidingWindowRateLimiter,
} from './rate-limiter';
import type { FetchLike } from './transport';

/** What bunq's rate limits are counted per: see the module doc. */
export const RATE_LIMIT_SCOPES = ['address', 'session'] as const;
export type RateLimitScope = (typeof RATE_LIMIT_SCOPES)[number];

export interface RateGateOptions {
  readonly scope: RateLimitScope;
  /** @default BUNQ_RATE_LIMITS */
  readonly limits?: Partial<BunqRateLimits>;
  /** @default systemClock */
  readonly clock?: Clock;
}

export interface RateGate {
  /** `inner`, waiting for a free slot before each call of `userId`'s client. */
  fetchFor(userId: number, inner: FetchLike): FetchLike;
  /** Calls let through, by `METHOD endpoint` (for a report of what a cycle cost). */
  readonly calls: ReadonlyMap<string, number>;
  /** Milliseconds spent waiting for a slot, in all. */
  readonly waitedMs: number;
}

const METHODS = new Set<string>(['GET', 'POST', 'PUT', 'DELETE']);

export function createRateGate(options: RateGateOptions): RateGate {
  const limits = resolveRateLimits(options.limits);
  const clock = options.clock ?? systemClock;
  const limiter = new SlidingWindowRateLimiter(clock);
  const calls = new Map<string, number>();
  let waitedMs = 0;
  return {
    calls,
    get waitedMs() {
      return waitedMs;
    },
    fetchFor(userId, inner) {
      return async (url, init) => {
        const method = (init.method ?? 'GET').toUpperCase();
        const endpoint = endpointOf(new URL(url).pathname);
        if (METHODS.has(method)) {
          const rule = ruleFor(limits, method as HttpMethod, endpoint);
          const who = options.scope === 'session' ? `user ${userId}` : 'address';
          waitedMs += await limiter.acquire(`${who} ${method} ${endpoint}`, rule, clock);
        }
        const key = `${method} ${endpoint}`;
        calls.set(key, (calls.get(key) ?? 0) + 1);
        return inner(url, init);
      };
    },
  };
}
