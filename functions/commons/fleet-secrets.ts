/**
 * Provisioned users' credentials in Secrets Manager: one secret per user, named `<prefix>provision-<id>`,
 * created with `{"apiKey": "<access token>"}` when the OAuth code is exchanged; the bunq client then writes
 * the installation and session into it (`SecretsManagerBunqStateStore`). The registry holds the name only.
 */
import {
  CreateSecretCommand,
  DescribeSecretCommand,
  type SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { SecretsManagerBunqStateStore } from '../../shared/bunq/api/secrets-manager-state-store';
import type { FleetCredentialStore } from '../../shared/fleet/credentials';

export interface FleetSecretsOptions {
  readonly client: SecretsManagerClient;
  /** The name prefix of every credential secret, e.g. `bunq-webhooks/fleet/`; the role may act only under it. */
  readonly prefix: string;
}

const errorName = (error: unknown): string | undefined => (error instanceof Error ? error.name : undefined);

export function secretsManagerFleetCredentials(options: FleetSecretsOptions): FleetCredentialStore {
  const { client, prefix } = options;
  return {
    refFor: (provisionId) => `${prefix}provision-${provisionId}`,
    async exists(ref) {
      try {
        await client.send(new DescribeSecretCommand({ SecretId: ref }));
        return true;
      } catch (error) {
        if (errorName(error) === 'ResourceNotFoundException') return false;
        throw error;
      }
    },
    async create(ref, accessToken) {
      try {
        await client.send(
          new CreateSecretCommand({
            Name: ref,
            Description: 'A provisioned bunq user: OAuth access token and API context (bunq-webhooks fleet)',
            SecretString: JSON.stringify({ apiKey: accessToken }),
          }),
        );
      } catch (error) {
        // A concurrent delivery of the same activation stored it first; its token is the one to use.
        if (errorName(error) !== 'ResourceExistsException') throw error;
      }
    },
    stateStore: (ref) => new SecretsManagerBunqStateStore({ secretId: ref, client }),
  };
}
