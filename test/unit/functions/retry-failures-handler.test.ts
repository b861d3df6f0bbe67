import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { createRetryFailuresHandler } from '../../../functions/handlers/retry-failures-handler';
import { BunqNetworkError } from '../../../shared/bunq/api/errors';
import { RECOVERY_METRICS } from '../../../shared/wiring/metrics';
import { capturingLogger, silentMetrics } from '../../support/pipeline';
import { FakeBunq, failure, MemoryRecoveryStore } from '../../support/recovery';

function setup(maxAttempts = 1) {
  const bunq = new FakeBunq();
  const store = new MemoryRecoveryStore();
  const metrics = silentMetrics();
  const added = jest.spyOn(metrics, 'addMetric');
  const published = jest.spyOn(metrics, 'publishStoredMetrics');
  const { logger, lines } = capturingLogger();
  const bunqClient = jest.fn(() => bunq);
  const handler = createRetryFailuresHandler({
    bunqClient,
    arrivals: store,
    attempts: store,
    maxAttempts,
    logger,
    metrics,
  });
  /** The metrics of the latest run, by name. */
  const emitted = () => {
    const values: Record<string, number> = {};
    for (const [name, unit, value] of added.mock.calls) {
      expect(unit).toBe(MetricUnit.Count);
      values[name] = value;
    }
    added.mockClear();
    return values;
  };
  return { bunq, store, handler, bunqClient, emitted, published, lines };
}

describe('retry-failures handler: metrics', () => {
  it('emits the heartbeat, outstanding, requested, exhausted and poll errors every run', async () => {
    const { bunq, handler, emitted, published } = setup(1);
    bunq.failures = [failure(), failure()];

    await handler();
    expect(emitted()).toEqual({
      [RECOVERY_METRICS.heartbeat]: 1,
      [RECOVERY_METRICS.outstanding]: 2,
      [RECOVERY_METRICS.retriesRequested]: 2,
      [RECOVERY_METRICS.retriesExhausted]: 0,
      [RECOVERY_METRICS.pollErrors]: 0,
    });

    await handler();
    expect(emitted()).toEqual({
      PollerHeartbeat: 1,
      FailedCallbacksOutstanding: 2,
      RetriesRequested: 0,
      RetriesExhausted: 2,
      PollErrors: 0,
    });
    expect(published).toHaveBeenCalledTimes(2);
  });

  it('still beats and counts the poll error when bunq cannot be reached, leaving outstanding unknown', async () => {
    const { bunq, handler, emitted } = setup();
    bunq.listError = new BunqNetworkError('connect ECONNREFUSED');

    const report = await handler();

    expect(report.pollErrors).toBe(1);
    expect(emitted()).toEqual({
      PollerHeartbeat: 1,
      RetriesRequested: 0,
      RetriesExhausted: 0,
      PollErrors: 1,
    });
  });

  it('counts a poll error and rethrows when the client cannot even be made', async () => {
    const { handler, bunqClient, emitted } = setup();
    bunqClient.mockImplementationOnce(() => {
      throw new Error('bad base URL');
    });
    await expect(handler()).rejects.toThrow('bad base URL');
    expect(emitted()).toMatchObject({ PollerHeartbeat: 1, PollErrors: 1 });
  });
});

describe('retry-failures handler: runs', () => {
  it('asks for a bunq client every run (so a new API key in the secret takes effect)', async () => {
    const { handler, bunqClient } = setup();
    await handler();
    await handler();
    expect(bunqClient).toHaveBeenCalledTimes(2);
  });

  it('logs identifiers and counts, never a failure body or exception text', async () => {
    const { bunq, handler, lines } = setup();
    bunq.failures = [failure({ exception_message: 'secret-looking text from the target' })];
    await handler();
    const text = lines.join('\n');
    expect(text).toContain('failure poll finished');
    expect(text).not.toContain('secret-looking text');
  });
});
