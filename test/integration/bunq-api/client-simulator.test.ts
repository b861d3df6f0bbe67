/**
 * The bunq client against the simulator over loopback HTTP: the real `fetch`, real sockets, the simulator's
 * rate limits on (with short windows), and a man-in-the-middle proxy for response tampering.
 */
import { BunqApiClient, type BunqApiClientOptions } from '../../../shared/bunq/api/client';
import {
  type BunqApiError,
  BunqBadRequestError,
  BunqServerSignatureError,
  BunqSignatureRequiredError,
  BunqUnauthorizedError,
} from '../../../shared/bunq/api/errors';
import type { BunqLogger } from '../../../shared/bunq/api/logger';
import { InMemoryBunqStateStore } from '../../../shared/bunq/api/state';
import { type RunningBunqSimulator, startBunqSimulator } from '../../../simulator/server';
import { startProxy } from './loopback';

// bunq's limits with short windows, on both sides, so the tests exercise them without waiting seconds. The
// simulator counts per source address, so every client of this file shares the session-server budget.
const LIMITS = {
  GET: { limit: 3, windowMs: 100 },
  POST: { limit: 5, windowMs: 100 },
  PUT: { limit: 2, windowMs: 100 },
  DELETE: { limit: 2, windowMs: 100 },
  sessionServer: { limit: 1, windowMs: 200 },
};
const waitForSessionWindow = () =>
  new Promise((resolve) => setTimeout(resolve, LIMITS.sessionServer.windowMs));

let running: RunningBunqSimulator;

beforeAll(async () => {
  running = await startBunqSimulator({
    port: 0,
    rateLimits: LIMITS,
    fetch: async () => new Response(null, { status: 200 }),
  });
});
afterAll(async () => {
  await running.stop();
});

const logLines: string[] = [];
const logger: BunqLogger = {
  debug: (message, attributes) => logLines.push(`${message} ${JSON.stringify(attributes)}`),
  info: (message, attributes) => logLines.push(`${message} ${JSON.stringify(attributes)}`),
  warn: (message, attributes) => logLines.push(`${message} ${JSON.stringify(attributes)}`),
  error: (message, attributes) => logLines.push(`${message} ${JSON.stringify(attributes)}`),
};

async function control(method: string, path: string, body?: unknown): Promise<unknown> {
  const answer = await fetch(`${running.origin}${path}`, {
    method,
    ...(body === undefined
      ? {}
      : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
  });
  return answer.json();
}

async function newUser(): Promise<{ userId: number; apiKey: string }> {
  return (await control('POST', '/_simulator/users', {})) as { userId: number; apiKey: string };
}

function clientFor(
  apiKey: string,
  overrides: Partial<BunqApiClientOptions> = {},
): {
  client: BunqApiClient;
  store: InMemoryBunqStateStore;
} {
  const store = new InMemoryBunqStateStore({ apiKey });
  const client = new BunqApiClient({
    baseUrl: running.baseUrl,
    stateStore: store,
    rateLimits: LIMITS,
    backoff: { baseDelayMs: 20, maxDelayMs: 200, maxRetries: 6 },
    logger,
    ...overrides,
  });
  return { client, store };
}

describe('bunq client ↔ simulator over HTTP', () => {
  it('runs the whole session flow with real signatures and reads and writes filters', async () => {
    const { userId, apiKey } = await newUser();
    const { client, store } = clientFor(apiKey);
    const session = await client.ensureSession();
    expect(session.userId).toBe(userId);
    expect(store.current().serverPublicKeyPem).toBe(running.simulator.serverPublicKeyPem);

    const written = await client.setNotificationFilterUrls(userId, [
      { category: 'MUTATION', notification_target: 'https://hooks.example/bunq' },
    ]);
    expect(written).toEqual([
      expect.objectContaining({ category: 'MUTATION', notification_target: 'https://hooks.example/bunq' }),
    ]);
    expect(await client.getNotificationFilterUrls(userId)).toEqual(written);
    const certificate = await client.createCertificatePinned(userId, [
      '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----',
    ]);
    expect((await client.listCertificatesPinned(userId)).map((entry) => entry.id)).toEqual([certificate]);
    await client.deleteCertificatePinned(userId, certificate);
  });

  it('lists 450 failures seeded through the control API (3 pages) and retries them in chunks of 100', async () => {
    const { userId, apiKey } = await newUser();
    const seeded = (await control('POST', `/_simulator/users/${userId}/failures`, { count: 450 })) as {
      ids: number[];
    };
    const { client } = clientFor(apiKey);
    const failures = await client.listNotificationFilterFailures(userId);
    expect(failures.map((failure) => failure.id)).toEqual([...seeded.ids].reverse());

    const before = running.simulator.requestLog.length;
    const result = await client.retryNotificationFilterFailures(userId, seeded.ids);
    expect(result.retriedIds).toHaveLength(450);
    const posts = running.simulator.requestLog
      .slice(before)
      .filter((entry) => entry.method === 'POST' && entry.path.endsWith('/notification-filter-failure'));
    expect(
      posts.map((entry) => JSON.parse(entry.body).notification_filter_failed_ids.split(',').length),
    ).toEqual([100, 100, 100, 100, 50]);
    expect(posts.every((entry) => entry.status === 200)).toBe(true);
    await running.idle();
    expect(await client.listNotificationFilterFailures(userId)).toEqual([]);
  });

  it('re-creates the session once after the simulator expired it, and retries the call', async () => {
    const { userId, apiKey } = await newUser();
    const { client, store } = clientFor(apiKey);
    await client.ensureSession();
    const firstToken = store.current().sessionToken;
    await waitForSessionWindow();
    expect(await control('POST', '/_simulator/sessions/expire', { userId })).toEqual({ expired: 1 });
    await expect(client.getNotificationFilterUrls(userId)).resolves.toEqual([]);
    expect(store.current().sessionToken).not.toBe(firstToken);
  });

  it('backs off on the 429s of the simulator when client-side GET limiting is off', async () => {
    const { userId, apiKey } = await newUser();
    const { client } = clientFor(apiKey, {
      rateLimits: { GET: { limit: 1_000, windowMs: 1 } },
      backoff: { baseDelayMs: 60, maxDelayMs: 200, maxRetries: 4 },
    });
    await waitForSessionWindow();
    await client.ensureSession();
    const before = running.simulator.requestLog.length;
    await Promise.all(Array.from({ length: 6 }, () => client.listCertificatesPinned(userId)));
    const statuses = running.simulator.requestLog
      .slice(before)
      .filter((entry) => entry.path.endsWith('/certificate-pinned'))
      .map((entry) => entry.status);
    expect(statuses.filter((status) => status === 200)).toHaveLength(6);
    expect(statuses).toContain(429);
  });

  it('the simulator refuses a request body changed after signing (401); unsigned session-server is 466', async () => {
    const { userId, apiKey } = await newUser();
    const tampering = clientFor(apiKey, {
      fetch: (url, init) => {
        if (init.method === 'POST' && url.endsWith('/notification-filter-url')) {
          const text = Buffer.from(init.body as Uint8Array).toString('utf8');
          return fetch(url, { ...init, body: text.replace('hooks.example', 'evil.example') });
        }
        return fetch(url, init);
      },
    });
    const error = await tampering.client
      .setNotificationFilterUrls(userId, [
        { category: 'MUTATION', notification_target: 'https://hooks.example/x' },
      ])
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(BunqUnauthorizedError);
    expect((error as BunqApiError).description).toBe('The request signature is invalid.');

    const unsigned = clientFor(apiKey, {
      fetch: (url, init) => {
        const headers = new Headers(init.headers);
        headers.delete('X-Bunq-Client-Signature');
        return fetch(url, { ...init, headers });
      },
    });
    await expect(unsigned.client.ensureSession()).rejects.toBeInstanceOf(BunqSignatureRequiredError);
  });

  it('the client refuses a response body changed on the way (proxy), and an unsigned one', async () => {
    const { userId, apiKey } = await newUser();
    let mode: 'pass' | 'tamper' | 'strip' = 'pass';
    const proxy = await startProxy(running.origin, (path, _status, headers, body) => {
      if (!path.includes('/notification-filter-url') || mode === 'pass') return { headers, body };
      if (mode === 'strip') {
        const { 'x-bunq-server-signature': _dropped, ...rest } = headers;
        return { headers: rest, body };
      }
      return {
        headers,
        body: Buffer.from(body.toString('utf8').replace('"Response":[', '"Response":[{"Injected":{}},')),
      };
    });
    try {
      const { client } = clientFor(apiKey, { baseUrl: `${proxy.origin}/v1` });
      await expect(client.getNotificationFilterUrls(userId)).resolves.toEqual([]);
      mode = 'tamper';
      const tampered = await client.getNotificationFilterUrls(userId).catch((caught: unknown) => caught);
      expect(tampered).toBeInstanceOf(BunqServerSignatureError);
      expect((tampered as BunqServerSignatureError).reason).toBe('invalid');
      mode = 'strip';
      const stripped = await client.getNotificationFilterUrls(userId).catch((caught: unknown) => caught);
      expect((stripped as BunqServerSignatureError).reason).toBe('missing');
    } finally {
      await proxy.close();
    }
  });

  it('maps HTTP errors over the wire (400 for >100 ids)', async () => {
    const { userId, apiKey } = await newUser();
    const { client } = clientFor(apiKey);
    const ids = Array.from({ length: 101 }, (_, index) => index + 1).join(',');
    const error = await client
      .request({
        method: 'POST',
        path: `/user/${userId}/notification-filter-failure`,
        body: { notification_filter_failed_ids: ids },
      })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(BunqBadRequestError);
    expect((error as BunqApiError).responseId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('logged nothing secret over the whole run', () => {
    const users = running.simulator.listUsers();
    expect(logLines.length).toBeGreaterThan(10);
    for (const line of logLines) for (const user of users) expect(line).not.toContain(user.apiKey);
    for (const line of logLines) expect(line).not.toMatch(/[0-9a-f]{64}/); // tokens are 64 hex chars
  });
});
