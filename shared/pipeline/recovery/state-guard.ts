/**
 * The bunq state secret starts with a placeholder API key (the stack cannot know the operator's key). This
 * guard turns that placeholder into one clear error before the client talks to bunq with it.
 */
import { BunqStateError } from '../../bunq/api/errors';
import type { BunqState, BunqStateStore } from '../../bunq/api/state';

/**
 * The API key the stack writes into a new state secret. Never change it: CloudFormation would write the
 * new value over the operator's key and the client's installation on the next deploy.
 */
export const API_KEY_PLACEHOLDER = 'REPLACE_WITH_YOUR_BUNQ_API_KEY';

/** The state secret still holds {@link API_KEY_PLACEHOLDER}: the operator has not put the API key in yet. */
export class BunqApiKeyNotConfiguredError extends BunqStateError {
  override readonly name: string = 'BunqApiKeyNotConfiguredError';
}

/** A {@link BunqStateStore} that refuses to load a state whose API key is still the placeholder. */
export function guardPlaceholderApiKey(store: BunqStateStore, where: string): BunqStateStore {
  return {
    async load(): Promise<BunqState> {
      const state = await store.load();
      if (state.apiKey.trim() === API_KEY_PLACEHOLDER) {
        throw new BunqApiKeyNotConfiguredError(
          `The bunq API key is not configured: replace the secret ${where} with {"apiKey":"<your bunq API key>"}.`,
        );
      }
      return state;
    },
    save: (state) => store.save(state),
  };
}
