/**
 * The local runtime's schedule for its periodic jobs (the failure poller, the reconciler), as EventBridge
 * Scheduler runs them in AWS: a first run at once, then each run `intervalMs` after the previous one ended,
 * so runs never overlap.
 */
import type { Logger } from '@aws-lambda-powertools/logger';

export interface RepeatingRun {
  /** Stops scheduling runs and waits for the one running, if any. Safe to call more than once. */
  stop(): Promise<void>;
}

/** Runs `run` now and then `intervalMs` after each run ends, until stopped. `run` must not reject. */
export function runEvery(intervalMs: number, run: () => Promise<unknown>): RepeatingRun {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  const schedule = (delayMs: number): void => {
    timer = setTimeout(() => {
      timer = undefined;
      if (stopped) return;
      running = run().then(() => {
        running = undefined;
        if (!stopped) schedule(intervalMs);
      });
    }, delayMs);
  };
  schedule(0);
  return {
    async stop() {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      await running;
    },
  };
}

/**
 * One run of a periodic job: its report, or null when it threw before it could report (a set-up error,
 * which the handler has counted), logged as `failure`. The schedule goes on either way, as it does in AWS.
 */
export async function reportOrNull<R>(
  run: () => Promise<R>,
  logger: Pick<Logger, 'error'>,
  failure: string,
): Promise<R | null> {
  try {
    return await run();
  } catch (error) {
    logger.error(failure, { error });
    return null;
  }
}
