import {
  GetSecretValueCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { BunqStateError } from '../../../../../shared/bunq/api/errors';
import { SecretsManagerBunqStateStore } from '../../../../../shared/bunq/api/secrets-manager-state-store';
import { InMemoryBunqStateStore, parseBunqState } from '../../../../../shared/bunq/api/state';

const secrets = mockClient(SecretsManagerClient);
beforeEach(() => secrets.reset());

const API_KEY = 'sandbox_0123456789abcdef0123456789abcdef';

describe('parseBunqState', () => {
  it('needs an apiKey and keeps unknown fields', () => {
    expect(parseBunqState({ apiKey: API_KEY, note: 'kept' })).toEqual({ apiKey: API_KEY, note: 'kept' });
    expect(() => parseBunqState({})).toThrow(BunqStateError);
  });

  it('names the bad field without echoing any value', () => {
    try {
      parseBunqState({ apiKey: API_KEY, sessionToken: 12345678901 });
      throw new Error('expected a throw');
    } catch (error) {
      expect((error as Error).message).toContain('sessionToken');
      expect((error as Error).message).not.toContain(API_KEY);
      expect((error as Error).message).not.toContain('12345678901');
    }
  });
});

describe('InMemoryBunqStateStore', () => {
  it('returns copies and counts saves', async () => {
    const store = new InMemoryBunqStateStore({ apiKey: API_KEY });
    const loaded = await store.load();
    loaded.userId = 5;
    expect(store.current().userId).toBeUndefined();
    await store.save({ ...loaded });
    expect(store.current().userId).toBe(5);
    expect(store.saves).toBe(1);
  });
});

describe('SecretsManagerBunqStateStore', () => {
  const store = () =>
    new SecretsManagerBunqStateStore({ secretId: 'bunq/api', client: new SecretsManagerClient({}) });

  it('loads the JSON state from the secret', async () => {
    secrets.on(GetSecretValueCommand, { SecretId: 'bunq/api' }).resolves({
      SecretString: JSON.stringify({ apiKey: API_KEY, userId: 3, sessionToken: 'tok' }),
    });
    await expect(store().load()).resolves.toEqual({ apiKey: API_KEY, userId: 3, sessionToken: 'tok' });
  });

  it('accepts a bare API key string', async () => {
    secrets.on(GetSecretValueCommand).resolves({ SecretString: `${API_KEY}\n` });
    await expect(store().load()).resolves.toEqual({ apiKey: API_KEY });
  });

  it('refuses JSON that does not parse without quoting the secret', async () => {
    secrets.on(GetSecretValueCommand).resolves({ SecretString: `{"apiKey":"${API_KEY}"` });
    const error = await store()
      .load()
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(BunqStateError);
    expect((error as Error).message).not.toContain(API_KEY);
    expect((error as Error).cause).toBeUndefined();
  });

  it('wraps AWS errors with the secret id and the permission to check', async () => {
    secrets
      .on(GetSecretValueCommand)
      .rejects(Object.assign(new Error('denied'), { name: 'AccessDeniedException' }));
    await expect(store().load()).rejects.toThrow(/bunq\/api.*AccessDeniedException.*GetSecretValue/);
    secrets.on(GetSecretValueCommand).resolves({ SecretBinary: new Uint8Array([1]) });
    await expect(store().load()).rejects.toThrow(/has no SecretString/);
  });

  it('saves the state as JSON with PutSecretValue', async () => {
    secrets.on(PutSecretValueCommand).resolves({});
    await store().save({ apiKey: API_KEY, userId: 9 });
    const input = secrets.commandCalls(PutSecretValueCommand)[0]?.args[0].input;
    expect(input?.SecretId).toBe('bunq/api');
    expect(JSON.parse(input?.SecretString ?? '')).toEqual({ apiKey: API_KEY, userId: 9 });
  });

  it('needs a secret id', () => {
    expect(() => new SecretsManagerBunqStateStore({ secretId: ' ' })).toThrow(BunqStateError);
  });
});
