/**
 * Callback delivery over loopback: the simulator POSTs to a real HTTP receiver with bunq's schedule
 * (1 try + 5 retries, time-scaled to 20 ms), stores the failure, and a retry POST made by the client
 * re-delivers to the receiver once it answers 200.
 */
import { BunqApiClient } from '../../../shared/bunq/api/client';
import { InMemoryBunqStateStore } from '../../../shared/bunq/api/state';
import { type RunningBunqSimulator, startBunqSimulator } from '../../../simulator/server';
import { paymentCallback } from '../../support/fixtures';
import { simulatorCall } from '../../support/simulator-call';
import { type Receiver, startReceiver } from './loopback';

const RETRY_INTERVAL_MS = 20;

interface CreatedUser {
  readonly userId: number;
  readonly apiKey: string;
}
type FailureRecord = Record<string, unknown> & { readonly id: number };
interface DeliveryView {
  readonly state: string;
  readonly targets: ReadonlyArray<{ readonly attempts: readonly unknown[] }>;
}
let running: RunningBunqSimulator;
let receiver: Receiver;

beforeAll(async () => {
  running = await startBunqSimulator({ port: 0, retryIntervalMs: RETRY_INTERVAL_MS, rateLimits: false });
  receiver = await startReceiver(500);
});
afterAll(async () => {
  await running.stop();
  await receiver.close();
});

const control = (method: string, path: string, body?: unknown) =>
  simulatorCall(running.origin, method, path, body);

const callback = paymentCallback({ id: 90210, value: '24.95' });

describe('simulator callback delivery over loopback', () => {
  it('tries 6 times at the retry interval against a failing receiver, then lists one failure; a retry redelivers', async () => {
    const user = (await control('POST', '/_simulator/users', {})).json as CreatedUser;
    const filters = await control('PUT', `/_simulator/users/${user.userId}/notification-filters`, [
      { category: 'MUTATION', notification_target: receiver.url },
      { category: 'PAYMENT', notification_target: receiver.url },
    ]);
    expect(filters.status).toBe(200);

    const started = Date.now();
    const emitted = await control('POST', '/_simulator/emit', { userId: user.userId, callback });
    expect(emitted).toEqual({
      status: 202,
      json: { deliveryId: expect.any(Number), targets: [receiver.url] },
    });
    expect((await control('GET', '/_simulator/idle?timeoutMs=50000')).json).toEqual({ idle: true });
    const elapsed = Date.now() - started;

    expect(receiver.received).toHaveLength(6);
    expect(elapsed).toBeGreaterThanOrEqual(5 * RETRY_INTERVAL_MS);
    for (const request of receiver.received) {
      expect(request.method).toBe('POST');
      expect(request.headers['content-type']).toBe('application/json');
      expect(JSON.parse(request.body)).toEqual({
        NotificationUrl: { ...callback.NotificationUrl, target_url: receiver.url },
      });
    }

    const { deliveryId } = emitted.json as { deliveryId: number };
    const delivery = (await control('GET', `/_simulator/deliveries/${deliveryId}`)).json as DeliveryView;
    expect(delivery.state).toBe('failed');
    expect(delivery.targets[0]?.attempts).toHaveLength(6);

    const failures = (await control('GET', `/_simulator/users/${user.userId}/failures`))
      .json as FailureRecord[];
    const failureId = failures[0]?.id ?? -1;
    expect(failures).toEqual([
      expect.objectContaining({
        category: 'MUTATION',
        event_type: 'MUTATION_RECEIVED',
        object_id: 90210,
        response_code: 500,
        notification_filters: [
          { notification_delivery_method: 'URL', notification_target: receiver.url, category: 'MUTATION' },
        ],
      }),
    ]);

    // The receiver recovers; the failure poller's path: list over the API, retry, and the callback arrives.
    receiver.status = 200;
    const client = new BunqApiClient({
      baseUrl: running.baseUrl,
      stateStore: new InMemoryBunqStateStore({ apiKey: user.apiKey }),
    });
    const listed = await client.listNotificationFilterFailures(user.userId);
    expect(listed.map((failure) => failure.id)).toEqual([failureId]);
    const result = await client.retryNotificationFilterFailures(user.userId, [failureId]);
    expect(result).toEqual({ retriedIds: [failureId], failedChunks: [] });
    await running.idle();
    expect(receiver.received).toHaveLength(7);
    expect(receiver.received[6]?.body).toBe(receiver.received[0]?.body);
    expect(await client.listNotificationFilterFailures(user.userId)).toEqual([]);
  });

  it('a receiver that cannot be reached gives a failure with a null response_code', async () => {
    const user = (await control('POST', '/_simulator/users', {})).json as CreatedUser;
    const gone = await startReceiver(200);
    const url = gone.url;
    await gone.close();
    await control('PUT', `/_simulator/users/${user.userId}/notification-filters`, [
      { category: 'MUTATION', notification_target: url },
    ]);
    await control('POST', '/_simulator/emit', { userId: user.userId, callback });
    await running.idle();
    const { json: failures } = await control('GET', `/_simulator/users/${user.userId}/failures`);
    expect(failures).toEqual([
      expect.objectContaining({
        response_code: null,
        exception_message: expect.stringContaining('ECONNREFUSED'),
      }),
    ]);
  });
});
