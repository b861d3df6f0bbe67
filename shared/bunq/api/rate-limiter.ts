/**
 * Sliding-window rate limiting as bunq applies it: at most `limit` calls in any `windowMs` window, counted
 * per key (the client uses method + endpoint). Used by the client to stay under bunq's limits and by the
 * simulator to enforce them.
 */
import type { Clock } from './clock';

export interface RateLimitRule {
  /** Calls allowed in any window. */
  readonly limit: number;
  /** Window length in milliseconds. */
  readonly windowMs: number;
}

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

/**
 * bunq's limits per method and the stricter one for `/session-server` (bunq's API docs, "Rate limits": per
 * source address and endpoint, GET 3, POST 5 and PUT 2 calls in any 3 seconds; `/session-server` 1 per 30
 * seconds; over them a 429).
 */
export interface BunqRateLimits {
  readonly GET: RateLimitRule;
  readonly POST: RateLimitRule;
  readonly PUT: RateLimitRule;
  /** bunq documents no DELETE limit; the PUT limit (the strictest) is assumed. */
  readonly DELETE: RateLimitRule;
  /** `POST /session-server`: 1 per 30 seconds. */
  readonly sessionServer: RateLimitRule;
}

export const BUNQ_RATE_LIMITS: BunqRateLimits = {
  GET: { limit: 3, windowMs: 3_000 },
  POST: { limit: 5, windowMs: 3_000 },
  PUT: { limit: 2, windowMs: 3_000 },
  DELETE: { limit: 2, windowMs: 3_000 },
  sessionServer: { limit: 1, windowMs: 30_000 },
};

/** Completes a partial set of limits with bunq's. */
export function resolveRateLimits(overrides: Partial<BunqRateLimits> = {}): BunqRateLimits {
  return { ...BUNQ_RATE_LIMITS, ...overrides };
}

/**
 * The endpoint a path belongs to, for rate limiting: query dropped, the `/v1` prefix dropped, numeric ids
 * replaced by `{id}`. Counting `/user/1/x` and `/user/2/x` together errs on the safe side.
 */
export function endpointOf(path: string): string {
  const pathname = path.split('?')[0] ?? '';
  return (
    pathname
      .replace(/^\/v1(?=\/)/, '')
      .split('/')
      .map((segment) => (/^\d+$/.test(segment) ? '{id}' : segment))
      .join('/')
      .replace(/\/+$/, '') || '/'
  );
}

/** The rule for one call. */
export function ruleFor(limits: BunqRateLimits, method: HttpMethod, endpoint: string): RateLimitRule {
  if (method === 'POST' && endpoint === '/session-server') return limits.sessionServer;
  return limits[method];
}

export class SlidingWindowRateLimiter {
  private readonly calls = new Map<string, number[]>();

  constructor(private readonly clock: Pick<Clock, 'now'>) {}

  /**
   * Takes a slot if one is free and returns 0; otherwise takes nothing and returns how many milliseconds
   * until one frees up.
   */
  tryAcquire(key: string, rule: RateLimitRule): number {
    const now = this.clock.now();
    const recent = (this.calls.get(key) ?? []).filter((at) => at > now - rule.windowMs);
    if (recent.length < rule.limit) {
      recent.push(now);
      this.calls.set(key, recent);
      return 0;
    }
    this.calls.set(key, recent);
    const oldest = recent[recent.length - rule.limit] ?? now;
    return Math.max(1, oldest + rule.windowMs - now);
  }

  /** Waits (through the clock) until a slot is free, takes it, and returns the time waited. */
  async acquire(key: string, rule: RateLimitRule, clock: Clock): Promise<number> {
    let waited = 0;
    for (;;) {
      const wait = this.tryAcquire(key, rule);
      if (wait === 0) return waited;
      waited += wait;
      await clock.sleep(wait);
    }
  }
}
