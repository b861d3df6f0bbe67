/**
 * A partner's fleet onboarded against the bunq simulator with the onboarding core as it runs in production
 * (`onboardProvisionedUser`: OAuth exchange at the simulator's token endpoint, the user's session, our
 * filters by read-merge-write, the registry entry), for the CLI's and the bench's fleets.
 */
import { BunqApiClient } from '../../shared/bunq/api/client';
import type { FleetCredentialStore } from '../../shared/fleet/credentials';
import type { FleetRegistry } from '../../shared/fleet/registry';
import { httpTokenExchange } from '../../shared/pipeline/onboard/oauth-exchange';
import { onboardProvisionedUser } from '../../shared/pipeline/onboard/onboard';
import type { RunningBunqSimulator } from '../../simulator/server';
import type { SimProvision, SimUser } from '../../simulator/simulator';

export interface FleetSetup {
  readonly registry: FleetRegistry;
  readonly credentials: FleetCredentialStore;
  /** Our callback URL without the token, ending in `/`. */
  readonly callbackBaseUrl: string;
  readonly token: string;
  readonly categories: readonly string[];
  /** Onboardings at once. @default 8 */
  readonly concurrency?: number;
}

/** A new partner company user of the simulator. */
export function createPartner(
  sim: RunningBunqSimulator,
): SimUser & { partner: NonNullable<SimUser['partner']> } {
  const partner = sim.simulator.createUser({ kind: 'UserCompany', partner: true });
  if (partner.partner === null) throw new Error('the simulator made no partner');
  return partner as SimUser & { partner: NonNullable<SimUser['partner']> };
}

/** Provisions `count` users of `partner` and onboards each; resolves with the provisions. */
export async function onboardFleet(
  sim: RunningBunqSimulator,
  partner: SimUser & { partner: NonNullable<SimUser['partner']> },
  count: number,
  setup: FleetSetup,
  options: { readonly fetch?: typeof fetch } = {},
): Promise<SimProvision[]> {
  const provisions = sim.simulator.provisionUsers(partner.id, count);
  const exchange = httpTokenExchange({
    tokenUrl: sim.oauthTokenUrl,
    credentials: async () => ({
      clientId: partner.partner.clientId,
      clientSecret: partner.partner.clientSecret,
    }),
    ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
  });
  let next = 0;
  const worker = async () => {
    while (next < provisions.length) {
      const provision = provisions[next] as SimProvision;
      next += 1;
      await onboardProvisionedUser(
        {
          provisionId: provision.id,
          provisionStatus: 'ACTIVE',
          oauthStatus: 'ACCEPTED',
          authorizationCode: provision.authorizationCode,
          redirectUri: partner.partner.redirectUri,
          updated: provision.created,
          receivedAt: new Date().toISOString(),
        },
        {
          exchange,
          credentials: setup.credentials,
          userApi: (stateStore) =>
            new BunqApiClient({
              baseUrl: sim.baseUrl,
              stateStore,
              rateLimits: false,
              ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
            }),
          registry: setup.registry,
          target: { baseUrl: setup.callbackBaseUrl, currentToken: async () => setup.token },
          categories: setup.categories,
          cursorRef: (userId) => `reconcile#${userId}`,
        },
      );
    }
  };
  await Promise.all(Array.from({ length: setup.concurrency ?? 8 }, worker));
  return provisions;
}
