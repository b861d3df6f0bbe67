/**
 * A bounded load test through the local runtime over loopback: hundreds of distinct callbacks, each sent
 * several times at once (bunq's retries racing each other), then a graceful stop. Every accepted callback
 * must come out as exactly one event.
 */
import { distinctCallback, startTestRuntime, type TestRuntime } from './helpers';

const DISTINCT = 300;
const COPIES = 3;
const CONCURRENCY = 48;

/** Runs `tasks` with at most `limit` in flight. */
async function pool<T>(tasks: (() => Promise<T>)[], limit: number): Promise<T[]> {
  const results: T[] = new Array(tasks.length);
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const index = next;
      next += 1;
      results[index] = await (tasks[index] as () => Promise<T>)();
    }
  };
  await Promise.all(Array.from({ length: limit }, worker));
  return results;
}

let t: TestRuntime;
afterEach(async () => {
  await t?.dispose();
});

it(`turns ${DISTINCT} distinct callbacks sent ${COPIES} times each, concurrently, into exactly ${DISTINCT} events`, async () => {
  // A generous drain: on a busy 2-core machine the backlog takes a while; the assertions are about counts.
  t = await startTestRuntime({ concurrency: 2, drainTimeoutMs: 90_000 });
  // Copies of the same callback are interleaved so they race inside batches and across invocations.
  const tasks = Array.from({ length: DISTINCT * COPIES }, (_, i) => {
    const body = distinctCallback(10_000 + (i % DISTINCT));
    return async () => (await t.post(body)).status;
  });
  const statuses = await pool(tasks, CONCURRENCY);
  expect(statuses.filter((status) => status !== 200)).toEqual([]);

  const drainStarted = Date.now();
  const stopped = await t.runtime.stop();
  // Printed so a slow drain is noticed long before it becomes a timeout.
  console.info(`load test: drained in ${Date.now() - drainStarted} ms`);
  expect(stopped.drained).toBe(true);

  const events = await t.events();
  const keys = events.map((event) => event.detail.dedupKey);
  expect(new Set(keys).size).toBe(DISTINCT);
  expect(events).toHaveLength(DISTINCT);
  const ids = new Set(events.map((event) => event.detail.objectId));
  expect(ids.size).toBe(DISTINCT);
  expect(await t.deadLetters()).toEqual([]);
}, 150_000);
