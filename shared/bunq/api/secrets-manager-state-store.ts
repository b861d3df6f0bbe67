/**
 * {@link BunqStateStore} on one AWS Secrets Manager secret holding the state as JSON. To start, create the
 * secret with `{"apiKey":"<bunq API key>"}` (a bare API key string is accepted too); the client writes the
 * installation and session into it as it creates them (`PutSecretValue`, so the function's role needs
 * `secretsmanager:GetSecretValue` and `secretsmanager:PutSecretValue` on that secret).
 */
import {
  GetSecretValueCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { BunqStateError } from './errors';
import { type BunqState, type BunqStateStore, parseBunqState } from './state';

export interface SecretsManagerBunqStateStoreOptions {
  /** Name or ARN of the secret. */
  readonly secretId: string;
  /**
   * The Secrets Manager client.
   * @default a new `SecretsManagerClient` for the ambient region and credentials
   */
  readonly client?: SecretsManagerClient;
}

export class SecretsManagerBunqStateStore implements BunqStateStore {
  private readonly client: SecretsManagerClient;
  private readonly secretId: string;

  constructor(options: SecretsManagerBunqStateStoreOptions) {
    if (options.secretId.trim() === '') {
      throw new BunqStateError('SecretsManagerBunqStateStore needs a secretId (the secret name or ARN).');
    }
    this.secretId = options.secretId;
    this.client = options.client ?? new SecretsManagerClient({});
  }

  async load(): Promise<BunqState> {
    let secretString: string | undefined;
    try {
      const answer = await this.client.send(new GetSecretValueCommand({ SecretId: this.secretId }));
      secretString = answer.SecretString;
    } catch (error) {
      throw new BunqStateError(
        `Could not read the bunq state secret "${this.secretId}": ${errorName(error)}. Check that it exists ` +
          'and that the role may call secretsmanager:GetSecretValue on it.',
        { cause: error },
      );
    }
    if (secretString === undefined || secretString.trim() === '') {
      throw new BunqStateError(
        `The bunq state secret "${this.secretId}" has no SecretString. Store {"apiKey":"<bunq API key>"} in it.`,
      );
    }
    const text = secretString.trim();
    if (!text.startsWith('{')) return parseBunqState({ apiKey: text });
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      // The JSON error would quote the secret text: say only where.
      throw new BunqStateError(
        `The bunq state secret "${this.secretId}" is not valid JSON. Store {"apiKey":"<bunq API key>"} in it.`,
      );
    }
    return parseBunqState(json);
  }

  async save(state: BunqState): Promise<void> {
    const valid = parseBunqState(state);
    try {
      await this.client.send(
        new PutSecretValueCommand({ SecretId: this.secretId, SecretString: JSON.stringify(valid) }),
      );
    } catch (error) {
      throw new BunqStateError(
        `Could not write the bunq state secret "${this.secretId}": ${errorName(error)}. Check that the role ` +
          'may call secretsmanager:PutSecretValue on it.',
        { cause: error },
      );
    }
  }
}

function errorName(error: unknown): string {
  return error instanceof Error ? error.name : 'unknown error';
}
