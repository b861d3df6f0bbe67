/**
 * Recovery end to end, on loopback: the bunq simulator (100 ms between tries) delivers callbacks to the local
 * runtime's callback URL while nothing listens there, exhausts its 6 tries and records failures; then the
 * local runtime starts on that address with the failure poller pointed at the simulator. Every callback
 * bunq gave up on ends as exactly one event, marked `recoveredBy: "failure-retry"` (a callback delivered
 * directly says null), and one whose target keeps failing is given up on (`RetriesExhausted`).
 */
import { parsePipelineConfig } from '../../shared/config/pipeline-config';
import { paymentCallback } from '../support/fixtures';
import { freePort, until } from '../support/runtime-process';
import { simulatorControl, startedPerTest, TEST_TOKEN } from './helpers';

jest.setTimeout(120_000);

const RETRY_INTERVAL_MS = 100;
const POLL_INTERVAL_MS = 250;
const MAX_ATTEMPTS = 2;

const start = startedPerTest();

const payment = (category: string, id: number) =>
  paymentCallback({
    id,
    value: `-${id}.00`,
    category,
    eventType: `${category}_CREATED`,
    description: `payment ${id}`,
  });

describe('failure recovery end to end', () => {
  it('turns every callback bunq gave up on into exactly one event, and gives up on one that keeps failing', async () => {
    const sim = await start.simulator({ port: 0, retryIntervalMs: RETRY_INTERVAL_MS });
    const control = simulatorControl(sim.origin);

    // The runtime's address, not listening yet. PAYMENT callbacks go to a wrong token there: 403 for ever.
    const port = await freePort();
    const callbackUrl = `http://127.0.0.1:${port}/callbacks/${TEST_TOKEN}`;
    const wrongTokenUrl = `http://127.0.0.1:${port}/callbacks/${'x'.repeat(TEST_TOKEN.length)}`;
    const user = (await control('POST', '/users', {})) as { userId: number; apiKey: string };
    await control('PUT', `/users/${user.userId}/notification-filters`, [
      { category: 'MUTATION', notification_target: callbackUrl },
      { category: 'PAYMENT', notification_target: wrongTokenUrl },
    ]);

    const mutationIds = [101, 102, 103, 104];
    for (const id of mutationIds)
      await control('POST', '/emit', { userId: user.userId, callback: payment('MUTATION', id) });
    // The same callback again (bunq may send one twice): two failures, still one event.
    await control('POST', '/emit', { userId: user.userId, callback: payment('MUTATION', 101) });
    await control('POST', '/emit', { userId: user.userId, callback: payment('PAYMENT', 900) });

    expect(await control('GET', '/idle?timeoutMs=50000')).toEqual({ idle: true });
    const failures = (await control('GET', `/users/${user.userId}/failures`)) as Array<{ object_id: number }>;
    expect(failures.map((failure) => failure.object_id).sort()).toEqual([101, 101, 102, 103, 104, 900]);

    const local = await start.runtime({
      port,
      bunqBaseUrl: sim.baseUrl,
      bunqApiKey: user.apiKey,
      failurePollIntervalMs: POLL_INTERVAL_MS,
      config: parsePipelineConfig({ recovery: { maxAttempts: MAX_ATTEMPTS } }),
    });
    const runtime = local.runtime;
    expect(runtime.callbackUrl).toBe(callbackUrl);

    await until(
      'the MUTATION failures to be delivered and the PAYMENT one given up on',
      async () => {
        const left = (await control('GET', `/users/${user.userId}/failures`)) as unknown[];
        return runtime.stats().failurePoller?.retriesExhausted === 1 && left.length === 1;
      },
      60_000,
    );
    // A callback bunq delivers on its own, now that the runtime listens.
    await control('POST', '/emit', { userId: user.userId, callback: payment('MUTATION', 105) });
    expect(await control('GET', '/idle?timeoutMs=50000')).toEqual({ idle: true });
    await runtime.stop();

    const events = await local.events();
    expect(events.map((event) => event.detail.objectId).sort()).toEqual([...mutationIds, 105]);
    expect(events.every((event) => event['detail-type'] === 'MUTATION')).toBe(true);
    // bunq re-sent the failed ones at the poller's request; 105 came directly.
    expect(
      Object.fromEntries(events.map((event) => [event.detail.objectId, event.detail.recoveredBy])),
    ).toEqual({
      101: 'failure-retry',
      102: 'failure-retry',
      103: 'failure-retry',
      104: 'failure-retry',
      105: null,
    });
    expect(await local.deadLetters()).toEqual([]);

    const poller = runtime.stats().failurePoller;
    expect(poller).toMatchObject({ retriesExhausted: 1, pollErrors: 0 });
    // 6 retries for the first poll, MAX_ATTEMPTS for the PAYMENT failure in all.
    expect(poller?.retriesRequested).toBeGreaterThanOrEqual(6 + MAX_ATTEMPTS - 1);
    expect(poller?.last).toMatchObject({ outstanding: 1, retriesRequested: 0 });
    const left = (await control('GET', `/users/${user.userId}/failures`)) as Array<Record<string, unknown>>;
    expect(left).toEqual([
      expect.objectContaining({ category: 'PAYMENT', object_id: 900, response_code: 403 }),
    ]);
  });
});
