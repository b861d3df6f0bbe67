/**
 * Callback delivery the way bunq's callback docs describe it: POST the body to the target; a non-2xx answer
 * or a broken connection counts as a failed try; failed tries are repeated at a fixed interval until the allowed
 * number of tries is used up. What happens after the last try is the caller's business (`onDone`).
 *
 * Timers and in-flight requests are tracked so `idle()` can tell when nothing is left to do and `close()`
 * can stop everything at once.
 */
import type { FetchLike } from '../shared/bunq/api/transport';
import { formatBunqTime } from './protocol';

export interface DeliveryAttempt {
  /** bunq time of the try. */
  readonly at: string;
  /** HTTP status received, or null when there was no answer. */
  readonly responseCode: number | null;
  /** Why the try failed, or null when it succeeded. */
  readonly error: string | null;
}

export interface DeliveryTargetRecord {
  readonly target: string;
  state: 'pending' | 'delivered' | 'failed';
  readonly attempts: DeliveryAttempt[];
  /** The failure record made (or retried) for this target, if any. */
  failureId: number | null;
}

export type DeliveryOutcome =
  | { readonly ok: true; readonly responseCode: number }
  | { readonly ok: false; readonly responseCode: number | null; readonly exceptionMessage: string };

export interface DeliveryJob {
  readonly record: DeliveryTargetRecord;
  readonly body: string;
  /** Total tries allowed (bunq: 6). */
  readonly tries: number;
  readonly onDone: (outcome: DeliveryOutcome) => void;
}

export interface CallbackDelivererOptions {
  readonly fetch: FetchLike;
  readonly retryIntervalMs: number;
  readonly timeoutMs: number;
  readonly now: () => number;
  /** Extra headers per body (e.g. a signature). */
  readonly headersFor?: (body: Buffer) => Record<string, string>;
  /** Requests in flight at once; further tries wait for a free slot. @default 64 */
  readonly maxConcurrent?: number;
}

export class CallbackDeliverer {
  private pending = 0;
  private waiters: Array<() => void> = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly abort = new AbortController();
  private closed = false;
  private posting = 0;
  private slotWaiters: Array<() => void> = [];

  constructor(private readonly options: CallbackDelivererOptions) {}

  /** Number of deliveries not finished yet. */
  get inFlight(): number {
    return this.pending;
  }

  deliver(job: DeliveryJob): void {
    if (this.closed) return;
    this.pending += 1;
    void this.attempt(job, 1);
  }

  /** Resolves when no delivery is pending (at once if none is). */
  idle(): Promise<void> {
    if (this.pending === 0) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Cancels every scheduled retry and in-flight request; pending deliveries end without an outcome. */
  close(): void {
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.abort.abort();
    this.pending = 0;
    this.release();
    const slotWaiters = this.slotWaiters;
    this.slotWaiters = [];
    for (const resolve of slotWaiters) resolve();
  }

  private async attempt(job: DeliveryJob, attemptNumber: number): Promise<void> {
    if (this.closed) return;
    await this.slot();
    let outcome: DeliveryOutcome;
    try {
      outcome = await this.post(job.record.target, job.body);
    } finally {
      this.freeSlot();
    }
    if (this.closed) return;
    job.record.attempts.push({
      at: formatBunqTime(this.options.now()),
      responseCode: outcome.responseCode,
      error: outcome.ok ? null : outcome.exceptionMessage,
    });
    if (outcome.ok || attemptNumber >= job.tries) {
      job.record.state = outcome.ok ? 'delivered' : 'failed';
      this.finish(job, outcome);
      return;
    }
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      void this.attempt(job, attemptNumber + 1);
    }, this.options.retryIntervalMs);
    this.timers.add(timer);
  }

  private finish(job: DeliveryJob, outcome: DeliveryOutcome): void {
    try {
      job.onDone(outcome);
    } finally {
      this.pending = Math.max(0, this.pending - 1);
      if (this.pending === 0) this.release();
    }
  }

  /** Waits for a free request slot (bounded by `maxConcurrent`). */
  private slot(): Promise<void> {
    if (this.posting < (this.options.maxConcurrent ?? 64)) {
      this.posting += 1;
      return Promise.resolve();
    }
    return new Promise((resolve) =>
      this.slotWaiters.push(() => {
        this.posting += 1;
        resolve();
      }),
    );
  }

  private freeSlot(): void {
    this.posting -= 1;
    this.slotWaiters.shift()?.();
  }

  private release(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const resolve of waiters) resolve();
  }

  private async post(target: string, body: string): Promise<DeliveryOutcome> {
    const bytes = Buffer.from(body, 'utf8');
    try {
      const response = await this.options.fetch(target, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          'User-Agent': 'bunq-simulator',
          ...(this.options.headersFor?.(bytes) ?? {}),
        },
        body: bytes,
        redirect: 'manual',
        signal: AbortSignal.any([this.abort.signal, AbortSignal.timeout(this.options.timeoutMs)]),
      });
      await response.arrayBuffer().catch(() => undefined);
      if (response.status >= 200 && response.status <= 299)
        return { ok: true, responseCode: response.status };
      return {
        ok: false,
        responseCode: response.status,
        exceptionMessage: `The callback target answered HTTP ${response.status}.`,
      };
    } catch (error) {
      return {
        ok: false,
        responseCode: null,
        exceptionMessage: connectionProblem(error, this.options.timeoutMs),
      };
    }
  }
}

function connectionProblem(error: unknown, timeoutMs: number): string {
  // Duck-typed: fetch errors may come from another realm, where instanceof fails.
  const problem = error as { name?: unknown; message?: unknown; cause?: { message?: unknown } } | null;
  if (typeof problem !== 'object' || problem === null) return 'The callback could not be delivered.';
  if (problem.name === 'TimeoutError') return `The callback target did not answer within ${timeoutMs} ms.`;
  const detail = typeof problem.cause?.message === 'string' ? problem.cause.message : problem.message;
  return `The callback could not be delivered: ${typeof detail === 'string' ? detail : 'unknown error'}`;
}
