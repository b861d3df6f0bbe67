/**
 * The simulator's protocol, driven by hand (raw requests signed here, not through the client), and its
 * callback delivery with a stubbed fetch: nothing leaves the process.
 */
import { randomUUID } from 'node:crypto';
import { privateKeyFromPem, publicKeyFromPem, signBytes, verifyBytes } from '../../../shared/bunq/api/crypto';
import type { FetchLike } from '../../../shared/bunq/api/transport';
import {
  type BunqSimulator,
  type BunqSimulatorOptions,
  createBunqSimulator,
} from '../../../simulator/simulator';
import { keys, mutationCallback } from '../shared/bunq/api/harness';

interface RawAnswer {
  status: number;
  json: Record<string, unknown>;
  headers: Readonly<Record<string, string>>;
  body: Buffer;
}

async function raw(
  sim: BunqSimulator,
  method: string,
  url: string,
  options: { body?: unknown; token?: string; sign?: boolean | string; headers?: Record<string, string> } = {},
): Promise<RawAnswer> {
  const body =
    options.body === undefined ? Buffer.alloc(0) : Buffer.from(JSON.stringify(options.body), 'utf8');
  const headers: Record<string, string> = {
    'user-agent': 'test',
    'x-bunq-client-request-id': randomUUID(),
    'x-bunq-geolocation': '0 0 0 0 000',
    ...(options.token ? { 'x-bunq-client-authentication': options.token } : {}),
    ...options.headers,
  };
  if (typeof options.sign === 'string') headers['x-bunq-client-signature'] = options.sign;
  else if (options.sign) {
    headers['x-bunq-client-signature'] = signBytes(
      body,
      privateKeyFromPem((await keys().client).privateKeyPem),
    );
  }
  const answer = await sim.handle({ method, url, headers, body, remoteAddress: '127.0.0.1' });
  const text = answer.body.toString('utf8');
  return {
    status: answer.status,
    json: text ? JSON.parse(text) : {},
    headers: answer.headers,
    body: answer.body,
  };
}

function item<T = Record<string, unknown>>(answer: RawAnswer, key: string): T {
  const found = (answer.json.Response as Array<Record<string, unknown>>).find((entry) => key in entry);
  return found?.[key] as T;
}

async function newSimulator(options: BunqSimulatorOptions = {}): Promise<BunqSimulator> {
  return createBunqSimulator({
    keyPair: await keys().simulator,
    rateLimits: false,
    fetch: async () => new Response(null, { status: 200 }),
    ...options,
  });
}

/** installation → device → session by hand; returns the tokens. */
async function login(sim: BunqSimulator, apiKey: string) {
  const installation = await raw(sim, 'POST', '/v1/installation', {
    body: { client_public_key: (await keys().client).publicKeyPem },
  });
  const installationToken = item<{ token: string }>(installation, 'Token').token;
  await raw(sim, 'POST', '/v1/device-server', {
    body: { description: 't', secret: apiKey, permitted_ips: ['*'] },
    token: installationToken,
  });
  const session = await raw(sim, 'POST', '/v1/session-server', {
    body: { secret: apiKey },
    token: installationToken,
    sign: true,
  });
  return { installationToken, session, sessionToken: item<{ token: string }>(session, 'Token').token };
}

describe('simulator: installation, device, session', () => {
  it('answers installation with Id, Token and its ServerPublicKey, and signs every answer', async () => {
    const sim = await newSimulator();
    const answer = await raw(sim, 'POST', '/v1/installation', {
      body: { client_public_key: (await keys().client).publicKeyPem },
      headers: { 'x-bunq-client-request-id': 'req-1' },
    });
    expect(answer.status).toBe(200);
    expect(item(answer, 'Id')).toEqual({ id: expect.any(Number) });
    expect(item(answer, 'Token')).toEqual(
      expect.objectContaining({ token: expect.stringMatching(/^[0-9a-f]{64}$/) }),
    );
    expect(item(answer, 'ServerPublicKey')).toEqual({ server_public_key: sim.serverPublicKeyPem });
    const signature = answer.headers['x-bunq-server-signature'] ?? '';
    expect(verifyBytes(answer.body, signature, publicKeyFromPem(sim.serverPublicKeyPem))).toBe(true);
    expect(answer.headers['x-bunq-client-request-id']).toBe('req-1');
    expect(answer.headers['x-bunq-client-response-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('refuses a client_public_key that is not an RSA PEM and superfluous fields', async () => {
    const sim = await newSimulator();
    expect((await raw(sim, 'POST', '/v1/installation', { body: { client_public_key: 'x' } })).status).toBe(
      400,
    );
    const extra = await raw(sim, 'POST', '/v1/installation', {
      body: { client_public_key: (await keys().client).publicKeyPem, notification_filters: [] },
    });
    expect(extra.status).toBe(400);
    expect(extra.json).toEqual({
      Error: [
        {
          error_description: 'Superfluous field "notification_filters".',
          error_description_translated: 'Superfluous field "notification_filters".',
        },
      ],
    });
  });

  it('session-server: 466 unsigned, 401 badly signed, then the session with the user object', async () => {
    const sim = await newSimulator();
    const user = sim.createUser({ sessionTimeoutSeconds: 3600 });
    const { installationToken } = await login(sim, user.apiKey);
    const body = { secret: user.apiKey };
    expect((await raw(sim, 'POST', '/v1/session-server', { body, token: installationToken })).status).toBe(
      466,
    );
    const badSignature = signBytes(
      Buffer.from('{"secret":"other"}'),
      privateKeyFromPem((await keys().client).privateKeyPem),
    );
    const bad = await raw(sim, 'POST', '/v1/session-server', {
      body,
      token: installationToken,
      sign: badSignature,
    });
    expect(bad.status).toBe(401);
    const good = await raw(sim, 'POST', '/v1/session-server', { body, token: installationToken, sign: true });
    expect(good.status).toBe(200);
    expect(item(good, 'UserPerson')).toEqual(expect.objectContaining({ id: user.id, session_timeout: 3600 }));
  });

  it('session-server: a UserApiKey answer carries requested_by_user and granted_by_user', async () => {
    const sim = await newSimulator();
    const user = sim.createUser({ kind: 'UserApiKey' });
    const { session } = await login(sim, user.apiKey);
    expect(item(session, 'UserApiKey')).toEqual(
      expect.objectContaining({
        id: user.id,
        requested_by_user: { UserCompany: expect.objectContaining({ id: user.requestedByUserId }) },
        granted_by_user: { UserPerson: expect.objectContaining({ id: user.grantedByUserId }) },
      }),
    );
  });

  it('refuses an unknown API key, a missing device and a wrong installation token', async () => {
    const sim = await newSimulator();
    const user = sim.createUser();
    const installation = await raw(sim, 'POST', '/v1/installation', {
      body: { client_public_key: (await keys().client).publicKeyPem },
    });
    const token = item<{ token: string }>(installation, 'Token').token;
    const device = (secret: string, auth: string) =>
      raw(sim, 'POST', '/v1/device-server', { body: { description: 'd', secret }, token: auth });
    expect((await device('wrong', token)).status).toBe(400);
    expect((await device(user.apiKey, 'not-a-token')).status).toBe(401);
    const session = await raw(sim, 'POST', '/v1/session-server', {
      body: { secret: user.apiKey },
      token,
      sign: true,
    });
    expect(session.status).toBe(400);
  });

  it('requires the bunq headers and a unique request id', async () => {
    const sim = await newSimulator();
    const body = { client_public_key: (await keys().client).publicKeyPem };
    const missing = await raw(sim, 'POST', '/v1/installation', { body, headers: { 'user-agent': '' } });
    expect(missing.status).toBe(400);
    const once = await raw(sim, 'POST', '/v1/installation', {
      body,
      headers: { 'x-bunq-client-request-id': 'same' },
    });
    const twice = await raw(sim, 'POST', '/v1/installation', {
      body,
      headers: { 'x-bunq-client-request-id': 'same' },
    });
    expect([once.status, twice.status]).toEqual([200, 400]);
  });

  it('answers an expired session with 401 "Insufficient authorisation." and an unknown one with "Insufficient authentication."', async () => {
    let now = 1_000_000;
    const sim = await newSimulator({ now: () => now });
    const user = sim.createUser({ sessionTimeoutSeconds: 60 });
    const { sessionToken } = await login(sim, user.apiKey);
    const path = `/v1/user/${user.id}/notification-filter-url`;
    expect((await raw(sim, 'GET', path, { token: sessionToken })).status).toBe(200);
    now += 61_000;
    const expired = await raw(sim, 'GET', path, { token: sessionToken });
    expect(expired.status).toBe(401);
    expect(expired.json).toEqual({
      Error: [expect.objectContaining({ error_description: 'Insufficient authorisation.' })],
    });
    const unknown = await raw(sim, 'GET', path, { token: 'nope' });
    expect(unknown.json).toEqual({
      Error: [expect.objectContaining({ error_description: 'Insufficient authentication.' })],
    });
  });

  it('answers 429 unsigned with bunq wording once over the limit', async () => {
    const sim = await newSimulator({ rateLimits: { POST: { limit: 2, windowMs: 60_000 } } });
    const body = { client_public_key: (await keys().client).publicKeyPem };
    const statuses: number[] = [];
    let last: RawAnswer | undefined;
    for (let index = 0; index < 3; index += 1) {
      last = await raw(sim, 'POST', '/v1/installation', { body });
      statuses.push(last.status);
    }
    expect(statuses).toEqual([200, 200, 429]);
    expect(last?.headers['x-bunq-server-signature']).toBeUndefined();
    expect(last?.json).toEqual({
      Error: [
        expect.objectContaining({
          error_description:
            'Too many requests. You can do a maximum of 2 calls per 60 second to this endpoint.',
        }),
      ],
    });
  });
});

describe('simulator: rateLimitScope', () => {
  const limits = {
    GET: { limit: 1, windowMs: 60_000 },
    POST: { limit: 100, windowMs: 1 },
    sessionServer: { limit: 100, windowMs: 1 },
  };
  async function secondUsersFirstGet(scope: 'address' | 'session'): Promise<number[]> {
    const sim = await newSimulator({ rateLimits: limits, rateLimitScope: scope });
    const statuses: number[] = [];
    for (const user of [sim.createUser(), sim.createUser()]) {
      const { sessionToken } = await login(sim, user.apiKey);
      const path = `/v1/user/${user.id}/notification-filter-url`;
      statuses.push((await raw(sim, 'GET', path, { token: sessionToken })).status);
    }
    return statuses;
  }

  it('counts per source address by default (bunq), per session token with "session"', async () => {
    expect(await secondUsersFirstGet('address')).toEqual([200, 429]);
    expect(await secondUsersFirstGet('session')).toEqual([200, 200]);
  });
});

describe('simulator: notification-filter-failure', () => {
  it('paginates newest first with older_url, newer_url and future_url', async () => {
    const sim = await newSimulator();
    const user = sim.createUser();
    const { sessionToken } = await login(sim, user.apiKey);
    const ids = sim.seedFailures(user.id, 25);
    const base = `/v1/user/${user.id}/notification-filter-failure`;
    const page = async (query: string) => raw(sim, 'GET', `${base}${query}`, { token: sessionToken });
    const pageIds = (answer: RawAnswer) =>
      (answer.json.Response as Array<{ NotificationFilterFailure: { id: number } }>).map(
        (entry) => entry.NotificationFilterFailure.id,
      );

    const first = await page('?count=10');
    expect(pageIds(first)).toEqual(ids.slice(15).reverse());
    expect(first.json.Pagination).toEqual({
      future_url: `${base}?count=10&newer_id=${ids[24]}`,
      newer_url: null,
      older_url: `${base}?count=10&older_id=${ids[15]}`,
    });
    const second = await page(`?count=10&older_id=${ids[15]}`);
    expect(pageIds(second)).toEqual(ids.slice(5, 15).reverse());
    expect(second.json.Pagination).toEqual({
      future_url: null,
      newer_url: `${base}?count=10&newer_id=${ids[14]}`,
      older_url: `${base}?count=10&older_id=${ids[5]}`,
    });
    const last = await page(`?count=10&older_id=${ids[5]}`);
    expect(pageIds(last)).toEqual(ids.slice(0, 5).reverse());
    expect((last.json.Pagination as { older_url: unknown }).older_url).toBeNull();
    expect(pageIds(await page(`?count=10&newer_id=${ids[14]}`))).toEqual(ids.slice(15).reverse());
    expect(pageIds(await page(''))).toHaveLength(10); // bunq's default count
    expect((await page('?count=201')).status).toBe(400);
    expect((await page('?older_id=abc')).status).toBe(400);
  });

  it('retry POST: validates the id list, answers 200 with an empty Response and redelivers', async () => {
    const delivered: string[] = [];
    const sim = await newSimulator({
      fetch: async (url) => {
        delivered.push(url);
        return new Response('ok', { status: 200 });
      },
    });
    const user = sim.createUser();
    const other = sim.createUser();
    const { sessionToken } = await login(sim, user.apiKey);
    const [mine] = sim.seedFailures(user.id, [{ notification_target: 'https://ours.example/cb' }]);
    const [theirs] = sim.seedFailures(other.id, 1);
    const retry = (ids: unknown) =>
      raw(sim, 'POST', `/v1/user/${user.id}/notification-filter-failure`, {
        body: { notification_filter_failed_ids: ids },
        token: sessionToken,
      });
    expect((await retry('')).status).toBe(400);
    expect((await retry('1, 2')).status).toBe(400);
    expect((await retry(Array.from({ length: 101 }, (_, index) => index + 1).join(','))).status).toBe(400);
    expect((await retry(`${mine},${theirs}`)).status).toBe(404);
    expect((await retry('999999')).status).toBe(404);
    expect(delivered).toEqual([]);

    const ok = await retry(`${mine}`);
    expect(ok.status).toBe(200);
    expect(ok.json).toEqual({ Response: [] });
    await sim.idle();
    expect(delivered).toEqual(['https://ours.example/cb']);
    expect(sim.listFailures(user.id)).toEqual([]);
    expect(sim.listFailures(other.id)).toHaveLength(1);
  });
});

describe('simulator: callback delivery', () => {
  const target = 'https://receiver.example/bunq';

  function recorder(answer: (attempt: number) => Response | Promise<Response>) {
    const requests: Array<{ url: string; body: string; at: number }> = [];
    const fetch: FetchLike = async (url, init) => {
      requests.push({ url, body: Buffer.from(init.body as Uint8Array).toString('utf8'), at: Date.now() });
      return answer(requests.length);
    };
    return { requests, fetch };
  }

  it('tries 1 + 5 times at the retry interval, then stores one failure record', async () => {
    const receiver = recorder(() => new Response('down', { status: 503 }));
    const sim = await newSimulator({ fetch: receiver.fetch, retryIntervalMs: 15 });
    const user = sim.createUser();
    sim.setNotificationFilters(user.id, [{ category: 'MUTATION', notification_target: target }]);
    const delivery = sim.emit(user.id, mutationCallback(4242));
    await sim.idle();

    expect(receiver.requests).toHaveLength(6);
    expect(new Set(receiver.requests.map((request) => request.body)).size).toBe(1);
    const gaps = receiver.requests
      .slice(1)
      .map((request, index) => request.at - (receiver.requests[index]?.at ?? 0));
    for (const gap of gaps) expect(gap).toBeGreaterThanOrEqual(14);
    expect(JSON.parse(receiver.requests[0]?.body ?? '{}').NotificationUrl.target_url).toBe(target);

    const failures = sim.listFailures(user.id);
    expect(failures).toEqual([
      {
        id: expect.any(Number),
        created: expect.stringMatching(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{6}$/),
        updated: expect.stringMatching(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{6}$/),
        category: 'MUTATION',
        event_type: 'MUTATION_CREATED',
        object_id: 4242,
        exception_message: 'The callback target answered HTTP 503.',
        response_code: 503,
        notification_filters: [
          { notification_delivery_method: 'URL', notification_target: target, category: 'MUTATION' },
        ],
      },
    ]);
    expect(sim.getDelivery(delivery.id)).toEqual(
      expect.objectContaining({
        state: 'failed',
        targets: [
          expect.objectContaining({
            state: 'failed',
            failureId: failures[0]?.id,
            attempts: expect.any(Array),
          }),
        ],
      }),
    );
    // The filter is gone: the record keeps the failure but lists no filter (bunq's failure listing
    // answers `notification_filters: []` once the filter was deleted).
    sim.setNotificationFilters(user.id, []);
    expect(sim.listFailures(user.id)[0]?.notification_filters).toEqual([]);
  });

  it('stores a null response_code for a broken connection, and stops retrying once delivered', async () => {
    const broken = recorder(() => {
      throw new TypeError('fetch failed', { cause: new Error('connect ECONNREFUSED 127.0.0.1:9') });
    });
    const sim = await newSimulator({ fetch: broken.fetch, retryIntervalMs: 1, maxDeliveryRetries: 2 });
    const user = sim.createUser();
    sim.setNotificationFilters(user.id, [{ category: 'MUTATION', notification_target: target }]);
    sim.emit(user.id, mutationCallback(1));
    await sim.idle();
    expect(broken.requests).toHaveLength(3);
    expect(sim.listFailures(user.id)[0]).toEqual(
      expect.objectContaining({
        response_code: null,
        exception_message: 'The callback could not be delivered: connect ECONNREFUSED 127.0.0.1:9',
      }),
    );

    const flaky = recorder((attempt) => new Response(null, { status: attempt < 3 ? 500 : 200 }));
    const second = await newSimulator({ fetch: flaky.fetch, retryIntervalMs: 1 });
    const other = second.createUser();
    second.setNotificationFilters(other.id, [{ category: 'MUTATION', notification_target: target }]);
    second.emit(other.id, mutationCallback(2));
    await second.idle();
    expect(flaky.requests).toHaveLength(3);
    expect(second.listFailures(other.id)).toEqual([]);
  });

  it('matches user-level filters and account-level filters of the object account; one delivery per target', async () => {
    const receiver = recorder(() => new Response(null, { status: 200 }));
    const sim = await newSimulator({ fetch: receiver.fetch });
    const user = sim.createUser();
    sim.setNotificationFilters(user.id, [
      { category: 'MUTATION', notification_target: 'https://a.example' },
      { category: 'PAYMENT', notification_target: 'https://b.example' },
      { category: 'MUTATION', notification_target: 'https://a.example', monetaryAccountId: 11 },
      { category: 'MUTATION', notification_target: 'https://c.example', monetaryAccountId: 11 },
      { category: 'MUTATION', notification_target: 'https://d.example', monetaryAccountId: 12 },
    ]);
    const delivery = sim.emit(user.id, mutationCallback(5, 11));
    await sim.idle();
    expect(delivery.targets.map((entry) => entry.target)).toEqual(['https://a.example', 'https://c.example']);
    expect(receiver.requests.map((request) => request.url).sort()).toEqual([
      'https://a.example',
      'https://c.example',
    ]);
  });

  it('a failed redelivery keeps the record with fresh details; full-schedule mode retries it 6 times', async () => {
    let answer = 500;
    const receiver = recorder(() => new Response(null, { status: answer }));
    const sim = await newSimulator({
      fetch: receiver.fetch,
      retryIntervalMs: 1,
      redelivery: 'full-schedule',
    });
    const user = sim.createUser();
    const { sessionToken } = await login(sim, user.apiKey);
    const [id] = sim.seedFailures(user.id, [{ notification_target: target, response_code: 502 }]);
    answer = 404;
    await raw(sim, 'POST', `/v1/user/${user.id}/notification-filter-failure`, {
      body: { notification_filter_failed_ids: `${id}` },
      token: sessionToken,
    });
    await sim.idle();
    expect(receiver.requests).toHaveLength(6);
    expect(sim.listFailures(user.id)).toEqual([expect.objectContaining({ id, response_code: 404 })]);
  });
});

describe('simulator: fetch adapter and control API in memory', () => {
  it('serves the control API through handle()', async () => {
    const sim = await newSimulator();
    const control = async (method: string, path: string, body?: unknown) => {
      const answer = await sim.fetch(`http://sim.test${path}`, {
        method,
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      return { status: answer.status, json: (await answer.json()) as Record<string, unknown> & unknown[] };
    };
    const created = await control('POST', '/_simulator/users', { kind: 'UserCompany' });
    expect(created.status).toBe(201);
    const userId = created.json.userId as number;
    expect(created.json.apiKey).toMatch(/^sim_[0-9a-f]{64}$/);
    expect(
      (
        await control('PUT', `/_simulator/users/${userId}/notification-filters`, [
          { category: 'MUTATION', notification_target: target() },
        ])
      ).status,
    ).toBe(200);
    expect((await control('GET', `/_simulator/users/${userId}/notification-filters`)).json).toEqual([
      {
        id: expect.any(Number),
        category: 'MUTATION',
        notification_target: target(),
        monetaryAccountId: null,
      },
    ]);
    const emitted = await control('POST', '/_simulator/emit', { userId, callback: mutationCallback(1) });
    expect(emitted).toEqual({
      status: 202,
      json: { deliveryId: expect.any(Number), targets: [target()] },
    });
    expect((await control('GET', '/_simulator/idle?timeoutMs=30000')).json).toEqual({ idle: true });
    expect((await control('GET', `/_simulator/deliveries/${emitted.json.deliveryId}`)).json).toEqual(
      expect.objectContaining({ state: 'delivered' }),
    );
    expect(
      (await control('POST', `/_simulator/users/${userId}/failures`, { count: 3, category: 'PAYMENT' })).json
        .ids,
    ).toHaveLength(3);
    expect((await control('GET', `/_simulator/users/${userId}/failures`)).json).toHaveLength(3);
    expect((await control('POST', '/_simulator/emit', { userId, callback: { nope: 1 } })).status).toBe(400);
    expect(
      (await control('POST', '/_simulator/emit', { userId: 999, callback: mutationCallback(1) })).status,
    ).toBe(404);
    expect(
      (await control('POST', '/_simulator/faults', { kind: 'error', status: 491, path: 'installation' }))
        .status,
    ).toBe(201);
    expect((await sim.fetch('http://sim.test/v1/installation', { method: 'POST', body: '{}' })).status).toBe(
      491,
    );
    expect((await control('POST', '/_simulator/faults', { kind: 'bogus' })).status).toBe(400);
    expect((await control('POST', '/_simulator/sessions/expire', {})).json).toEqual({ expired: 0 });
    expect((await control('GET', '/_simulator/nope')).status).toBe(404);
    expect((await control('GET', '/elsewhere')).status).toBe(404);
  });

  function target(): string {
    return 'https://receiver.example/control';
  }
});
