/**
 * Where the ingest gets bunq's server public key to verify `X-Bunq-Server-Signature` with: one configured
 * (`ingest.callbackSignature.serverPublicKeyPem`), or the `serverPublicKeyPem` the bunq client stored in the
 * failure poller's state after the installation. The state holds credentials: only that one field is read,
 * and nothing of the state reaches an error message.
 */
import type { KeyObject } from 'node:crypto';
import { publicKeyFromPem } from '../../bunq/api/crypto';

export interface ServerPublicKeySource {
  /** The key now; `undefined` when there is none yet (no installation has run). */
  current(): Promise<KeyObject | undefined>;
}

/** The state could not be read, or its `serverPublicKeyPem` is not a public key. */
export class ServerPublicKeyError extends Error {
  override readonly name = 'ServerPublicKeyError';
}

/** A key given in the configuration; parsed once. */
export function fixedServerPublicKey(pem: string): ServerPublicKeySource {
  const key = publicKeyFromPem(pem);
  return { current: async () => key };
}

/**
 * The key in the bunq state, read with `readState` (which caches: Powertools Parameters with a max age).
 * The parsed key is kept until the stored PEM changes.
 */
export function stateServerPublicKey(readState: () => Promise<unknown>): ServerPublicKeySource {
  let cached: { pem: string; key: KeyObject } | undefined;
  return {
    async current() {
      let state: unknown;
      try {
        state = await readState();
      } catch (error) {
        throw new ServerPublicKeyError('The bunq state secret could not be read for the server public key.', {
          cause: error,
        });
      }
      const pem =
        typeof state === 'object' && state !== null
          ? (state as { serverPublicKeyPem?: unknown }).serverPublicKeyPem
          : undefined;
      if (typeof pem !== 'string' || pem === '') return undefined;
      if (cached?.pem !== pem) {
        try {
          cached = { pem, key: publicKeyFromPem(pem) };
        } catch {
          throw new ServerPublicKeyError(
            'serverPublicKeyPem in the bunq state secret is not a PEM public key; let the poller run its installation again.',
          );
        }
      }
      return cached.key;
    },
  };
}
