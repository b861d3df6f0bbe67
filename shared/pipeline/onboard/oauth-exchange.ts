/**
 * The OAuth token exchange over HTTP: bunq's `POST /v1/token?grant_type=authorization_code&code=…&
 * redirect_uri=…&client_id=…&client_secret=…` (bunq's OAuth docs), answering `{"access_token": "…"}`. The
 * URL carries the code and the client secret, so it is never logged or put in an error; an error says the
 * status and bunq's error description only.
 */
import type { OAuthTokenExchange } from './ports';

/** The partner's OAuth client, from its secret. */
export interface OAuthClientCredentials {
  readonly clientId: string;
  readonly clientSecret: string;
}

export interface HttpTokenExchangeOptions {
  /** bunq's token endpoint, e.g. `https://api.oauth.bunq.com/v1/token`. */
  readonly tokenUrl: string;
  /** Read per exchange, so a rotated client secret is followed (cache it in the provider). */
  readonly credentials: () => Promise<OAuthClientCredentials>;
  /** @default globalThis.fetch */
  readonly fetch?: typeof fetch;
  /** @default 10000 */
  readonly timeoutMs?: number;
}

export class TokenExchangeError extends Error {
  override readonly name = 'TokenExchangeError';
  constructor(
    message: string,
    /** The HTTP status, when bunq answered. */
    readonly status?: number,
  ) {
    super(message);
  }
}

/** bunq's error description, from `{"error_description": …}` or `{"Error": [{"error_description": …}]}`. */
function describe(json: unknown): string | undefined {
  if (json === null || typeof json !== 'object') return undefined;
  const value = json as { error_description?: unknown; error?: unknown; Error?: unknown };
  if (typeof value.error_description === 'string') return value.error_description;
  if (Array.isArray(value.Error)) {
    const first = value.Error[0] as { error_description?: unknown } | undefined;
    if (typeof first?.error_description === 'string') return first.error_description;
  }
  return typeof value.error === 'string' ? value.error : undefined;
}

export function httpTokenExchange(options: HttpTokenExchangeOptions): OAuthTokenExchange {
  const doFetch = options.fetch ?? ((url, init) => fetch(url, init));
  return {
    async exchange({ code, redirectUri }) {
      const { clientId, clientSecret } = await options.credentials();
      const url = new URL(options.tokenUrl);
      url.searchParams.set('grant_type', 'authorization_code');
      url.searchParams.set('code', code);
      if (redirectUri !== null) url.searchParams.set('redirect_uri', redirectUri);
      url.searchParams.set('client_id', clientId);
      url.searchParams.set('client_secret', clientSecret);
      let response: Response;
      try {
        response = await doFetch(url, {
          method: 'POST',
          headers: { accept: 'application/json' },
          signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
        });
      } catch (error) {
        const name = error instanceof Error ? error.name : 'error';
        throw new TokenExchangeError(`the OAuth token endpoint could not be reached (${name})`);
      }
      const json: unknown = await response.json().catch(() => undefined);
      if (!response.ok) {
        const description = describe(json);
        throw new TokenExchangeError(
          `the OAuth token endpoint answered ${response.status}${description === undefined ? '' : `: ${description}`}`,
          response.status,
        );
      }
      const token = (json as { access_token?: unknown } | undefined)?.access_token;
      if (typeof token !== 'string' || token === '') {
        throw new TokenExchangeError(
          'the OAuth token endpoint answered without an access_token',
          response.status,
        );
      }
      return token;
    },
  };
}
