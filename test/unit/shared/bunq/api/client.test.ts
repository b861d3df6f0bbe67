/**
 * The bunq API client's calls against the simulator in process: a typed error per status, response
 * signatures, rate limits and backoff, failure listing and retries, filters, certificate pinning. The session
 * set-up is in `session.test.ts`.
 */

import { replaceFiltersForTarget } from '../../../../../cli/filter-plan';
import {
  BunqApiError,
  BunqBadRequestError,
  BunqError,
  BunqForbiddenError,
  BunqInputError,
  BunqMaintenanceError,
  BunqMethodNotAllowedError,
  BunqNotFoundError,
  BunqRateLimitError,
  BunqResponseFormatError,
  BunqServerError,
  BunqServerSignatureError,
  BunqSignatureRequiredError,
  BunqUnauthorizedError,
  BunqUserError,
} from '../../../../../shared/bunq/api/errors';
import { MAX_RETRY_IDS_PER_CALL } from '../../../../../shared/bunq/api/limits';
import { BASE_URL, calls, createHarness, rejection, signedResponse, switchableFetch } from './harness';

describe('BunqApiClient errors', () => {
  const cases: Array<[number, new (...args: never[]) => BunqApiError, string]> = [
    [400, BunqBadRequestError, 'BunqBadRequestError'],
    [401, BunqUnauthorizedError, 'BunqUnauthorizedError'],
    [403, BunqForbiddenError, 'BunqForbiddenError'],
    [404, BunqNotFoundError, 'BunqNotFoundError'],
    [405, BunqMethodNotAllowedError, 'BunqMethodNotAllowedError'],
    [466, BunqSignatureRequiredError, 'BunqSignatureRequiredError'],
    [490, BunqUserError, 'BunqUserError'],
    [491, BunqMaintenanceError, 'BunqMaintenanceError'],
    [500, BunqServerError, 'BunqServerError'],
    [503, BunqServerError, 'BunqServerError'],
  ];

  it.each(cases)('maps an HTTP %i error envelope to its typed error', async (status, type, name) => {
    const { client, user, sim } = await createHarness();
    await client.ensureSession();
    sim.injectFault({
      kind: 'error',
      status,
      description: `Simulated problem ${status}.`,
      path: '/certificate-pinned',
    });
    const error = await rejection(client.listCertificatesPinned(user.id));
    expect(error).toBeInstanceOf(type);
    expect(error).toBeInstanceOf(BunqApiError);
    expect(error).toBeInstanceOf(BunqError);
    const apiError = error as BunqApiError;
    expect(apiError.name).toBe(name);
    expect(apiError.status).toBe(status);
    expect(apiError.description).toBe(`Simulated problem ${status}.`);
    expect(apiError.responseId).toMatch(/^[0-9a-f-]{36}$/);
    expect(apiError.message).toContain(`HTTP ${status}: Simulated problem ${status}.`);
    expect(apiError.path).toBe(`/user/${user.id}/certificate-pinned`);
  });

  it('400: too many ids or a malformed id list in a retry call', async () => {
    const { client, user } = await createHarness();
    const path = `/user/${user.id}/notification-filter-failure`;
    const tooMany = Array.from({ length: 101 }, (_, index) => index + 1).join(',');
    const error = await rejection(
      client.request({ method: 'POST', path, body: { notification_filter_failed_ids: tooMany } }),
    );
    expect(error).toBeInstanceOf(BunqBadRequestError);
    expect((error as BunqApiError).description).toMatch(/maximum of 100/);
    await expect(
      client.request({ method: 'POST', path, body: { notification_filter_failed_ids: '1,,2' } }),
    ).rejects.toBeInstanceOf(BunqBadRequestError);
    await expect(
      client.request({ method: 'POST', path, body: { notification_filter_failed_ids: [1, 2] } }),
    ).rejects.toBeInstanceOf(BunqBadRequestError);
  });

  it('401: the simulator refuses a request body changed after signing', async () => {
    const { client, user, sim } = await createHarness({
      wrapFetch: (inner) => async (url, init) => {
        if (init.body && String(url).endsWith('/notification-filter-url')) {
          const text = Buffer.from(init.body as Uint8Array).toString('utf8');
          return inner(url, { ...init, body: Buffer.from(text.replace('MUTATION', 'PAYMENT'), 'utf8') });
        }
        return inner(url, init);
      },
    });
    const error = await rejection(
      client.setNotificationFilterUrls(user.id, [
        { category: 'MUTATION', notification_target: 'https://a.example/cb' },
      ]),
    );
    expect(error).toBeInstanceOf(BunqUnauthorizedError);
    expect((error as BunqApiError).description).toBe('The request signature is invalid.');
    expect(sim.allFilters(user.id)).toEqual([]);
    expect(calls(sim, 'POST', '/session-server')).toHaveLength(1); // not mistaken for an expired session
  });

  it('403: a path of another user', async () => {
    const { client, user } = await createHarness();
    await expect(client.getNotificationFilterUrls(user.id + 100)).rejects.toBeInstanceOf(BunqForbiddenError);
  });

  it('404: retrying an unknown failure id or one of another user', async () => {
    const { client, user, sim } = await createHarness();
    const other = sim.createUser();
    const [othersFailure] = sim.seedFailures(other.id, 1);
    const result = await client.retryNotificationFilterFailures(user.id, [othersFailure ?? 0]);
    expect(result.retriedIds).toEqual([]);
    expect(result.failedChunks[0]?.error).toBeInstanceOf(BunqNotFoundError);
    const unknown = await client.retryNotificationFilterFailures(user.id, [999_999]);
    expect(unknown.failedChunks[0]?.error).toBeInstanceOf(BunqNotFoundError);
  });

  it('405: a method the endpoint does not have', async () => {
    const { client, user } = await createHarness();
    await expect(
      client.request({ method: 'DELETE', path: `/user/${user.id}/notification-filter-url` }),
    ).rejects.toBeInstanceOf(BunqMethodNotAllowedError);
  });

  it('466: a session-server call without its signature', async () => {
    const { client } = await createHarness({
      wrapFetch: (inner) => async (url, init) => {
        if (!String(url).endsWith('/session-server')) return inner(url, init);
        const headers = new Headers(init.headers);
        headers.delete('X-Bunq-Client-Signature');
        return inner(url, { ...init, headers });
      },
    });
    const error = await rejection(client.ensureSession());
    expect(error).toBeInstanceOf(BunqSignatureRequiredError);
    expect((error as BunqApiError).status).toBe(466);
  });

  it('a network failure becomes a BunqNetworkError with the cause kept', async () => {
    const { client, user, sim } = await createHarness();
    await client.ensureSession();
    sim.injectFault({ kind: 'drop-connection', path: '/certificate-pinned' });
    const error = await rejection(client.listCertificatesPinned(user.id));
    expect((error as Error).name).toBe('BunqNetworkError');
    expect((error as Error).cause).toBeDefined();
    expect((error as Error).message).toContain('ECONNRESET');
  });

  it('refuses bad ids before calling bunq', async () => {
    const { client, sim } = await createHarness();
    await expect(client.listNotificationFilterFailures(0)).rejects.toBeInstanceOf(BunqInputError);
    await expect(client.retryNotificationFilterFailures(1, [1.5])).rejects.toBeInstanceOf(BunqInputError);
    expect(sim.requestLog).toHaveLength(0);
  });
});

describe('BunqApiClient response signatures', () => {
  it.each([
    ['a success body that does not match X-Bunq-Server-Signature', 'tamper-response-body', 'invalid'],
    ['an unsigned success body', 'unsigned-response', 'missing'],
  ] as const)('rejects %s', async (_what, kind, reason) => {
    const { client, user, sim } = await createHarness();
    await client.ensureSession();
    sim.injectFault({ kind, path: '/notification-filter-url' });
    const error = await rejection(client.getNotificationFilterUrls(user.id));
    expect(error).toBeInstanceOf(BunqServerSignatureError);
    expect((error as BunqServerSignatureError).reason).toBe(reason);
  });

  it('rejects a tampered session answer (the token is not used)', async () => {
    const { client, sim, store } = await createHarness();
    sim.injectFault({ kind: 'tamper-response-body', path: '/session-server' });
    await expect(client.ensureSession()).rejects.toBeInstanceOf(BunqServerSignatureError);
    expect(store.current().sessionToken).toBeUndefined();
  });

  it('accepts an unsigned error body (bunq sends 429s unsigned) as the typed error', async () => {
    const { client, user, sim } = await createHarness({ client: { backoff: { maxRetries: 0 } } });
    await client.ensureSession();
    sim.injectFault({
      kind: 'error',
      status: 429,
      description: 'Too many requests.',
      path: '/certificate-pinned',
    });
    const error = await rejection(client.listCertificatesPinned(user.id));
    expect(error).toBeInstanceOf(BunqRateLimitError);
    expect((error as BunqApiError).description).toBe('Too many requests.');
  });
});

describe('BunqApiClient rate limits', () => {
  it('backs off with jitter on 429 and succeeds within the retry bound', async () => {
    const { client, user, sim, clock } = await createHarness();
    await client.ensureSession();
    clock.sleeps.length = 0;
    sim.injectFault({ kind: 'error', status: 429, path: '/certificate-pinned', times: 2 });
    await expect(client.listCertificatesPinned(user.id)).resolves.toEqual([]);
    // random() = 0.5: half of the cap plus half of the other half; caps 1000 and 2000 ms.
    expect(clock.sleeps).toEqual([750, 1500]);
    expect(calls(sim, 'GET', '/certificate-pinned').map((entry) => entry.status)).toEqual([429, 429, 200]);
  });

  it('gives up after maxRetries and throws the 429', async () => {
    const { client, user, sim } = await createHarness({
      client: { backoff: { maxRetries: 2, baseDelayMs: 10 } },
    });
    await client.ensureSession();
    sim.injectFault({ kind: 'error', status: 429, path: '/certificate-pinned', times: 10 });
    await expect(client.listCertificatesPinned(user.id)).rejects.toBeInstanceOf(BunqRateLimitError);
    expect(calls(sim, 'GET', '/certificate-pinned')).toHaveLength(3);
  });

  it('answers real 429s from the simulator with bunq limits when the client does not throttle', async () => {
    const { client, user, sim } = await createHarness({
      sim: { rateLimits: { GET: { limit: 3, windowMs: 3_000 } } },
      client: { rateLimits: false, backoff: { maxRetries: 0 } },
    });
    await client.ensureSession();
    for (let index = 0; index < 3; index += 1) await client.listCertificatesPinned(user.id);
    const error = await rejection(client.listCertificatesPinned(user.id));
    expect(error).toBeInstanceOf(BunqRateLimitError);
    expect((error as BunqApiError).description).toBe(
      'Too many requests. You can do a maximum of 3 calls per 3 second to this endpoint.',
    );
    expect(calls(sim, 'GET', '/certificate-pinned').map((entry) => entry.status)).toEqual([
      200, 200, 200, 429,
    ]);
  });

  it('throttles itself to bunq limits so the simulator (enforcing them) never answers 429', async () => {
    const { client, user, sim, clock } = await createHarness({ sim: { rateLimits: {} } });
    await client.ensureSession();
    const started = clock.now();
    for (let index = 0; index < 7; index += 1) await client.listCertificatesPinned(user.id);
    for (let index = 0; index < 6; index += 1) {
      await client.request({
        method: 'POST',
        path: `/user/${user.id}/notification-filter-url`,
        body: { notification_filters: [] },
      });
    }
    expect(sim.requestLog.filter((entry) => entry.status === 429)).toEqual([]);
    // 7 GETs at 3 per 3 s need two full windows; the 6th POST waits for the POST window.
    expect(clock.now() - started).toBeGreaterThanOrEqual(6_000);
    expect(clock.sleeps.length).toBeGreaterThanOrEqual(3);
  });

  it('keeps to 1 session-server call per 30 s', async () => {
    const { client, sim, clock } = await createHarness({ sim: { rateLimits: {} } });
    await client.ensureSession();
    const started = clock.now();
    await client.resetSession();
    expect(clock.now() - started).toBeGreaterThanOrEqual(30_000);
    expect(calls(sim, 'POST', '/session-server').map((entry) => entry.status)).toEqual([200, 200]);
  });
});

describe('BunqApiClient notification filter failures', () => {
  it('reads every page (450 failures, count=200, following older_url)', async () => {
    const { client, user, sim } = await createHarness();
    const ids = sim.seedFailures(user.id, 450);
    const failures = await client.listNotificationFilterFailures(user.id);
    expect(failures).toHaveLength(450);
    expect(failures.map((failure) => failure.id)).toEqual([...ids].reverse());
    const pages = calls(sim, 'GET', '/notification-filter-failure');
    expect(pages.map((entry) => entry.path)).toEqual([
      `/user/${user.id}/notification-filter-failure?count=200`,
      `/user/${user.id}/notification-filter-failure?count=200&older_id=${ids[250]}`,
      `/user/${user.id}/notification-filter-failure?count=200&older_id=${ids[50]}`,
    ]);
    expect(failures[0]).toEqual(
      expect.objectContaining({
        category: 'MUTATION',
        event_type: 'MUTATION_CREATED',
        object_id: expect.any(Number),
        response_code: 500,
        exception_message: expect.any(String),
        created: expect.stringMatching(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{6}$/),
        notification_filters: [],
      }),
    );
  });

  it('tolerates missing and extra fields in failure items, skipping items of other types', async () => {
    const fetchSwitch = switchableFetch();
    const { client, user } = await createHarness({ wrapFetch: fetchSwitch.wrap });
    await client.ensureSession();
    fetchSwitch.set(async (url) =>
      url.includes('/notification-filter-failure')
        ? signedResponse({
            Response: [
              { NotificationFilterFailure: { id: 7, category: 'PAYMENT', brand_new_field: { x: 1 } } },
              { NotificationFilterFailure: { category: 'MUTATION', response_code: null } },
              { SomethingElse: {} },
            ],
            Pagination: { future_url: null, newer_url: null, older_url: null },
          })
        : null,
    );
    const failures = await client.listNotificationFilterFailures(user.id);
    expect(failures).toEqual([
      { id: 7, category: 'PAYMENT', brand_new_field: { x: 1 } },
      { category: 'MUTATION', response_code: null },
    ]);
  });

  it('reports items of the wrong shape and answers without the envelope as format errors', async () => {
    const fetchSwitch = switchableFetch();
    const { client, user } = await createHarness({ wrapFetch: fetchSwitch.wrap });
    await client.ensureSession();
    const answer = (body: unknown) => fetchSwitch.set(async () => signedResponse(body));
    answer({ Response: [{ NotificationFilterFailure: { id: 'seven' } }] });
    const wrongType = await rejection(client.listNotificationFilterFailures(user.id));
    expect(wrongType).toBeInstanceOf(BunqResponseFormatError);
    expect((wrongType as Error).message).toContain('NotificationFilterFailure[0]: unexpected shape (id:');
    answer({ Data: [] });
    await expect(client.listNotificationFilterFailures(user.id)).rejects.toBeInstanceOf(
      BunqResponseFormatError,
    );
    answer('<html>oops</html>');
    await expect(client.listNotificationFilterFailures(user.id)).rejects.toBeInstanceOf(
      BunqResponseFormatError,
    );
  });

  it('does not follow an older_url to another host (the session token would go with it)', async () => {
    const fetchSwitch = switchableFetch();
    const { client, user } = await createHarness({ wrapFetch: fetchSwitch.wrap });
    await client.ensureSession();
    const urls: string[] = [];
    fetchSwitch.set(async (url) => {
      urls.push(url);
      return signedResponse({
        Response: [],
        Pagination: { older_url: 'https://evil.example/v1/user/1/notification-filter-failure?older_id=5' },
      });
    });
    await expect(client.listNotificationFilterFailures(user.id)).rejects.toBeInstanceOf(
      BunqResponseFormatError,
    );
    expect(urls.every((url) => url.startsWith(BASE_URL))).toBe(true);
  });

  it('retries ids in chunks of at most 100 as a comma-separated string', async () => {
    const { client, user, sim } = await createHarness();
    const ids = sim.seedFailures(user.id, 250);
    const result = await client.retryNotificationFilterFailures(user.id, [...ids, ...ids.slice(0, 5)]);
    expect(result.retriedIds).toEqual(ids);
    expect(result.failedChunks).toEqual([]);
    const bodies = calls(sim, 'POST', '/notification-filter-failure').map(
      (entry) => JSON.parse(entry.body).notification_filter_failed_ids as string,
    );
    expect(bodies.map((text) => text.split(',').length)).toEqual([MAX_RETRY_IDS_PER_CALL, 100, 50]);
    expect(bodies[0]).toBe(ids.slice(0, 100).join(','));
    await sim.idle();
    expect(await client.listNotificationFilterFailures(user.id)).toEqual([]);
  });

  it('keeps going after a refused chunk and reports it', async () => {
    const { client, user, sim } = await createHarness();
    const ids = sim.seedFailures(user.id, 150);
    const result = await client.retryNotificationFilterFailures(user.id, [999_999, ...ids]);
    expect(result.failedChunks).toHaveLength(1);
    expect(result.failedChunks[0]?.ids).toHaveLength(100);
    expect(result.retriedIds).toEqual(ids.slice(99));
  });
});

describe('BunqApiClient notification filters', () => {
  it('POST replaces the whole set and the answer is the list of filters', async () => {
    const { client, user } = await createHarness();
    const first = await client.setNotificationFilterUrls(user.id, [
      { category: 'MUTATION', notification_target: 'https://a.example/cb' },
      { category: 'PAYMENT', notification_target: 'https://b.example/cb' },
    ]);
    expect(first.map((filter) => [filter.category, filter.notification_target])).toEqual([
      ['MUTATION', 'https://a.example/cb'],
      ['PAYMENT', 'https://b.example/cb'],
    ]);
    expect(first[0]?.id).toEqual(expect.any(Number));
    const second = await client.setNotificationFilterUrls(user.id, [
      { category: 'MUTATION', notification_target: 'https://c.example/cb' },
    ]);
    expect(second.map((filter) => filter.notification_target)).toEqual(['https://c.example/cb']);
    const read = await client.getNotificationFilterUrls(user.id);
    expect(read.map((filter) => filter.notification_target)).toEqual(['https://c.example/cb']);
    expect(await client.setNotificationFilterUrls(user.id, [])).toEqual([]);
    expect(await client.getNotificationFilterUrls(user.id)).toEqual([]);
  });

  it('keeps monetary-account filters apart from user filters', async () => {
    const { client, user } = await createHarness();
    await client.setNotificationFilterUrls(user.id, [
      { category: 'MUTATION', notification_target: 'https://u.example' },
    ]);
    const accountId = user.monetaryAccountIds[0] as number;
    const account = await client.setNotificationFilterUrls(
      user.id,
      [{ category: 'PAYMENT', notification_target: 'https://m.example' }],
      accountId,
    );
    expect(account).toHaveLength(1);
    expect((await client.getNotificationFilterUrls(user.id)).map((filter) => filter.category)).toEqual([
      'MUTATION',
    ]);
    expect(
      (await client.getNotificationFilterUrls(user.id, accountId)).map((filter) => filter.category),
    ).toEqual(['PAYMENT']);
  });

  it('read-merge-write leaves other integrations their filters', async () => {
    const { client, user } = await createHarness();
    await client.setNotificationFilterUrls(user.id, [
      { category: 'MUTATION', notification_target: 'https://other.example/hook' },
      { category: 'PAYMENT', notification_target: 'https://ours.example/old' },
    ]);
    const current = await client.getNotificationFilterUrls(user.id);
    const merged = replaceFiltersForTarget(current, 'https://ours.example/cb', ['MUTATION', 'REQUEST']);
    const written = await client.setNotificationFilterUrls(
      user.id,
      merged.filter((filter) => filter.notification_target !== 'https://ours.example/old'),
    );
    expect(written.map((filter) => `${filter.category} ${filter.notification_target}`)).toEqual([
      'MUTATION https://other.example/hook',
      'MUTATION https://ours.example/cb',
      'REQUEST https://ours.example/cb',
    ]);
  });

  it('refuses a third URL for one category (bunq allows 2)', async () => {
    const { client, user } = await createHarness();
    const filters = ['a', 'b', 'c'].map((host) => ({
      category: 'MUTATION',
      notification_target: `https://${host}.example`,
    }));
    await expect(client.setNotificationFilterUrls(user.id, filters)).rejects.toBeInstanceOf(
      BunqBadRequestError,
    );
  });

  it('reads the set when the POST answers an Id instead of the list (what the spec claims)', async () => {
    const fetchSwitch = switchableFetch();
    const { client, user, sim } = await createHarness({ wrapFetch: fetchSwitch.wrap });
    fetchSwitch.set(async (url, init, inner) => {
      if (!(init.method === 'POST' && url.endsWith('/notification-filter-url'))) return null;
      await inner(url, init); // the write still happens
      return signedResponse({ Response: [{ Id: { id: 5 } }] });
    });
    const written = await client.setNotificationFilterUrls(user.id, [
      { category: 'MUTATION', notification_target: 'https://x.example' },
    ]);
    expect(written.map((filter) => filter.notification_target)).toEqual(['https://x.example']);
    expect(calls(sim, 'GET', '/notification-filter-url')).toHaveLength(1);
  });
});

describe('BunqApiClient certificate pinning', () => {
  const pem = '-----BEGIN CERTIFICATE-----\nMIIBfake\n-----END CERTIFICATE-----';

  it('creates, lists and deletes pinned certificates', async () => {
    const { client, user } = await createHarness();
    const id = await client.createCertificatePinned(user.id, [pem, pem]);
    expect(await client.listCertificatesPinned(user.id)).toEqual([
      { id, certificate_chain: `${pem}\n${pem}` },
    ]);
    await client.deleteCertificatePinned(user.id, id);
    expect(await client.listCertificatesPinned(user.id)).toEqual([]);
    await expect(client.deleteCertificatePinned(user.id, id)).rejects.toBeInstanceOf(BunqNotFoundError);
  });

  it('refuses a chain without a PEM certificate before calling bunq', async () => {
    const { client, user } = await createHarness();
    await expect(client.createCertificatePinned(user.id, ['not a cert'])).rejects.toBeInstanceOf(
      BunqInputError,
    );
  });
});
