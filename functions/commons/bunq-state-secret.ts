/**
 * The bunq state (API key, installation, session) the scheduled functions share, in its Secrets Manager
 * secret, refusing the placeholder API key the stack creates the secret with.
 */
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SecretsManagerBunqStateStore } from '../../shared/bunq/api/secrets-manager-state-store';
import type { BunqStateStore } from '../../shared/bunq/api/state';
import { guardPlaceholderApiKey } from '../../shared/pipeline/recovery/state-guard';

export function bunqStateSecret(secretArn: string): BunqStateStore {
  return guardPlaceholderApiKey(
    new SecretsManagerBunqStateStore({ secretId: secretArn, client: new SecretsManagerClient({}) }),
    secretArn,
  );
}
