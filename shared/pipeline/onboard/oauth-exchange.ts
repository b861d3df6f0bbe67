/**
 * The onboarding's {@link OAuthTokenExchange} over bunq's token endpoint: `exchangeAuthorizationCode` of the
 * bunq API client (`shared/bunq/api/oauth.ts`), with the partner's client credentials read per exchange so
 * a rotated client secret is followed. Its errors never quote the code or the secret.
 */
import { exchangeAuthorizationCode } from '../../bunq/api/oauth';
import type { FetchLike } from '../../bunq/api/transport';
import type { OAuthTokenExchange } from './ports';

/** The partner's OAuth client, from its secret. */
export interface OAuthClientCredentials {
  readonly clientId: string;
  readonly clientSecret: string;
}

export interface HttpTokenExchangeOptions {
  /** bunq's token endpoint, e.g. `https://api.oauth.bunq.com/v1/token`. */
  readonly tokenUrl: string;
  /** Read per exchange (cache it in the provider). */
  readonly credentials: () => Promise<OAuthClientCredentials>;
  /** @default globalThis.fetch */
  readonly fetch?: FetchLike;
}

export function httpTokenExchange(options: HttpTokenExchangeOptions): OAuthTokenExchange {
  return {
    async exchange({ code, redirectUri }) {
      const { clientId, clientSecret } = await options.credentials();
      const token = await exchangeAuthorizationCode(
        { code, redirectUri: redirectUri ?? '', clientId, clientSecret },
        { tokenUrl: options.tokenUrl, ...(options.fetch === undefined ? {} : { fetch: options.fetch }) },
      );
      return token.accessToken;
    },
  };
}
