/**
 * The ingest's {@link TokenSource} in AWS: the Secrets Manager secret, read through a cached JSON secret
 * provider (`leanSecretsProvider` of `shared/aws/secrets.ts` in Lambda; Powertools Parameters'
 * `SecretsProvider` has the same shape), cached for `maxAgeSeconds`, validated with zod so a hand-edited
 * secret fails loudly.
 */
import type { JsonSecretProvider } from '../../shared/aws/secrets';
import { callbackTokenSecretSchema, validTokensAt } from '../../shared/pipeline/ingest/token';
import type { TokenSource } from '../../shared/pipeline/ingest/token-source';

export class InvalidTokenSecretError extends Error {
  override readonly name = 'InvalidTokenSecretError';
}

export interface SecretTokenSourceOptions {
  readonly provider: JsonSecretProvider;
  readonly secretId: string;
  readonly maxAgeSeconds: number;
  readonly now?: () => Date;
}

export function secretTokenSource(options: SecretTokenSourceOptions): TokenSource {
  const now = options.now ?? (() => new Date());
  return {
    async validTokens({ refresh = false } = {}) {
      const raw = await options.provider.get(options.secretId, {
        maxAge: options.maxAgeSeconds,
        forceFetch: refresh,
        transform: 'json',
      });
      const parsed = callbackTokenSecretSchema.safeParse(raw);
      if (!parsed.success) {
        // The issue paths name fields only; no value of the secret reaches the message.
        const fields = parsed.error.issues.map((issue) => issue.path.join('.') || '(root)').join(', ');
        throw new InvalidTokenSecretError(
          `Secret ${options.secretId} is not a valid callback token secret (fields: ${fields}); expected JSON {"token": "<at least 32 URL-safe characters>"}`,
        );
      }
      return validTokensAt(parsed.data, now());
    },
  };
}
