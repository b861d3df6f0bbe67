/**
 * The bunq API context (`session.ts`) through the client, against the simulator in process: installation,
 * device and session set up once and saved, renewal before expiry and once after bunq says the session is
 * gone, and no secret in a log line or an error.
 */
import { type BunqApiError, BunqUnauthorizedError } from '../../../../../shared/bunq/api/errors';
import { InMemoryBunqStateStore } from '../../../../../shared/bunq/api/state';
import type { BunqSimulator } from '../../../../../simulator/simulator';
import { BASE_URL, calls, createHarness, rejection } from './harness';

describe('BunqApiClient session flow', () => {
  it('installs, registers the device and opens a signed session, saving each step', async () => {
    const { client, sim, store, user } = await createHarness();
    const session = await client.ensureSession();

    expect(session.userId).toBe(user.id);
    expect(sim.requestLog.map((entry) => `${entry.method} ${entry.path} ${entry.status}`)).toEqual([
      'POST /installation 200',
      'POST /device-server 200',
      'POST /session-server 200',
    ]);
    const state = store.current();
    expect(state).toEqual(
      expect.objectContaining({
        apiKey: user.apiKey,
        baseUrl: BASE_URL,
        installationId: expect.any(Number),
        installationToken: expect.any(String),
        serverPublicKeyPem: sim.serverPublicKeyPem,
        deviceId: expect.any(Number),
        sessionToken: expect.any(String),
        userId: user.id,
      }),
    );
    expect(state.privateKeyPem).toContain('BEGIN PRIVATE KEY');
    expect(store.saves).toBe(3);
    const device = JSON.parse(calls(sim, 'POST', '/device-server')[0]?.body ?? '{}');
    expect(device).toEqual({ description: 'bunq-webhooks-aws', secret: user.apiKey, permitted_ips: ['*'] });
  });

  it('sends bunq headers with a fresh request id on every call', async () => {
    const seen: Array<Record<string, string>> = [];
    const { client, user } = await createHarness({
      wrapFetch: (inner) => async (url, init) => {
        const headers: Record<string, string> = {};
        new Headers(init.headers).forEach((value, name) => {
          headers[name] = value;
        });
        seen.push(headers);
        return inner(url, init);
      },
    });
    await client.getNotificationFilterUrls(user.id);
    for (const headers of seen) {
      expect(headers).toEqual(
        expect.objectContaining({
          'user-agent': 'bunq-webhooks-aws',
          'cache-control': 'no-cache',
          'x-bunq-geolocation': '0 0 0 0 000',
          'x-bunq-language': 'en_US',
          'x-bunq-region': 'nl_NL',
          'x-bunq-client-request-id': expect.stringMatching(/^[0-9a-f-]{36}$/),
        }),
      );
    }
    expect(new Set(seen.map((headers) => headers['x-bunq-client-request-id'])).size).toBe(seen.length);
    expect(seen[0]?.['x-bunq-client-authentication']).toBeUndefined(); // installation
    expect(seen[2]?.['x-bunq-client-signature']).toEqual(expect.any(String)); // session-server is signed
    expect(seen[3]?.['x-bunq-client-authentication']).not.toBe(seen[2]?.['x-bunq-client-authentication']);
  });

  it('reuses a stored installation and session instead of registering again', async () => {
    const { client, sim, store, makeClient, user } = await createHarness();
    await client.ensureSession();
    const before = sim.requestLog.length;
    const again = makeClient({ stateStore: new InMemoryBunqStateStore(store.current()) });
    await again.getNotificationFilterUrls(user.id);
    expect(sim.requestLog.slice(before).map((entry) => entry.method + entry.path)).toEqual([
      `GET/user/${user.id}/notification-filter-url`,
    ]);
  });

  it('opens a new session before the computed expiry without waiting for a 401', async () => {
    const { client, sim, clock, user } = await createHarness({ sessionTimeoutSeconds: 120 });
    await client.ensureSession();
    clock.advance(95_000); // inside the 30 s renewal margin
    await client.getNotificationFilterUrls(user.id);
    expect(calls(sim, 'POST', '/session-server')).toHaveLength(2);
    expect(sim.requestLog.filter((entry) => entry.status === 401)).toHaveLength(0);
  });

  it('installs again when the stored installation belongs to another base URL', async () => {
    const { sim, makeClient, user } = await createHarness();
    const store = new InMemoryBunqStateStore({
      apiKey: user.apiKey,
      baseUrl: 'https://api.bunq.com/v1',
      installationToken: 'token-of-another-environment',
      serverPublicKeyPem: sim.serverPublicKeyPem,
      deviceId: 1,
    });
    await makeClient({ stateStore: store }).ensureSession();
    expect(calls(sim, 'POST', '/installation')).toHaveLength(1);
    expect(store.current().baseUrl).toBe(BASE_URL);
  });

  it('uses the UserApiKey id for a UserApiKey session by default, or the chosen anchored user', async () => {
    const { client, makeClient, user } = await createHarness({ userKind: 'UserApiKey' });
    expect(await client.getUserId()).toBe(user.id);
    expect(await makeClient({ apiKeyUser: 'granted-by-user' }).getUserId()).toBe(user.grantedByUserId);
    expect(await makeClient({ apiKeyUser: 'requested-by-user' }).getUserId()).toBe(user.requestedByUserId);
  });

  it('sets up one session for concurrent first calls', async () => {
    const { client, sim, user } = await createHarness();
    await Promise.all([
      client.getNotificationFilterUrls(user.id),
      client.listCertificatesPinned(user.id),
      client.listNotificationFilterFailures(user.id),
    ]);
    expect(calls(sim, 'POST', '/installation')).toHaveLength(1);
    expect(calls(sim, 'POST', '/session-server')).toHaveLength(1);
  });
});

describe('BunqApiClient session expiry', () => {
  /** bunq answers the next `times` filter listings with a 401 that says `description`. */
  const filterListingUnauthorized = (sim: BunqSimulator, description: string, times = 1) =>
    sim.injectFault({ kind: 'error', status: 401, description, path: '/notification-filter-url', times });

  it('re-creates an expired session once and retries the call once', async () => {
    const { client, sim, user, logs } = await createHarness();
    await client.ensureSession();
    sim.expireSessions();
    await expect(client.getNotificationFilterUrls(user.id)).resolves.toEqual([]);
    expect(calls(sim, 'GET', '/notification-filter-url').map((entry) => entry.status)).toEqual([401, 200]);
    expect(calls(sim, 'POST', '/session-server')).toHaveLength(2);
    expect(logs.some((log) => log.level === 'warn' && log.message.includes('session expired'))).toBe(true);
  });

  it('renews once for concurrent calls that all meet the expired session', async () => {
    const { client, sim, user } = await createHarness();
    await client.ensureSession();
    sim.expireSessions();
    await Promise.all([
      client.getNotificationFilterUrls(user.id),
      client.listCertificatesPinned(user.id),
      client.listNotificationFilterFailures(user.id),
    ]);
    expect(calls(sim, 'POST', '/session-server')).toHaveLength(2);
    expect(sim.requestLog.filter((entry) => entry.status === 401)).toHaveLength(3);
  });

  it('accepts "Insufficient authentication." too, and gives up after one renewal', async () => {
    const { client, sim, user } = await createHarness();
    await client.ensureSession();
    filterListingUnauthorized(sim, 'Insufficient authentication.', 2);
    const error = await rejection(client.getNotificationFilterUrls(user.id));
    expect(error).toBeInstanceOf(BunqUnauthorizedError);
    expect((error as BunqApiError).isSessionExpired).toBe(true);
    expect(calls(sim, 'GET', '/notification-filter-url')).toHaveLength(2);
    expect(calls(sim, 'POST', '/session-server')).toHaveLength(2);
  });

  it('does not renew the session for other 401s', async () => {
    const { client, sim, user } = await createHarness();
    await client.ensureSession();
    filterListingUnauthorized(sim, 'Something else.');
    await expect(client.getNotificationFilterUrls(user.id)).rejects.toBeInstanceOf(BunqUnauthorizedError);
    expect(calls(sim, 'POST', '/session-server')).toHaveLength(1);
  });
});

describe('BunqApiClient secrets', () => {
  it('never puts the API key, tokens or the private key in a log line or an error', async () => {
    const { client, user, sim, store, logs } = await createHarness({
      client: { backoff: { maxRetries: 1 } },
    });
    const errors: unknown[] = [];
    const collect = (promise: Promise<unknown>) => promise.catch((error: unknown) => errors.push(error));
    await client.ensureSession();
    const state = store.current();
    // Server descriptions that echo secrets are scrubbed.
    sim.injectFault({
      kind: 'error',
      status: 400,
      description: `Bad key ${user.apiKey} with session ${state.sessionToken}`,
      path: '/certificate-pinned',
    });
    await collect(client.listCertificatesPinned(user.id));
    sim.expireSessions();
    await collect(client.getNotificationFilterUrls(user.id));
    sim.injectFault({ kind: 'error', status: 429, path: '/certificate-pinned', times: 5 });
    await collect(client.listCertificatesPinned(user.id));
    sim.injectFault({ kind: 'tamper-response-body', path: '/certificate-pinned' });
    await collect(client.listCertificatesPinned(user.id));
    await collect(
      client.retryNotificationFilterFailures(user.id, [123_456]).then((result) => {
        errors.push(...result.failedChunks.map((chunk) => chunk.error));
      }),
    );
    await collect(client.setNotificationFilterUrls(user.id, [{ category: '', notification_target: 'x' }]));
    expect(errors.length).toBeGreaterThanOrEqual(4);
    expect(logs.length).toBeGreaterThan(5);

    const finalState = store.current();
    const secrets = [
      user.apiKey,
      state.installationToken,
      state.sessionToken,
      finalState.sessionToken,
      ...(finalState.privateKeyPem ?? '').split('\n').filter((line) => line.length > 20),
    ].filter((secret): secret is string => typeof secret === 'string' && secret.length > 0);
    const texts = [
      ...logs.map((log) => `${log.message} ${JSON.stringify(log.attributes ?? {})}`),
      ...errors.flatMap((error) => [String(error), JSON.stringify(error), (error as Error).stack ?? '']),
    ];
    for (const text of texts) for (const secret of secrets) expect(text).not.toContain(secret);
    expect(errors.some((error) => String(error).includes('[redacted]'))).toBe(true);
  });
});
