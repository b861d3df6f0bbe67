import { ManualClock } from '../../../../../shared/bunq/api/clock';
import {
  BUNQ_RATE_LIMITS,
  endpointOf,
  resolveRateLimits,
  ruleFor,
  SlidingWindowRateLimiter,
} from '../../../../../shared/bunq/api/rate-limiter';

describe('endpointOf', () => {
  it.each([
    [
      '/v1/user/12/notification-filter-failure?count=200&older_id=5',
      '/user/{id}/notification-filter-failure',
    ],
    [
      '/user/12/monetary-account/7/notification-filter-url',
      '/user/{id}/monetary-account/{id}/notification-filter-url',
    ],
    ['/session-server', '/session-server'],
    ['/user/1/certificate-pinned/3/', '/user/{id}/certificate-pinned/{id}'],
  ])('%s → %s', (path, endpoint) => {
    expect(endpointOf(path)).toBe(endpoint);
  });
});

describe('ruleFor', () => {
  it("uses bunq's limits per method and 1 per 30 s for POST /session-server", () => {
    expect(ruleFor(BUNQ_RATE_LIMITS, 'GET', '/user/{id}/x')).toEqual({ limit: 3, windowMs: 3_000 });
    expect(ruleFor(BUNQ_RATE_LIMITS, 'POST', '/user/{id}/x')).toEqual({ limit: 5, windowMs: 3_000 });
    expect(ruleFor(BUNQ_RATE_LIMITS, 'PUT', '/user/{id}/x')).toEqual({ limit: 2, windowMs: 3_000 });
    expect(ruleFor(BUNQ_RATE_LIMITS, 'POST', '/session-server')).toEqual({ limit: 1, windowMs: 30_000 });
  });

  it('completes partial overrides with bunq values', () => {
    const limits = resolveRateLimits({ GET: { limit: 10, windowMs: 50 } });
    expect(limits.GET).toEqual({ limit: 10, windowMs: 50 });
    expect(limits.POST).toEqual(BUNQ_RATE_LIMITS.POST);
  });
});

describe('SlidingWindowRateLimiter', () => {
  const rule = { limit: 3, windowMs: 3_000 };

  it('allows `limit` calls in any window and tells how long to wait for the next', () => {
    const clock = new ManualClock(0);
    const limiter = new SlidingWindowRateLimiter(clock);
    expect(limiter.tryAcquire('GET /a', rule)).toBe(0);
    clock.advance(1_000);
    expect(limiter.tryAcquire('GET /a', rule)).toBe(0);
    expect(limiter.tryAcquire('GET /a', rule)).toBe(0);
    expect(limiter.tryAcquire('GET /a', rule)).toBe(2_000); // the first call leaves the window at 3000
    expect(limiter.tryAcquire('GET /b', rule)).toBe(0); // keys are independent
    clock.advance(2_000);
    expect(limiter.tryAcquire('GET /a', rule)).toBe(0); // calls at 1000, 1000, 3000
    expect(limiter.tryAcquire('GET /a', rule)).toBe(1_000);
  });

  it('acquire waits through the clock until a slot frees', async () => {
    const clock = new ManualClock(0);
    const limiter = new SlidingWindowRateLimiter(clock);
    const waits: number[] = [];
    for (let index = 0; index < 7; index += 1) waits.push(await limiter.acquire('k', rule, clock));
    expect(waits).toEqual([0, 0, 0, 3_000, 0, 0, 3_000]);
    expect(clock.now()).toBe(6_000);
  });

  it('hands out slots to concurrent waiters without exceeding the limit', async () => {
    const clock = new ManualClock(0);
    const limiter = new SlidingWindowRateLimiter(clock);
    const times: number[] = [];
    const tryAcquire = limiter.tryAcquire.bind(limiter);
    jest.spyOn(limiter, 'tryAcquire').mockImplementation((key, limit) => {
      const wait = tryAcquire(key, limit);
      if (wait === 0) times.push(clock.now());
      return wait;
    });
    await Promise.all(Array.from({ length: 9 }, () => limiter.acquire('k', rule, clock)));
    expect(times).toHaveLength(9);
    for (const at of times) {
      expect(times.filter((other) => other > at - rule.windowMs && other <= at).length).toBeLessThanOrEqual(
        3,
      );
    }
  });
});
