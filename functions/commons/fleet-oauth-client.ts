/**
 * The partner's OAuth client credentials from their secret, `{"clientId": "...", "clientSecret": "..."}`,
 * cached for 5 minutes. The stack creates the secret with empty values: until the operator fills it, every
 * onboarding fails at the token exchange with an error that says so (and is retried, then parked).
 */
import type { JsonSecretProvider } from '../../shared/aws/secrets';
import type { OAuthClientCredentials } from '../../shared/pipeline/onboard/oauth-exchange';

export class OAuthClientNotConfiguredError extends Error {
  override readonly name = 'OAuthClientNotConfiguredError';
}

export function fleetOAuthClient(
  provider: JsonSecretProvider,
  secretId: string,
): () => Promise<OAuthClientCredentials> {
  return async () => {
    const value = (await provider.get(secretId, { maxAge: 300, transform: 'json' })) as
      | { clientId?: unknown; clientSecret?: unknown }
      | undefined;
    const clientId = value?.clientId;
    const clientSecret = value?.clientSecret;
    if (
      typeof clientId !== 'string' ||
      clientId === '' ||
      typeof clientSecret !== 'string' ||
      clientSecret === ''
    ) {
      throw new OAuthClientNotConfiguredError(
        `The OAuth client is not configured: put {"clientId": "<id>", "clientSecret": "<secret>"} in the secret ${secretId}.`,
      );
    }
    return { clientId, clientSecret };
  };
}
