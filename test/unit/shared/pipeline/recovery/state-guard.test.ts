import { BunqStateError } from '../../../../../shared/bunq/api/errors';
import { InMemoryBunqStateStore } from '../../../../../shared/bunq/api/state';
import {
  API_KEY_PLACEHOLDER,
  BunqApiKeyNotConfiguredError,
  guardPlaceholderApiKey,
} from '../../../../../shared/pipeline/recovery/state-guard';

describe('guardPlaceholderApiKey', () => {
  it('refuses the placeholder the stack writes, saying what to put in which secret', async () => {
    const store = guardPlaceholderApiKey(
      new InMemoryBunqStateStore({ apiKey: API_KEY_PLACEHOLDER }),
      'arn:aws:secretsmanager:eu-west-1:1:secret:bunq',
    );
    const loading = store.load();
    await expect(loading).rejects.toBeInstanceOf(BunqApiKeyNotConfiguredError);
    await expect(loading).rejects.toBeInstanceOf(BunqStateError);
    await expect(loading).rejects.toThrow(/secret:bunq with \{"apiKey":"<your bunq API key>"\}/);
  });

  it('passes a real state through, and saves through to the store', async () => {
    const inner = new InMemoryBunqStateStore({ apiKey: 'sandbox_0123456789' });
    const store = guardPlaceholderApiKey(inner, 'bunq');
    expect(await store.load()).toEqual({ apiKey: 'sandbox_0123456789' });
    await store.save({ apiKey: 'sandbox_0123456789', deviceId: 3 });
    expect(inner.current()).toEqual({ apiKey: 'sandbox_0123456789', deviceId: 3 });
  });
});
