/**
 * An open-loop load: request `k` is sent when it is due (`start + k / rate`), whether or not earlier ones
 * were answered, and timed from when it was due, so a stalled server cannot hide its queue (no coordinated
 * omission).
 */

export interface OpenLoopOptions {
  readonly count: number;
  readonly ratePerSecond: number;
  /** Sends request `k`, due at `due` (`performance.now()` time); resolves when it is answered. */
  readonly send: (k: number, due: number) => Promise<void>;
  /**
   * Answers still awaited at most; past it the older half is let go unawaited (long runs, bounded memory).
   * @default unbounded: every answer is awaited
   */
  readonly maxPending?: number;
}

/** Runs the load; resolves with its start (`performance.now()` time) once the awaited answers are in. */
export async function openLoop(options: OpenLoopOptions): Promise<number> {
  const { count, ratePerSecond, send, maxPending = Number.POSITIVE_INFINITY } = options;
  const start = performance.now();
  const pending: Promise<void>[] = [];
  for (let k = 0; k < count; k += 1) {
    const due = start + (k * 1_000) / ratePerSecond;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
    pending.push(send(k, due));
    if (pending.length >= maxPending) pending.splice(0, maxPending / 2);
  }
  await Promise.all(pending);
  return start;
}
