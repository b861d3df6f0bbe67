/**
 * Partner onboarding end to end, on loopback: the bunq simulator with a partner company user whose
 * provisions become active, and the local runtime with `partnerOnboarding` on. Each provisioned user ends
 * with our filter at its own callback URL beside another integration's, and a fleet registry entry; a
 * MUTATION of each becomes one event with its `detail.userId`; a repeated activation changes nothing; a
 * failed token exchange is counted (`OnboardingFailures`) and retried.
 */
import { parsePipelineConfig } from '../../shared/config/pipeline-config';
import { ONBOARD_METRICS } from '../../shared/wiring/metrics';
import { type RunningBunqSimulator, startBunqSimulator } from '../../simulator/server';
import { type Receiver, startReceiver } from '../integration/bunq-api/loopback';
import { RecordingMetrics } from '../support/pipeline';
import { startTestRuntime, TEST_TOKEN, type TestRuntime } from './helpers';

jest.setTimeout(60_000);

const USERS = 3;
const FOREIGN = 'https://other-integration.example/hook';

interface Partner {
  readonly userId: number;
  readonly apiKey: string;
  readonly oauthClientId: string;
  readonly oauthClientSecret: string;
}
interface Filter {
  readonly category: string;
  readonly notification_target: string;
}

let simulator: RunningBunqSimulator;
let receiver: Receiver;
let local: TestRuntime;
let partner: Partner;
const metrics = new RecordingMetrics();
/** The activation callbacks bunq sent for the provisions, as captured before the runtime existed. */
let activations: Array<{ provisionId: number; notification: Record<string, unknown> }>;
let userIds: number[];

async function control(method: string, path: string, body?: unknown) {
  const answer = await fetch(`${simulator.origin}${path}`, {
    method,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  // biome-ignore lint/suspicious/noExplicitAny: control answers are read field by field.
  return { status: answer.status, json: (await answer.json()) as any };
}

async function until(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

const filtersOf = async (userId: number): Promise<Filter[]> =>
  (await control('GET', `/_simulator/users/${userId}/notification-filters`)).json as Filter[];
const userUrl = (userId: number) => `${local.runtime.baseUrl}/callbacks/${TEST_TOKEN}/u/${userId}`;

async function emit(userId: number, notification: Record<string, unknown>) {
  expect(
    (await control('POST', '/_simulator/emit', { userId, callback: { NotificationUrl: notification } }))
      .status,
  ).toBe(202);
  await simulator.idle();
}

beforeAll(async () => {
  simulator = await startBunqSimulator({ port: 0, rateLimits: false, retryIntervalMs: 20 });
  partner = (await control('POST', '/_simulator/users', { kind: 'UserCompany', partner: true }))
    .json as Partner;

  // bunq's activation callbacks, captured first, so another integration's filters can be in place before
  // the runtime sees them (bunq would send them to it the same way).
  receiver = await startReceiver(200);
  simulator.simulator.setNotificationFilters(partner.userId, [
    { category: 'PARTNER_USER_PROVISION', notification_target: receiver.url },
  ]);
  const created = await control('POST', `/_simulator/partners/${partner.userId}/provisions`, {
    count: USERS,
  });
  expect(created.status).toBe(201);
  await simulator.idle();
  userIds = (created.json.provisions as Array<{ userId: number }>).map((provision) => provision.userId);
  activations = receiver.received.map((request) => {
    const notification = (JSON.parse(request.body) as { NotificationUrl: Record<string, unknown> })
      .NotificationUrl;
    const object = notification.object as { PartnerUserProvision: { id: number } };
    return { provisionId: object.PartnerUserProvision.id, notification };
  });
  expect(activations).toHaveLength(USERS);
  for (const userId of userIds) {
    simulator.simulator.setNotificationFilters(userId, [
      { category: 'MUTATION', notification_target: FOREIGN },
      { category: 'CHAT', notification_target: FOREIGN },
    ]);
  }

  local = await startTestRuntime({
    config: parsePipelineConfig({ partnerOnboarding: { categories: ['MUTATION'] } }),
    partnerOnboarding: {
      bunqBaseUrl: simulator.baseUrl,
      oauthClientId: partner.oauthClientId,
      oauthClientSecret: partner.oauthClientSecret,
      retryDelayMs: 20,
      metrics,
    },
  });
  simulator.simulator.setNotificationFilters(partner.userId, [
    { category: 'PARTNER_USER_PROVISION', notification_target: local.runtime.callbackUrl },
  ]);
  // The first token exchange fails: it must be counted and retried.
  expect((await control('POST', '/_simulator/oauth/faults', { times: 1, status: 503 })).status).toBe(201);
  for (const { notification } of activations) await emit(partner.userId, notification);
  const onboarding = local.runtime.onboarding;
  await until(
    'every provisioned user onboarded',
    async () => (await onboarding?.registry.list())?.length === USERS,
  );
  await onboarding?.idle();
});

afterAll(async () => {
  await local?.dispose();
  await receiver?.close();
  await simulator?.stop();
});

describe('partner onboarding against the simulator', () => {
  it('gives each provisioned user our filter at its own URL, other integrations’ filters untouched', async () => {
    for (const userId of userIds) {
      expect(await filtersOf(userId)).toEqual([
        expect.objectContaining({ category: 'MUTATION', notification_target: FOREIGN }),
        expect.objectContaining({ category: 'CHAT', notification_target: FOREIGN }),
        expect.objectContaining({ category: 'MUTATION', notification_target: userUrl(userId) }),
      ]);
      expect(await filtersOf(userId)).toHaveLength(3);
    }
  });

  it('records each user in the fleet registry, with its credentials by reference only', async () => {
    const entries = (await local.runtime.onboarding?.registry.list()) ?? [];
    expect(entries.map((entry) => entry.userId).sort()).toEqual([...userIds].sort());
    for (const entry of entries) {
      expect(entry).toMatchObject({ filterState: 'registered', categories: ['MUTATION'] });
      expect(entry.credentialsRef).toContain(`provision-${entry.provisionId}.json`);
    }
  });

  it('counted the failed token exchange and retried it', () => {
    expect(metrics.named(ONBOARD_METRICS.onboardingFailures)).toContain('1@reason=token-exchange');
    expect(metrics.named(ONBOARD_METRICS.usersOnboarded)).toHaveLength(USERS);
    expect(local.runtime.onboarding?.stats()).toMatchObject({
      onboarded: USERS,
      failures: 1,
      deadLettered: 0,
    });
  });

  it('keeps the OAuth code and the credential token out of every event', async () => {
    const events = await local.events();
    const provisions = events.filter((event) => event['detail-type'] === 'PARTNER_USER_PROVISION');
    expect(provisions).toHaveLength(USERS);
    const text = JSON.stringify(events);
    for (const { notification } of activations) {
      const object = (
        notification.object as {
          PartnerUserProvision: Record<string, { authorization_code?: string; token_value?: string }>;
        }
      ).PartnerUserProvision;
      expect(text).not.toContain(object.oauth_request?.authorization_code as string);
      expect(text).not.toContain(object.credential?.token_value as string);
    }
  });

  it('turns a MUTATION of each user into one event carrying its detail.userId', async () => {
    for (const [index, userId] of userIds.entries()) {
      await emit(userId, {
        category: 'MUTATION',
        event_type: 'MUTATION_RECEIVED',
        object: {
          Payment: {
            id: 90_000 + index,
            created: '2026-01-02 03:04:05.678901',
            updated: '2026-01-02 03:04:05.678901',
            monetary_account_id: 7,
            amount: { value: '1.00', currency: 'EUR' },
          },
        },
      });
    }
    await until(
      'the mutations published',
      async () =>
        (await local.events()).filter((event) => event['detail-type'] === 'MUTATION').length >= USERS,
    );
    await local.runtime.drain(10_000);
    const mutations = (await local.events()).filter((event) => event['detail-type'] === 'MUTATION');
    expect(mutations.map((event) => (event.detail as { userId: number }).userId).sort()).toEqual(
      [...userIds].sort(),
    );
  });

  it('changes nothing on a repeated activation callback', async () => {
    const onboarding = local.runtime.onboarding;
    const before = {
      entries: await onboarding?.registry.list(),
      filters: await filtersOf(userIds[0] as number),
    };
    const stats = onboarding?.stats();
    await emit(partner.userId, activations[0]?.notification as Record<string, unknown>);
    await until('the repeat handled', () => (onboarding?.stats().pending ?? 0) === 0);
    await onboarding?.idle();
    expect(await onboarding?.registry.list()).toEqual(before.entries);
    expect(await filtersOf(userIds[0] as number)).toEqual(before.filters);
    // No second exchange (the code works once: it would have failed and counted).
    expect(onboarding?.stats()).toEqual(stats);
  });
});
