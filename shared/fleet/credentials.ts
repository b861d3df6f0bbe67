/**
 * Where a provisioned user's credentials live: the OAuth access token bunq gave for it, and the bunq API
 * context the client builds on it (key pair, installation, device, session), as one {@link BunqState}. In
 * AWS one Secrets Manager secret per user; locally one file per user (mode 0600) in the data directory.
 * Only a reference (the secret name, the file path) is ever stored elsewhere.
 */
import type { BunqStateStore } from '../bunq/api/state';

export interface FleetCredentialStore {
  /** The reference of the credentials onboarded from a provision: stable, so a retry finds them. */
  refFor(provisionId: number): string;
  /** Whether credentials exist under `ref` (the access token was stored). */
  exists(ref: string): Promise<boolean>;
  /** Stores a new access token under `ref` (as `{"apiKey": token}`); the client adds the rest. */
  create(ref: string, accessToken: string): Promise<void>;
  /** The bunq state under `ref`, for a `BunqApiClient`. */
  stateStore(ref: string): BunqStateStore;
}

/** The {@link FleetCredentialStore} in memory: for unit tests. */
export class InMemoryFleetCredentials implements FleetCredentialStore {
  readonly states = new Map<string, Record<string, unknown>>();

  refFor(provisionId: number): string {
    return `memory/fleet/provision-${provisionId}`;
  }

  async exists(ref: string): Promise<boolean> {
    return this.states.has(ref);
  }

  async create(ref: string, accessToken: string): Promise<void> {
    this.states.set(ref, { apiKey: accessToken });
  }

  stateStore(ref: string): BunqStateStore {
    return {
      load: async () => {
        const state = this.states.get(ref);
        if (state === undefined) throw new Error(`no credentials under ${ref}`);
        return { ...(state as { apiKey: string }) };
      },
      save: async (state) => {
        this.states.set(ref, { ...state });
      },
    };
  }
}
