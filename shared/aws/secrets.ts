/**
 * Secrets Manager `GetSecretValue` over the lean JSON client, with the caching the ingest needs: a secret is
 * read once and kept for `maxAge` seconds (as Powertools Parameters would), and `forceFetch` reads it again.
 */
import {
  type AwsJsonCall,
  type AwsJsonClientOptions,
  createAwsJsonClient,
  regionalEndpoint,
} from './json-client';

/** The secret has no `SecretString` (a binary secret), or its JSON does not parse. */
export class UnreadableSecretError extends Error {
  override readonly name = 'UnreadableSecretError';
}

/** Reads a JSON secret, cached. The shape `functions/commons/token-source.ts` asks of a provider. */
export interface JsonSecretProvider {
  get(
    secretId: string,
    options: { readonly maxAge: number; readonly forceFetch?: boolean; readonly transform: 'json' },
  ): Promise<unknown>;
}

export interface LeanSecretsProviderOptions
  extends Partial<Omit<AwsJsonClientOptions, 'signingName' | 'targetPrefix' | 'jsonVersion'>> {
  /** A caller to use instead of creating one (tests). */
  readonly call?: AwsJsonCall;
  /** @default Date.now */
  readonly nowMs?: () => number;
}

export function leanSecretsProvider(options: LeanSecretsProviderOptions = {}): JsonSecretProvider {
  const region = options.region ?? process.env.AWS_REGION ?? 'us-east-1';
  const call =
    options.call ??
    createAwsJsonClient({
      ...options,
      signingName: 'secretsmanager',
      targetPrefix: 'secretsmanager',
      jsonVersion: '1.1',
      region,
      // The SDK's endpoint variables, so a loopback Secrets Manager (moto) works as with the SDK.
      endpoint:
        options.endpoint ??
        process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER ??
        process.env.AWS_ENDPOINT_URL ??
        regionalEndpoint('secretsmanager', region),
    });
  const nowMs = options.nowMs ?? Date.now;
  const cache = new Map<string, { value: unknown; at: number }>();
  return {
    async get(secretId, { maxAge, forceFetch = false }) {
      const cached = cache.get(secretId);
      if (!forceFetch && cached !== undefined && nowMs() - cached.at < maxAge * 1_000) return cached.value;
      const output = (await call('GetSecretValue', { SecretId: secretId })) as { SecretString?: unknown };
      if (typeof output.SecretString !== 'string') {
        throw new UnreadableSecretError(
          `Secret ${secretId} has no SecretString (a binary secret?); store it as JSON text`,
        );
      }
      let value: unknown;
      try {
        value = JSON.parse(output.SecretString);
      } catch (error) {
        // The secret's text is not quoted: it may hold a token.
        throw new UnreadableSecretError(`Secret ${secretId} is not JSON; store it as JSON text`, {
          cause: error instanceof SyntaxError ? undefined : error,
        });
      }
      cache.set(secretId, { value, at: nowMs() });
      return value;
    },
  };
}
