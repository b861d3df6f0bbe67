/**
 * The local runtime's schedule for its periodic jobs (the failure poller, the reconciler), as EventBridge
 * Scheduler runs them in AWS: a first run at once, then each run `intervalMs` after the previous one ended,
 * so runs never overlap.
 */
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
