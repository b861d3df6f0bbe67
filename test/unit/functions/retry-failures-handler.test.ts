import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRetryFailuresHandler } from '../../../functions/handlers/retry-failures-handler';
import { BunqNetworkError } from '../../../shared/bunq/api/errors';
import type { CertificateCheckPorts } from '../../../shared/pipeline/recovery/pinned-certificates';
import { RECOVERY_METRICS } from '../../../shared/wiring/metrics';
import { capturingLogger, emittedCounts, silentMetrics } from '../../support/pipeline';
import { FakeBunq, failure, MemoryRecoveryStore } from '../../support/recovery';

function setup(maxAttempts = 1, extra: { certificateCheck?: CertificateCheckPorts; now?: () => Date } = {}) {
  const bunq = new FakeBunq();
  const store = new MemoryRecoveryStore();
  const metrics = silentMetrics();
  /** The metrics of the latest run, by name. */
  const emitted = emittedCounts(metrics);
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
    ...extra,
  });
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

describe('retry-failures handler: certificate check', () => {
  const fixtures = join(__dirname, '..', '..', 'integration', 'cli', 'fixtures');
  const served = readFileSync(join(fixtures, 'leaf.pem'), 'utf8');
  const other = readFileSync(join(fixtures, 'ca.pem'), 'utf8');
  const validTo = new Date(new X509Certificate(served).validTo);
  const now = () => new Date(validTo.getTime() - 20.5 * 86_400_000);
  const ports = (pinned: string[][]): CertificateCheckPorts => ({
    servedChain: async () => [served, other],
    pinnedChains: async () => pinned.map((pems, index) => ({ id: index + 1, pems })),
  });

  it('emits the days the pinned leaf has left, and no mismatch, when the served leaf is pinned', async () => {
    const { handler, emitted } = setup(1, { certificateCheck: ports([[served, other]]), now });
    await handler();
    expect(emitted()).toMatchObject({
      [RECOVERY_METRICS.pinnedCertificateDaysToExpiry]: 20,
      [RECOVERY_METRICS.pinnedCertificateMismatch]: 0,
      [RECOVERY_METRICS.heartbeat]: 1,
    });
  });

  it('emits a mismatch, and logs it, when no pinned leaf is the served certificate', async () => {
    const { handler, emitted, lines } = setup(1, { certificateCheck: ports([[other]]), now });
    await handler();
    expect(emitted()[RECOVERY_METRICS.pinnedCertificateMismatch]).toBe(1);
    expect(lines.some((line) => line.includes('bunq cancels callbacks'))).toBe(true);
  });

  it('with nothing pinned, emits no mismatch and no days', async () => {
    const { handler, emitted } = setup(1, { certificateCheck: ports([]), now });
    await handler();
    const values = emitted();
    expect(values[RECOVERY_METRICS.pinnedCertificateMismatch]).toBe(0);
    expect(values).not.toHaveProperty(RECOVERY_METRICS.pinnedCertificateDaysToExpiry);
  });

  it('emits no certificate data point when the check cannot run; the poll still reports', async () => {
    const failing: CertificateCheckPorts = {
      servedChain: async () => {
        throw new Error('No TLS answer from callbacks.example.com:443 within 10000 ms.');
      },
      pinnedChains: async () => [],
    };
    const { handler, emitted, lines } = setup(1, { certificateCheck: failing, now });
    await handler();
    const values = emitted();
    expect(values).not.toHaveProperty(RECOVERY_METRICS.pinnedCertificateMismatch);
    expect(values[RECOVERY_METRICS.heartbeat]).toBe(1);
    expect(lines.some((line) => line.includes('certificate check could not run'))).toBe(true);
  });

  it('without a custom domain, checks nothing', async () => {
    const { handler, emitted } = setup(1);
    await handler();
    expect(Object.keys(emitted()).filter((name) => name.startsWith('PinnedCertificate'))).toEqual([]);
  });
});
