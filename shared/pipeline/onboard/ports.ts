/**
 * What the onboarding core needs from the outside world: the OAuth token exchange with the partner's client
 * credentials, a bunq API client per provisioned user (the project's `BunqApiClient` fits), the fleet
 * registry, the credential store, and our callback URL.
 */
import type { NotificationFilterInput, NotificationFilterUrl } from '../../bunq/api/client';
import type { BunqStateStore } from '../../bunq/api/state';

/**
 * Exchanges an OAuth authorization code for the user's access token (bunq's `POST /v1/token` with
 * `grant_type=authorization_code`, the partner's client id and secret, and the request's redirect URI).
 */
export interface OAuthTokenExchange {
  exchange(request: { readonly code: string; readonly redirectUri: string | null }): Promise<string>;
}

/** The bunq calls the onboarding makes as a provisioned user. */
export interface ProvisionedUserApi {
  /** Opens the user's API context (installation, device, session) when missing; its id for paths. */
  getUserId(): Promise<number>;
  getNotificationFilterUrls(userId: number): Promise<NotificationFilterUrl[]>;
  /** Replaces the user's whole filter set (bunq's POST); answers the set bunq now has. */
  setNotificationFilterUrls(
    userId: number,
    filters: readonly NotificationFilterInput[],
  ): Promise<NotificationFilterUrl[]>;
}

/** A bunq API client acting as one provisioned user, on its stored credentials. */
export type ProvisionedUserApiFactory = (credentials: BunqStateStore) => ProvisionedUserApi;

/** Our callback URL for a user: the base, the current token, the user's segment. */
export interface CallbackTarget {
  /** The callback URL without the token, ending in `/callbacks/`: every target under it is ours. */
  readonly baseUrl: string;
  /** The current callback token (read per onboarding, so a rotation is followed). */
  currentToken(): Promise<string>;
}

/** `<base><token>/u/<userId>`: the URL whose callbacks the ingest attributes to `userId`. */
export function userCallbackUrl(baseUrl: string, token: string, userId: number): string {
  return `${baseUrl}${token}/u/${userId}`;
}

/**
 * Whether a notification target is ours: any URL under our callback base URL (the partner's own
 * `<base><token>`, a provisioned user's `<base><token>/u/<userId>`, an old token's), nothing else. The base is
 * taken as a path prefix ending in `/`, so `https://x/callbacks` owns `https://x/callbacks/t` but not
 * `https://x/callbacks-other/t`.
 */
export function ownsUnder(baseUrl: string): (target: string) => boolean {
  const base = baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`;
  return (target) => target.startsWith(base);
}
