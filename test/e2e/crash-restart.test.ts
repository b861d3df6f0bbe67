/**
 * Principle 1 through a crash: the runtime is SIGKILLed in the middle of a load, restarted on the same data
 * directory, and every callback is sent again. Every callback that was answered 200 before the kill becomes
 * exactly one event, and re-sending all of them adds no duplicate.
 */
import { rm } from 'node:fs/promises';
import {
  destroyAgents,
  killStartedRuntimes,
  startRuntimeProcess,
  status,
  waitFor,
} from '../support/runtime-process';
import { distinctCallback, processRuntimeFiles, readEvents, TEST_TOKEN } from './helpers';

jest.setTimeout(240_000);

const CALLBACKS = 400;
/** Acknowledged callbacks before the kill: enough that some are queued, in flight and published. */
const KILL_AFTER = 120;
const SENDERS = 16;

let dir: string | undefined;
afterEach(async () => {
  destroyAgents();
  await killStartedRuntimes();
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  dir = undefined;
});

describe('local runtime killed mid-load', () => {
  it('publishes exactly one event per acknowledged callback after a restart, and none twice after a resend', async () => {
    const files = await processRuntimeFiles('crash');
    dir = files.dir;
    const { eventsFile } = files;
    const args = [...files.args, '--visibility-timeout-ms', '200'];
    const path = `/callbacks/${TEST_TOKEN}`;
    const ids = Array.from({ length: CALLBACKS }, (_, k) => 5_000_000 + k);

    const first = await startRuntimeProcess(args);
    const acked = new Set<number>();
    let next = 0;
    let killed = false;
    await Promise.all(
      Array.from({ length: SENDERS }, async () => {
        while (!killed && next < ids.length) {
          const id = ids[next] as number;
          next += 1;
          if ((await status(first.port, 'POST', path, distinctCallback(id))) === 200) acked.add(id);
          if (!killed && acked.size >= KILL_AFTER) {
            killed = true;
            first.signal('SIGKILL');
          }
        }
      }),
    );
    await first.gone();
    expect(acked.size).toBeGreaterThanOrEqual(KILL_AFTER);
    expect(acked.size).toBeLessThan(CALLBACKS);

    const second = await startRuntimeProcess(args);
    // Restart resumes: everything acknowledged before the kill is published without any resend.
    await waitFor(
      async () => {
        const published = new Set(
          (await readEvents(eventsFile)).map((event) => Number(event.detail.objectId)),
        );
        return [...acked].every((id) => published.has(id)) ? true : undefined;
      },
      120_000,
      'every acknowledged callback to be published after the restart',
    );
    // bunq (or an operator) sends everything again: each is answered 200, and none is published twice.
    let resendFailures = 0;
    let cursor = 0;
    await Promise.all(
      Array.from({ length: SENDERS }, async () => {
        while (cursor < ids.length) {
          const id = ids[cursor] as number;
          cursor += 1;
          if ((await status(second.port, 'POST', path, distinctCallback(id))) !== 200) resendFailures += 1;
        }
      }),
    );
    expect(resendFailures).toBe(0);
    destroyAgents();
    second.signal('SIGTERM');
    await second.gone();

    const counts = new Map<number, number>();
    for (const event of await readEvents(eventsFile)) {
      const id = Number(event.detail.objectId);
      counts.set(id, (counts.get(id) ?? 0) + 1);
    }
    expect([...counts.entries()].filter(([, count]) => count !== 1)).toEqual([]);
    expect([...counts.keys()].sort((a, b) => a - b)).toEqual(ids);
  });
});
