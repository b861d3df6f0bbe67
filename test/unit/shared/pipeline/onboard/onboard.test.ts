import type { NotificationFilterInput, NotificationFilterUrl } from '../../../../../shared/bunq/api/client';
import type { BunqStateStore } from '../../../../../shared/bunq/api/state';
import { InMemoryFleetCredentials } from '../../../../../shared/fleet/credentials';
import { InMemoryFleetRegistry } from '../../../../../shared/fleet/registry';
import {
  type OnboardingDependencies,
  OnboardingError,
  onboardProvisionedUser,
} from '../../../../../shared/pipeline/onboard/onboard';
import type { ProvisionedUserApi } from '../../../../../shared/pipeline/onboard/ports';
import type { OnboardingJob } from '../../../../../shared/pipeline/onboard/provision';

const BASE = 'https://hooks.example.com/callbacks/';
const TOKEN = 'T'.repeat(43);
const OTHERS: NotificationFilterUrl[] = [
  { category: 'MUTATION', notification_target: 'https://other.example.com/hook' },
  { category: 'CHAT', notification_target: 'https://other.example.com/chat' },
];

const job = (overrides: Partial<OnboardingJob> = {}): OnboardingJob => ({
  provisionId: 7,
  provisionStatus: 'ACTIVE',
  oauthStatus: 'ACCEPTED',
  authorizationCode: 'code-7',
  redirectUri: 'https://partner.example.com/oauth/callback',
  updated: '2025-09-03 08:24:14.266407',
  receivedAt: '2025-09-03T08:24:15.000Z',
  ...overrides,
});

/** A fake bunq: one user per access token, its filter set, and a count of every call. */
class FakeBunq {
  readonly filters = new Map<number, NotificationFilterUrl[]>();
  readonly calls: string[] = [];
  readonly sessionsOpened = new Set<string>();

  api(store: BunqStateStore): ProvisionedUserApi {
    return {
      getUserId: async () => {
        const state = await store.load();
        if (state.userId !== undefined) return state.userId;
        this.calls.push('session');
        const userId = 1000 + Number(state.apiKey.replace('token-', ''));
        await store.save({ ...state, userId, sessionToken: `session-${userId}` });
        if (!this.filters.has(userId)) this.filters.set(userId, [...OTHERS]);
        return userId;
      },
      getNotificationFilterUrls: async (userId) => {
        this.calls.push(`get ${userId}`);
        return [...(this.filters.get(userId) ?? [])];
      },
      setNotificationFilterUrls: async (userId, wanted: readonly NotificationFilterInput[]) => {
        this.calls.push(`set ${userId}`);
        const set = wanted.map((f) => ({ category: f.category, notification_target: f.notification_target }));
        this.filters.set(userId, set);
        return set;
      },
    };
  }
}

function setup(overrides: Partial<OnboardingDependencies> = {}) {
  const bunq = new FakeBunq();
  const registry = new InMemoryFleetRegistry();
  const credentials = new InMemoryFleetCredentials();
  const exchanged: string[] = [];
  const deps: OnboardingDependencies = {
    exchange: {
      exchange: async ({ code }) => {
        exchanged.push(code);
        return `token-${code.replace('code-', '')}`;
      },
    },
    credentials,
    userApi: (store) => bunq.api(store),
    registry,
    target: { baseUrl: BASE, currentToken: async () => TOKEN },
    categories: ['MUTATION', 'PAYMENT'],
    cursorRef: (userId) => `reconcile#${userId}`,
    now: () => new Date('2025-09-03T08:25:00.000Z'),
    ...overrides,
  };
  return { bunq, registry, credentials, exchanged, deps };
}

describe('onboardProvisionedUser', () => {
  it('exchanges the code, registers our filters at the user URL beside the others, and records the user', async () => {
    const { bunq, registry, credentials, exchanged, deps } = setup();
    const outcome = await onboardProvisionedUser(job(), deps);
    expect(outcome).toEqual({
      status: 'onboarded',
      provisionId: 7,
      userId: 1007,
      exchanged: true,
      wroteFilters: true,
    });
    expect(exchanged).toEqual(['code-7']);
    const ours = `${BASE}${TOKEN}/u/1007`;
    expect(bunq.filters.get(1007)).toEqual([
      ...OTHERS,
      { category: 'MUTATION', notification_target: ours },
      { category: 'PAYMENT', notification_target: ours },
    ]);
    expect(await registry.get(1007)).toEqual({
      userId: 1007,
      provisionId: 7,
      credentialsRef: credentials.refFor(7),
      categories: ['MUTATION', 'PAYMENT'],
      filterState: 'registered',
      reconcileCursorRef: 'reconcile#1007',
      onboardedAt: '2025-09-03T08:25:00.000Z',
      updatedAt: '2025-09-03T08:25:00.000Z',
    });
    // The token is in the credential store only, never in the entry.
    expect(JSON.stringify(await registry.list())).not.toContain('token-7');
  });

  it('changes nothing on a repeated activation: no exchange, no bunq call, no registry write', async () => {
    const { bunq, registry, exchanged, deps } = setup();
    await onboardProvisionedUser(job(), deps);
    const calls = bunq.calls.length;
    const puts = registry.puts;
    expect(await onboardProvisionedUser(job(), deps)).toEqual({
      status: 'unchanged',
      provisionId: 7,
      userId: 1007,
    });
    expect(exchanged).toHaveLength(1);
    expect(bunq.calls.length).toBe(calls);
    expect(registry.puts).toBe(puts);
  });

  it.each([
    ['not active yet', { provisionStatus: 'PENDING' }],
    ['OAuth request not accepted', { oauthStatus: 'PENDING' }],
    ['no code', { authorizationCode: null }],
  ])('does nothing for a provision %s', async (_what, overrides) => {
    const { bunq, exchanged, registry, deps } = setup();
    expect(await onboardProvisionedUser(job(overrides), deps)).toEqual({
      status: 'not-active',
      provisionId: 7,
    });
    expect([exchanged.length, bunq.calls.length, registry.puts]).toEqual([0, 0, 0]);
  });

  it('fails at token-exchange without quoting the code, and a retry then onboards', async () => {
    let fail = true;
    const { deps, exchanged, registry } = setup();
    const flaky: OnboardingDependencies = {
      ...deps,
      exchange: {
        exchange: async (request) => {
          if (fail) throw new Error('the OAuth token endpoint answered 503');
          return deps.exchange.exchange(request);
        },
      },
    };
    const error = await onboardProvisionedUser(job(), flaky).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OnboardingError);
    expect((error as OnboardingError).step).toBe('token-exchange');
    expect((error as Error).message).not.toContain('code-7');
    expect(await registry.list()).toEqual([]);
    fail = false;
    expect(await onboardProvisionedUser(job(), flaky)).toMatchObject({
      status: 'onboarded',
      exchanged: true,
    });
    expect(exchanged).toEqual(['code-7']);
  });

  it('does not exchange again when a later step failed: the stored token is reused', async () => {
    const { deps, exchanged, registry } = setup();
    let fail = true;
    const broken: OnboardingDependencies = {
      ...deps,
      userApi: (store) => {
        const api = deps.userApi(store);
        return {
          ...api,
          setNotificationFilterUrls: async (userId, filters) => {
            if (fail) throw new Error('bunq answered 500');
            return api.setNotificationFilterUrls(userId, filters);
          },
        };
      },
    };
    await expect(onboardProvisionedUser(job(), broken)).rejects.toMatchObject({ step: 'filters' });
    expect((await registry.get(1007))?.filterState).toBe('failed');
    fail = false;
    expect(await onboardProvisionedUser(job(), broken)).toMatchObject({
      status: 'onboarded',
      exchanged: false,
    });
    expect(exchanged).toEqual(['code-7']);
    expect((await registry.get(1007))?.filterState).toBe('registered');
  });

  it('replaces our filters with an old token, keeps the others, and writes nothing when bunq has exactly ours', async () => {
    const { bunq, deps } = setup();
    await onboardProvisionedUser(job(), {
      ...deps,
      target: { baseUrl: BASE, currentToken: async () => 'OLD'.repeat(11) },
    });
    const { registry: _ignored, ...rest } = deps;
    const fresh = new InMemoryFleetRegistry();
    expect(await onboardProvisionedUser(job(), { ...rest, registry: fresh })).toMatchObject({
      wroteFilters: true,
    });
    const targets = (bunq.filters.get(1007) ?? []).map((f) => f.notification_target);
    expect(targets.filter((t) => t?.includes('OLD'))).toEqual([]);
    expect(targets.filter((t) => t?.startsWith('https://other.example.com'))).toHaveLength(2);
    const again = new InMemoryFleetRegistry();
    expect(await onboardProvisionedUser(job(), { ...rest, registry: again })).toMatchObject({
      wroteFilters: false,
    });
  });

  it('refuses to write when another integration holds both URLs of a category', async () => {
    const { bunq, deps } = setup();
    const full = [
      { category: 'MUTATION', notification_target: 'https://a.example.com' },
      { category: 'MUTATION', notification_target: 'https://b.example.com' },
    ];
    const api = (store: BunqStateStore) => {
      const inner = bunq.api(store);
      return {
        ...inner,
        getNotificationFilterUrls: async () => [...full],
      };
    };
    await expect(onboardProvisionedUser(job(), { ...deps, userApi: api })).rejects.toMatchObject({
      step: 'filters',
      message: expect.stringMatching(/2 per category/),
    });
    expect(bunq.calls.filter((call) => call.startsWith('set'))).toEqual([]);
  });
});
