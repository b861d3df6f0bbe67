/**
 * A partner fleet against the simulator over loopback: a partner company user provisions users, each
 * provision's PARTNER_USER_PROVISION callback reaches the partner's filter target, the authorization code in
 * it is exchanged for the user's access token (`exchangeAuthorizationCode`), the token opens the user's bunq
 * context (`openUserContext`: the session answers a UserApiKey, whose id is the path user id), and the
 * partner's failure listing holds the provisioned users' failures.
 */
import { BunqApiClient } from '../../../shared/bunq/api/client';
import { generateRsaKeyPair, type RsaKeyPair } from '../../../shared/bunq/api/crypto';
import { BunqBadRequestError, BunqNetworkError, BunqServerError } from '../../../shared/bunq/api/errors';
import { exchangeAuthorizationCode, openUserContext } from '../../../shared/bunq/api/oauth';
import { InMemoryBunqStateStore } from '../../../shared/bunq/api/state';
import { type RunningBunqSimulator, startBunqSimulator } from '../../../simulator/server';
import { simulatorCall } from '../../support/simulator-call';
import { type Receiver, startReceiver } from './loopback';

interface Partner {
  readonly userId: number;
  readonly apiKey: string;
  readonly oauthClientId: string;
  readonly oauthClientSecret: string;
}
interface ProvisionCallback {
  readonly category: string;
  readonly object: {
    readonly PartnerUserProvision: {
      readonly id: number;
      readonly status: string;
      readonly oauth_request: {
        readonly status: string;
        readonly authorization_code: string | null;
        readonly callback_url: string;
      };
      readonly credential: { readonly token_value: string } | null;
    };
  };
}

let running: RunningBunqSimulator;
let receiver: Receiver;
let keyPair: RsaKeyPair;
let partner: Partner;
let partnerClient: BunqApiClient;

const control = (method: string, path: string, body?: unknown) =>
  simulatorCall(running.origin, method, path, body);

const clientOptions = () => ({
  baseUrl: running.baseUrl,
  rateLimits: false as const,
  generateKeyPair: async () => keyPair,
});

/** The provision callbacks the receiver got so far, by provision id (the last one of each). */
function provisionCallbacks(): Map<number, ProvisionCallback> {
  const byId = new Map<number, ProvisionCallback>();
  for (const request of receiver.received) {
    const notification = (JSON.parse(request.body) as { NotificationUrl: ProvisionCallback }).NotificationUrl;
    if (notification.category !== 'PARTNER_USER_PROVISION') continue;
    byId.set(notification.object.PartnerUserProvision.id, notification);
  }
  return byId;
}

async function provision(count: number, progress = false) {
  const answer = await control('POST', `/_simulator/partners/${partner.userId}/provisions`, {
    count,
    progress,
  });
  expect(answer.status).toBe(201);
  await running.idle();
  return answer.json.provisions as Array<{ provisionId: number; userId: number; grantedByUserId: number }>;
}

function exchangeFor(callback: ProvisionCallback) {
  const request = callback.object.PartnerUserProvision.oauth_request;
  return exchangeAuthorizationCode(
    {
      code: request.authorization_code ?? '',
      redirectUri: request.callback_url,
      clientId: partner.oauthClientId,
      clientSecret: partner.oauthClientSecret,
    },
    { tokenUrl: running.oauthTokenUrl },
  );
}

beforeAll(async () => {
  keyPair = await generateRsaKeyPair();
  running = await startBunqSimulator({
    port: 0,
    rateLimits: false,
    retryIntervalMs: 5,
    maxDeliveryRetries: 0,
  });
  receiver = await startReceiver(200);
  const created = await control('POST', '/_simulator/users', { kind: 'UserCompany', partner: true });
  expect(created.status).toBe(201);
  partner = created.json as Partner;
  partnerClient = new BunqApiClient({
    ...clientOptions(),
    stateStore: new InMemoryBunqStateStore({ apiKey: partner.apiKey }),
  });
  expect(await partnerClient.getUserId()).toBe(partner.userId);
  await partnerClient.setNotificationFilterUrls(partner.userId, [
    { category: 'PARTNER_USER_PROVISION', notification_target: receiver.url },
  ]);
});
afterAll(async () => {
  await running.stop();
  await receiver.close();
});

describe('a partner company user', () => {
  it('gets OAuth client credentials; other kinds cannot be partners', async () => {
    expect(partner).toEqual(
      expect.objectContaining({ kind: 'UserCompany', oauthClientId: expect.any(String) }),
    );
    expect(partner.oauthClientSecret).toMatch(/^[0-9a-f]{64}$/);
    expect((await control('POST', '/_simulator/users', { kind: 'UserPerson', partner: true })).status).toBe(
      400,
    );
    expect(
      (await control('POST', `/_simulator/partners/${partner.userId + 1000}/provisions`, {})).status,
    ).toBe(404);
  });
});

describe('provisioning', () => {
  it('emits each provision activation callback to the partner filter, with the code and a credential', async () => {
    const before = receiver.received.length;
    const provisions = await provision(3);
    expect(receiver.received.length - before).toBe(3);
    for (const { provisionId } of provisions) {
      const callback = provisionCallbacks().get(provisionId);
      expect(callback?.object.PartnerUserProvision).toEqual(
        expect.objectContaining({
          status: 'ACTIVE',
          oauth_request: expect.objectContaining({
            status: 'ACCEPTED',
            authorization_code: expect.stringMatching(/^[0-9a-f]{64}$/),
          }),
          credential: expect.objectContaining({ token_value: expect.any(String) }),
        }),
      );
    }
  });

  it('with progress, emits the CREATED step (no code yet) before the ACTIVE one', async () => {
    const before = receiver.received.length;
    await provision(1, true);
    const statuses = receiver.received.slice(before).map((request) => {
      const provisionObject = JSON.parse(request.body).NotificationUrl.object.PartnerUserProvision;
      return [provisionObject.status, provisionObject.oauth_request.authorization_code === null];
    });
    expect(statuses.sort()).toEqual([
      ['ACTIVE', false],
      ['CREATED', true],
    ]);
  });

  it('refuses a count out of range', async () => {
    const answer = await control('POST', `/_simulator/partners/${partner.userId}/provisions`, { count: 0 });
    expect(answer.status).toBe(400);
  });
});

describe('a provisioned user', () => {
  it('exchanges its code once for a token that opens a UserApiKey session as the provisioned user', async () => {
    const [created] = await provision(1);
    const callback = provisionCallbacks().get(created?.provisionId ?? -1);
    if (created === undefined || callback === undefined) throw new Error('no provision callback');

    // Before the exchange, the access token does not exist for bunq: nothing to open a session with.
    const [listed] = (await control('GET', `/_simulator/partners/${partner.userId}/provisions`)).json.filter(
      (entry: { provisionId: number }) => entry.provisionId === created.provisionId,
    );
    expect(listed.exchanged).toBe(false);
    const pending = running.simulator
      .listProvisions(partner.userId)
      .find((p) => p.id === created.provisionId);
    await expect(
      openUserContext({ ...clientOptions(), accessToken: pending?.accessToken ?? '' }),
    ).rejects.toBeInstanceOf(BunqBadRequestError);

    const token = await exchangeFor(callback);
    expect(token.tokenType).toBe('bearer');
    const { client, userId } = await openUserContext({ ...clientOptions(), accessToken: token.accessToken });
    expect(userId).toBe(created.userId);

    await client.setNotificationFilterUrls(userId, [
      { category: 'MUTATION', notification_target: receiver.url },
    ]);
    const filters = await control('GET', `/_simulator/users/${userId}/notification-filters`);
    expect(filters.json).toEqual([
      expect.objectContaining({ category: 'MUTATION', notification_target: receiver.url }),
    ]);

    // The code is one-time-use; the error never quotes it.
    const again = exchangeFor(callback);
    await expect(again).rejects.toBeInstanceOf(BunqBadRequestError);
    await again.catch((error: Error) => {
      expect(error.message).not.toContain(
        callback.object.PartnerUserProvision.oauth_request.authorization_code,
      );
    });
  });

  it('a token exchange made to fail N times fails N times, then succeeds with the same code', async () => {
    const [created] = await provision(1);
    const callback = provisionCallbacks().get(created?.provisionId ?? -1);
    if (callback === undefined) throw new Error('no provision callback');
    expect((await control('POST', '/_simulator/oauth/faults', { times: 2, status: 503 })).status).toBe(201);
    await expect(exchangeFor(callback)).rejects.toBeInstanceOf(BunqServerError);
    await expect(exchangeFor(callback)).rejects.toBeInstanceOf(BunqServerError);
    await control('POST', '/_simulator/oauth/faults', { kind: 'drop-connection' });
    await expect(exchangeFor(callback)).rejects.toBeInstanceOf(BunqNetworkError);
    await expect(exchangeFor(callback)).resolves.toEqual(
      expect.objectContaining({ accessToken: expect.any(String) }),
    );
  });

  it('refuses wrong client credentials and a wrong redirect_uri', async () => {
    const [created] = await provision(1);
    const request = provisionCallbacks().get(created?.provisionId ?? -1)?.object.PartnerUserProvision
      .oauth_request;
    const code = request?.authorization_code ?? '';
    const base = { code, redirectUri: request?.callback_url ?? '', clientId: partner.oauthClientId };
    const options = { tokenUrl: running.oauthTokenUrl };
    await expect(
      exchangeAuthorizationCode({ ...base, clientSecret: 'wrong' }, options),
    ).rejects.toBeInstanceOf(BunqBadRequestError);
    await expect(
      exchangeAuthorizationCode(
        { ...base, redirectUri: 'https://elsewhere.invalid/', clientSecret: partner.oauthClientSecret },
        options,
      ),
    ).rejects.toBeInstanceOf(BunqBadRequestError);
  });
});

describe("the partner's failure listing", () => {
  it('lists the failed callbacks of its provisioned users, and retries them under the partner id', async () => {
    const [created] = await provision(1);
    const callback = provisionCallbacks().get(created?.provisionId ?? -1);
    if (created === undefined || callback === undefined) throw new Error('no provision callback');
    const { client, userId } = await openUserContext({
      ...clientOptions(),
      accessToken: (await exchangeFor(callback)).accessToken,
    });
    await client.setNotificationFilterUrls(userId, [
      { category: 'MUTATION', notification_target: receiver.url },
    ]);
    receiver.status = 500;
    const emitted = await control('POST', '/_simulator/emit', {
      userId,
      callback: {
        NotificationUrl: {
          category: 'MUTATION',
          event_type: 'MUTATION_CREATED',
          object: { Payment: { id: 77_001, monetary_account_id: null } },
        },
      },
    });
    expect(emitted.status).toBe(202);
    await running.idle();
    receiver.status = 200;

    const listed = await partnerClient.listNotificationFilterFailures(partner.userId);
    const failure = listed.find((entry) => entry.object_id === 77_001);
    expect(failure).toEqual(expect.objectContaining({ category: 'MUTATION' }));
    expect((await client.listNotificationFilterFailures(userId)).map((entry) => entry.id)).toEqual([
      failure?.id,
    ]);

    const retried = await partnerClient.retryNotificationFilterFailures(partner.userId, [failure?.id ?? 0]);
    expect(retried.retriedIds).toEqual([failure?.id]);
    await running.idle();
    expect(
      (await partnerClient.listNotificationFilterFailures(partner.userId)).map((entry) => entry.id),
    ).not.toContain(failure?.id);
  });
});
