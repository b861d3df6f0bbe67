import { reportOrNull, runEvery } from '../../../local/run-every';
import { capturingLogger } from '../../support/pipeline';

describe('runEvery', () => {
  it('runs at once, then again after each run ends, never two at a time, and stop waits for the run under way', async () => {
    let running = 0;
    let overlapped = false;
    const starts: number[] = [];
    let release: (() => void) | undefined;
    let third: (() => void) | undefined;
    const thirdStarted = new Promise<void>((resolve) => {
      third = resolve;
    });
    const schedule = runEvery(1, async () => {
      running += 1;
      if (running > 1) overlapped = true;
      starts.push(starts.length + 1);
      if (starts.length === 3) {
        third?.();
        await new Promise<void>((resolve) => {
          release = resolve;
        });
      }
      running -= 1;
    });
    await thirdStarted;
    const stopped = schedule.stop();
    let done = false;
    void stopped.then(() => {
      done = true;
    });
    await Promise.resolve();
    expect(done).toBe(false);
    release?.();
    await stopped;
    expect(starts).toEqual([1, 2, 3]);
    expect(overlapped).toBe(false);
    await schedule.stop();
  });
});

describe('reportOrNull', () => {
  it('passes a report through and logs nothing', async () => {
    const { logger, lines } = capturingLogger();
    expect(await reportOrNull(async () => ({ retries: 2 }), logger, 'poll failed')).toEqual({ retries: 2 });
    expect(lines).toEqual([]);
  });

  it('answers null for a run that threw, and logs the error under the given message', async () => {
    const { logger, lines } = capturingLogger();
    const thrown = async (): Promise<never> => {
      throw new Error('no bunq API key');
    };
    expect(await reportOrNull(thrown, logger, 'reconcile run failed')).toBeNull();
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0] as string)).toMatchObject({
      level: 'ERROR',
      message: 'reconcile run failed',
      error: { message: 'no bunq API key' },
    });
  });
});
