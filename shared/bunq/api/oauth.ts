/**
 * What a partner needs to serve a user it provisioned: the OAuth token exchange (the `authorization_code` of
 * an accepted OAuth request for the user's access token) and a bunq API context opened with that token.
 *
 * bunq's OAuth docs: "Make a POST call to https://api.oauth.bunq.com/v1/token. Pass the following parameters
 * as GET variables: grant_type (authorization_code), code, redirect_uri, client_id, client_secret" (sandbox:
 * https://api-oauth.sandbox.bunq.com/v1/token), answered with `{"access_token", "token_type", "state"}`; bunq's
 * SDKs (e.g. sdk_python `OauthAccessToken.create_token_uri`) send exactly that, with an empty body. The code
 * is a "one-time-use credential"; the token is then used "as a normal API key", and the session it opens
 * answers a `UserApiKey` whose id is the user id for paths.
 *
 * The code, the client secret and the token are secrets: they never appear in an error message or a log.
 */
import * as z from 'zod';
import { BunqApiClient, type BunqApiClientOptions, type BunqSessionInfo } from './client';
import { BunqInputError, BunqNetworkError, BunqResponseFormatError, bunqApiErrorFor } from './errors';
import { type BunqStateStore, InMemoryBunqStateStore } from './state';
import type { FetchLike } from './transport';

export const BUNQ_OAUTH_TOKEN_URL = 'https://api.oauth.bunq.com/v1/token';
export const BUNQ_SANDBOX_OAUTH_TOKEN_URL = 'https://api-oauth.sandbox.bunq.com/v1/token';

export interface AuthorizationCodeExchange {
  /** The `authorization_code` of the accepted OAuth request (a secret). */
  readonly code: string;
  /** The redirect URL of the authorization request (a provision's `oauth_request.callback_url`). */
  readonly redirectUri: string;
  readonly clientId: string;
  /** A secret. */
  readonly clientSecret: string;
}

export interface OAuthTokenOptions {
  /** @default BUNQ_OAUTH_TOKEN_URL (the simulator's is `${origin}/oauth/v1/token`) */
  readonly tokenUrl?: string;
  /** @default globalThis.fetch */
  readonly fetch?: FetchLike;
  /** @default 30000 */
  readonly timeoutMs?: number;
  /** @default 'bunq-webhooks-aws' */
  readonly userAgent?: string;
}

export interface OAuthAccessToken {
  /** Used as the user's API key (a secret). */
  readonly accessToken: string;
  readonly tokenType: string;
  readonly state: string | null;
}

const tokenAnswerSchema = z.looseObject({
  access_token: z.string().min(1),
  token_type: z.string().optional(),
  state: z.string().nullable().optional(),
});

/**
 * Exchanges an authorization code for the user's access token. An error answer becomes the
 * {@link BunqApiError} subclass of its status (descriptions scrubbed of the code and the secret); no answer,
 * a {@link BunqNetworkError}. A 5xx or a network error may be retried with the same code; a 400 for a code
 * already used will not go away.
 */
export async function exchangeAuthorizationCode(
  exchange: AuthorizationCodeExchange,
  options: OAuthTokenOptions = {},
): Promise<OAuthAccessToken> {
  for (const field of ['code', 'redirectUri', 'clientId', 'clientSecret'] as const) {
    if (typeof exchange[field] !== 'string' || exchange[field] === '') {
      throw new BunqInputError(`${field} must be a non-empty string for the OAuth token exchange.`);
    }
  }
  const url = new URL(options.tokenUrl ?? BUNQ_OAUTH_TOKEN_URL);
  url.search = new URLSearchParams({
    grant_type: 'authorization_code',
    code: exchange.code,
    redirect_uri: exchange.redirectUri,
    client_id: exchange.clientId,
    client_secret: exchange.clientSecret,
  }).toString();
  const scrub = (text: string) =>
    [exchange.code, exchange.clientSecret].reduce(
      (out, secret) => out.split(secret).join('[redacted]'),
      text,
    );
  let response: Response;
  let text: string;
  try {
    response = await (options.fetch ?? ((target, init) => fetch(target, init)))(url.toString(), {
      method: 'POST',
      headers: { 'User-Agent': options.userAgent ?? 'bunq-webhooks-aws', 'Cache-Control': 'no-cache' },
      signal: AbortSignal.timeout(options.timeoutMs ?? 30_000),
    });
    text = await response.text();
  } catch (error) {
    // The URL carries the code and the secret: the cause's message may quote it, so it is not kept.
    const reason = error instanceof Error ? error.name : 'unknown';
    throw new BunqNetworkError(
      `bunq OAuth token exchange at ${url.origin}${url.pathname} got no answer (${reason}).`,
    );
  }
  const body = parseJson(text);
  if (response.status < 200 || response.status > 299) {
    throw bunqApiErrorFor({
      status: response.status,
      method: 'POST',
      path: url.pathname,
      descriptions: errorDescriptions(body).map(scrub),
      responseId: response.headers.get('x-bunq-client-response-id'),
    });
  }
  const parsed = tokenAnswerSchema.safeParse(body);
  if (!parsed.success) {
    throw new BunqResponseFormatError(
      `bunq OAuth token exchange at ${url.origin}${url.pathname} answered ${response.status} without an access_token.`,
    );
  }
  return {
    accessToken: parsed.data.access_token,
    tokenType: parsed.data.token_type ?? 'bearer',
    state: parsed.data.state ?? null,
  };
}

export interface OpenUserContextOptions extends Omit<BunqApiClientOptions, 'stateStore'> {
  /** The user's access token (from {@link exchangeAuthorizationCode}). */
  readonly accessToken: string;
  /**
   * Where that user's installation and session are kept; it must hold `accessToken` as its `apiKey`.
   * @default an in-memory store with the token
   */
  readonly stateStore?: BunqStateStore;
}

/**
 * Opens a provisioned user's bunq API context (installation, device, session with the access token as the
 * API key) and answers the client and the user id for paths (the UserApiKey's id, which is what bunq's
 * partner spec says to use for the user's notification filters).
 */
export async function openUserContext(
  options: OpenUserContextOptions,
): Promise<{ readonly client: BunqApiClient; readonly userId: number; readonly session: BunqSessionInfo }> {
  const { accessToken, stateStore, ...clientOptions } = options;
  if (typeof accessToken !== 'string' || accessToken === '') {
    throw new BunqInputError('accessToken must be a non-empty string.');
  }
  const store = stateStore ?? new InMemoryBunqStateStore({ apiKey: accessToken });
  if ((await store.load()).apiKey !== accessToken) {
    throw new BunqInputError(
      'stateStore holds another apiKey than accessToken; give each user its own store.',
    );
  }
  const client = new BunqApiClient({ ...clientOptions, stateStore: store });
  const session = await client.ensureSession();
  return { client, userId: session.userId, session };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** bunq's `{"Error":[{"error_description"}]}` or OAuth's `{"error", "error_description"}`. */
function errorDescriptions(body: unknown): string[] {
  if (typeof body !== 'object' || body === null) return [];
  const record = body as Record<string, unknown>;
  if (Array.isArray(record.Error)) {
    return record.Error.flatMap((entry: unknown) => {
      const description = (entry as { error_description?: unknown } | null)?.error_description;
      return typeof description === 'string' ? [description] : [];
    });
  }
  const oauth = [record.error_description, record.error].filter(
    (value): value is string => typeof value === 'string',
  );
  return oauth.slice(0, 1);
}
