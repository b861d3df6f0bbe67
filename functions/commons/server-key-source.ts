/**
 * The ingest's signature policy from its environment: the mode, and the server public key, configured
 * (`BUNQ_SERVER_PUBLIC_KEY_PEM`) or read from the failure poller's bunq state secret (cached like the token).
 */
import type { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import {
  CALLBACK_SIGNATURE_MODES,
  type CallbackSignatureMode,
  type SignaturePolicy,
} from '../../shared/pipeline/ingest/callback-signature';
import { fixedServerPublicKey, stateServerPublicKey } from '../../shared/pipeline/ingest/server-public-key';
import { INGEST_ENV } from '../../shared/wiring/function-env';

const isMode = (value: string): value is CallbackSignatureMode =>
  (CALLBACK_SIGNATURE_MODES as readonly string[]).includes(value);

/** The policy the environment describes; a mode that is not one of `off | log | enforce` fails the cold start. */
export function signaturePolicyFromEnv(
  provider: SecretsProvider,
  maxAgeSeconds: number,
  env: NodeJS.ProcessEnv = process.env,
): SignaturePolicy {
  const mode = env[INGEST_ENV.callbackSignatureMode] ?? 'off';
  if (!isMode(mode)) {
    throw new Error(`${INGEST_ENV.callbackSignatureMode} is "${mode}"; use off, log or enforce.`);
  }
  const pem = env[INGEST_ENV.serverPublicKeyPem];
  if (pem !== undefined && pem !== '') return { mode, key: fixedServerPublicKey(pem) };
  const stateSecret = env[INGEST_ENV.signatureKeyStateSecretArn];
  if (stateSecret !== undefined && stateSecret !== '') {
    return {
      mode,
      key: stateServerPublicKey(() =>
        provider.get(stateSecret, { maxAge: maxAgeSeconds, transform: 'json' }),
      ),
    };
  }
  return { mode };
}
