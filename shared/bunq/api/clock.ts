/**
 * Time for the bunq client: rate limiting, backoff and session expiry read the time and wait through this
 * interface, so tests can run bunq's 3-second and 30-second windows without real waiting.
 */

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Resolves after `ms` milliseconds (at once for `ms <= 0`). */
  sleep(ms: number): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms))),
};

/**
 * A clock that only moves when told to. `sleep` advances the time by the requested amount and resolves
 * at once, so code that waits for a rate-limit window finishes instantly while seeing the time it waited.
 */
export class ManualClock implements Clock {
  private current: number;
  /** Every `sleep` duration requested, in order (for assertions). */
  readonly sleeps: number[] = [];

  constructor(startMs = Date.UTC(2026, 0, 1)) {
    this.current = startMs;
  }

  now(): number {
    return this.current;
  }

  async sleep(ms: number): Promise<void> {
    const duration = Math.max(0, ms);
    this.sleeps.push(duration);
    this.current += duration;
  }

  /** Moves the time forward without recording a sleep. */
  advance(ms: number): void {
    this.current += ms;
  }
}
